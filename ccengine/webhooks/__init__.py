"""Outgoing webhooks: endpoints, the durable outbox of deliveries, signing, the worker."""
