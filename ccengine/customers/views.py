"""Customers as JSON."""

from __future__ import annotations

from typing import Any

from ccengine.customers.model import TEXT_FIELDS, CustomerCard, CustomerHistory


def card_json(card: CustomerCard) -> dict[str, Any]:
    customer = card.customer
    updated = customer.updated_at
    return {
        "id": customer.id,
        "phone": customer.phone_e164,
        "phones": list(card.phones),
        "emails": list(card.emails),
        "organisation_id": customer.organisation_id,
        **{name: getattr(customer, name) for name in TEXT_FIELDS},
        "vip": customer.vip,
        "created_at": customer.created_at.isoformat(),
        "updated_at": updated.isoformat() if updated else None,
    }


def detail_json(card: CustomerCard, history: CustomerHistory) -> dict[str, Any]:
    return {"customer": card_json(card), "tickets": history.tickets, "calls": history.calls,
            "callbacks": history.callbacks, "transcripts": history.transcripts}
