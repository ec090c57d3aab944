"""Customers: who calls, their phones and e-mails, company and notes, search and merge.

The ``customers`` table itself is declared with the tickets' models (calls and tickets
point at it); this package owns its phones and e-mails, the search folding, and the
customer API.
"""
