"""OpenAPI schemas of the webhook endpoints, and of the events they send.

The document is OpenAPI 3.0 (no ``webhooks`` section): each event's body is a
component schema named ``WebhookEvent...``; ``WebhookEvent`` says which ``data``
each ``type`` carries. Every request carries the Standard Webhooks headers
``webhook-id`` (the same on every retry), ``webhook-timestamp`` (unix seconds) and
``webhook-signature`` (``v1,<base64 HMAC-SHA256>``, space-separated when a rotated
secret still signs beside the new one).
"""

from __future__ import annotations

from typing import Any

from ccengine.web.endpoints import nullable, page_of, ref
from ccengine.webhooks.model import AUTOMATION_RULE, TEST, DeliveryStatus, EventType

Schema = dict[str, Any]
_STRING: Schema = {"type": "string"}
_TIME: Schema = {"type": "string", "format": "date-time"}
_TYPES: Schema = {"type": "array", "items": {"type": "string", "enum": [str(t) for t in EventType]}}


def _object(required: list[str], **properties: Schema) -> Schema:
    """OpenAPI 3.0 wants ``required`` left out rather than empty."""
    return {"type": "object", **({"required": required} if required else {}),
            "properties": properties}


def _event(kind: str, data: Schema, description: str) -> Schema:
    return {"type": "object", "description": description, "required": ["type", "timestamp", "data"],
            "properties": {"type": {"type": "string", "enum": [kind]}, "timestamp": _TIME,
                           "data": data}}


_ENDPOINT = _object(
    ["id", "url", "description", "event_types", "active", "previous_secret_until"],
    id={"type": "integer"}, url=_STRING, description=_STRING, event_types=_TYPES,
    active={"type": "boolean"}, previous_secret_until=nullable("string", format="date-time"),
    created_at=_TIME, updated_at=_TIME)
_TICKET = _object(["number", "status"], number=_STRING, title=_STRING, status=_STRING,
                  priority=_STRING, kind=_STRING, queue=nullable("string"),
                  assignee=nullable("string"), source_channel=_STRING,
                  sla_state=nullable("string"), created_at=_TIME, updated_at=_TIME,
                  closed_at=nullable("string", format="date-time"))
_CALL = _object(["id", "outcome"], id={"type": "integer"}, pbx=_STRING, linkedid=_STRING,
                queue=nullable("string"), agent_name=nullable("string"), outcome=_STRING,
                talk_seconds=nullable("integer"), hold_seconds=nullable("integer"),
                started_at=_TIME, answered_at=nullable("string", format="date-time"),
                ended_at=_TIME)
_SLA = _object(["ticket", "clock", "threshold"], ticket=_STRING,
               clock={"type": "string", "enum": ["first_response", "resolution"]},
               threshold={"type": "integer"}, due_at=nullable("string", format="date-time"),
               priority=_STRING, queue=nullable("string"))
_ATTEMPT = _object(["attempted_at", "status_code", "duration_ms"], attempted_at=_TIME,
                   status_code=nullable("integer"), duration_ms={"type": "integer"},
                   error=nullable("string"), response_excerpt=nullable("string"))

EVENTS: dict[str, Schema] = {
    "WebhookEventTicketCreated": _event(EventType.TICKET_CREATED, _object(
        ["ticket"], ticket=_TICKET), "a ticket was opened"),
    "WebhookEventTicketUpdated": _event(EventType.TICKET_UPDATED, _object(
        ["ticket", "changed"], ticket=_TICKET, changed={"type": "array", "items": _STRING}),
        "status, priority, queue, assignee, title, category or description changed"),
    "WebhookEventTicketClosed": _event(EventType.TICKET_CLOSED, _object(
        ["ticket"], ticket=_TICKET), "a ticket's status became closed (ticket.updated too)"),
    "WebhookEventCallbackDue": _event(EventType.CALLBACK_DUE, _object(
        ["ticket"], ticket=_TICKET, scheduled_at=_STRING),
        "a callback ticket was opened (a customer waits to be called back), or the time "
        "agreed to call back came (scheduled_at, ISO 8601; once per agreed time)"),
    "WebhookEventCallFinished": _event(EventType.CALL_FINISHED, _object(
        ["call", "ticket"], call=_CALL, ticket=nullable("string")),
        "a call ended and was recorded (no caller number or name)"),
    "WebhookEventSlaWarning": _event(EventType.SLA_WARNING, _SLA,
                                     "an SLA clock reached a warning threshold (50 or 80 %)"),
    "WebhookEventSlaBreached": _event(EventType.SLA_BREACHED, _SLA,
                                      "an SLA clock reached 100 %"),
    "WebhookEventTranscriptReady": _event(EventType.TRANSCRIPT_READY, _object(
        ["transcript_id", "call_id"], transcript_id={"type": "integer"},
        call_id={"type": "integer"}, ticket=nullable("string"), language=_STRING,
        duration={"type": "number"}, needs_qa={"type": "boolean"}),
        "a call's masked transcript is stored (ids only: GET the text from the API)"),
    "WebhookEventAutomationRule": _event(AUTOMATION_RULE, _object(
        ["rule_id", "rule", "event", "ticket"], rule_id={"type": "integer"}, rule=_STRING,
        event=_STRING, ticket=_TICKET), "an automation rule's call_webhook action (sent to "
                                         "the endpoint it names, whatever it subscribed)"),
    "WebhookEventTest": _event(TEST, _object(["endpoint_id"], endpoint_id={"type": "integer"}),
                               "an admin's test event"),
}

SCHEMAS: dict[str, Schema] = {
    **EVENTS,
    "WebhookEvent": {"description": __doc__, "oneOf": [ref(name) for name in EVENTS]},
    "WebhookEndpoint": _ENDPOINT,
    "WebhookEndpointWithSecret": {"allOf": [ref("WebhookEndpoint"), _object(
        ["secret"], secret={"type": "string", "pattern": "^whsec_",
                            "description": "shown in this answer only"})]},
    "WebhookEndpointList": _object(["items", "event_types"],
                                   items={"type": "array", "items": ref("WebhookEndpoint")},
                                   event_types=_TYPES),
    "WebhookEndpointInput": _object(["url"], url=_STRING, description=_STRING,
                                    event_types=_TYPES, active={"type": "boolean"}),
    "WebhookEndpointEdit": _object([], url=_STRING, description=_STRING, event_types=_TYPES,
                                   active={"type": "boolean"}),
    "WebhookRotate": _object([], grace_hours={"type": "integer", "minimum": 0,
                                              "maximum": 720}),
    "WebhookQueued": _object(["delivery_id"], delivery_id={"type": "integer"}),
    "WebhookDelivery": _object(
        ["id", "message_id", "event_type", "status", "attempts"], id={"type": "integer"},
        endpoint_id={"type": "integer"}, message_id=_STRING, event_type=_STRING,
        status={"type": "string", "enum": [str(s) for s in DeliveryStatus]},
        attempts={"type": "integer"}, next_attempt_at=nullable("string", format="date-time"),
        created_at=_TIME, delivered_at=nullable("string", format="date-time"),
        last_status_code=nullable("integer"), last_error=nullable("string"),
        payload={"type": "string", "description": "the exact body sent"},
        log={"type": "array", "items": _ATTEMPT}),
    "WebhookDeliveryPage": page_of("WebhookDelivery"),
}
