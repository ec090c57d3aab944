"""Tickets, customers and the calls that open them."""
