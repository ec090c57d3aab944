"""Web forms: admins define them; the public posts them; each post opens a ticket."""
