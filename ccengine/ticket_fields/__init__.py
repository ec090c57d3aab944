"""Ticket fields beyond the call record (issue 13 item 6): description, a category tree,
tags, admin-defined custom fields, and saved views of the ticket list.

``rules`` holds the pure functions other features call (automation rules read a
ticket's category path and normalise tags with them); the rest follows the feature
package shape: storage models, services, API, schemas side by side.
"""
