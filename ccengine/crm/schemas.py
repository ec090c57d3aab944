"""OpenAPI schemas of the CRM look-up, and the contract a CRM answers to."""

from __future__ import annotations

from typing import Any

from ccengine.crm.model import MAX_LINKS, MAX_ORDERS, MAX_TEXT, Outcome, Reason
from ccengine.web.endpoints import nullable, ref

Schema = dict[str, Any]
_TEXT: Schema = {"type": "string", "maxLength": MAX_TEXT}
_URL: Schema = {"type": "string", "format": "uri", "pattern": "^https?://"}

CONTRACT = (
    "The CRM contract ([crm] url in the config): the engine calls GET {url}?phone=+48…"
    "&email=… (one of them or both) and expects 200 with JSON {customer_id: str, name: "
    "str, segment?: str, orders: [{id, status, total?, placed_at?, url?}], links: "
    "[{label, url}]} or 404 when nobody matches; only http(s) links, at most "
    f"{MAX_ORDERS} orders (more are cut) and {MAX_LINKS} links; anything else is a "
    "failed look-up.")

SCHEMAS: dict[str, Schema] = {
    "CrmOrder": {"type": "object", "required": ["id", "status"], "properties": {
        "id": _TEXT, "status": _TEXT, "total": nullable("string"),
        "placed_at": nullable("string", format="date-time"),
        "url": {**_URL, "nullable": True}}},
    "CrmLink": {"type": "object", "required": ["label", "url"],
                "properties": {"label": _TEXT, "url": _URL}},
    "CrmCustomer": {
        "type": "object", "required": ["customer_id", "name", "orders", "links"],
        "properties": {
            "customer_id": _TEXT, "name": _TEXT, "segment": nullable("string"),
            "orders": {"type": "array", "maxItems": MAX_ORDERS, "items": ref("CrmOrder")},
            "links": {"type": "array", "maxItems": MAX_LINKS, "items": ref("CrmLink")},
        },
    },
    "CrmLookup": {
        "type": "object", "required": ["outcome", "reason", "detail", "customer"],
        "properties": {
            "outcome": {"type": "string", "enum": [o.value for o in Outcome]},
            "reason": nullable("string", enum=[r.value for r in Reason]),
            "detail": nullable("string"),
            "customer": {"allOf": [ref("CrmCustomer")], "nullable": True},
        },
    },
}
