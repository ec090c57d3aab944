"""Replying to a ticket's customer by e-mail: reply templates, agents' signatures."""
