"""CRM / shop look-up: who the caller is on the company's own systems."""
