"""Customer bodies: checked field by field into ``CustomerChanges``, and their
OpenAPI schemas. A malformed field is a 400 ``invalid-body`` naming it ("nip",
"phones[1]"), never a 500."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ccengine.customers.model import TEXT_FIELDS, CustomerChanges
from ccengine.customers.rules import InvalidValue, valid_email, valid_nip, valid_phone
from ccengine.web.body import InvalidBody, boolean, text
from ccengine.web.endpoints import Schema, nullable, page_of, ref
from ccengine.web.params import MAX_SQL_INT

MAX_LENGTHS = {"name": 200, "company": 200, "nip": 20, "address": 2000, "notes": 10_000,
               "external_id": 200}
MAX_CONTACTS = 20  # numbers or e-mails of one customer
FIELDS = frozenset({*TEXT_FIELDS, "vip", "phones", "emails", "organisation_id"})


def customer_changes(body: Mapping[str, Any], region: str) -> CustomerChanges:
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise InvalidBody(unknown[0], f"unknown field; expected one of {sorted(FIELDS)}")
    texts = {name: _text_field(body, name) for name in TEXT_FIELDS if name in body}
    return CustomerChanges(
        given=frozenset(body), texts=texts, vip=boolean(body, "vip", False),
        phones=_contacts(body, "phones", lambda raw, field: valid_phone(raw, region, field)),
        emails=_contacts(body, "emails", valid_email),
        organisation_id=_organisation(body.get("organisation_id")))


def _organisation(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SQL_INT:
        raise InvalidBody("organisation_id", "must be an organisation's id or null")
    return value


def merge_target(body: Mapping[str, Any]) -> int:
    unknown = sorted(set(body) - {"into"})
    if unknown:
        raise InvalidBody(unknown[0], "unknown field; expected into")
    into = body.get("into")
    if isinstance(into, bool) or not isinstance(into, int) or not 1 <= into <= MAX_SQL_INT:
        raise InvalidBody("into", "is required: the id of the customer to keep")
    return into


def _text_field(body: Mapping[str, Any], name: str) -> str | None:
    value = text(body, name, max_length=MAX_LENGTHS[name])
    value = value.strip() if value else None
    if name == "nip" and value is not None:
        return _valid(lambda: valid_nip(value))
    return value or None


def _contacts(body: Mapping[str, Any], name: str,
              check: Callable[[str, str], str]) -> tuple[str, ...]:
    raw = body.get(name, [])
    if not isinstance(raw, list) or len(raw) > MAX_CONTACTS:
        raise InvalidBody(name, f"must be a list of at most {MAX_CONTACTS} strings")
    checked: list[str] = []
    for index, item in enumerate(raw):
        field = f"{name}[{index}]"
        if not isinstance(item, str) or "\x00" in item or len(item) > 300:
            raise InvalidBody(field, "must be a string")
        try:
            value = check(item, field)
        except InvalidValue as exc:
            raise InvalidBody(exc.field, str(exc)) from None
        if value not in checked:  # one number written twice is one number
            checked.append(value)
    return tuple(checked)


def _valid(check: Callable[[], str]) -> str:
    try:
        return check()
    except InvalidValue as exc:
        raise InvalidBody(exc.field, str(exc)) from None


def _texts_schema() -> dict[str, Schema]:
    return {name: nullable("string", maxLength=limit) for name, limit in MAX_LENGTHS.items()}


CHANGES: Schema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        **_texts_schema(),
        "vip": {"type": "boolean", "description": "flag the customer VIP"},
        "phones": {"type": "array", "maxItems": MAX_CONTACTS, "items": {"type": "string"},
                   "description": "every number, in any written form; the first is shown "
                                  "and called back"},
        "emails": {"type": "array", "maxItems": MAX_CONTACTS, "items": {"type": "string"}},
        "organisation_id": nullable("integer", minimum=1, maximum=MAX_SQL_INT,
                                    description="the organisation the customer works for"),
    },
}
SUMMARY_ROWS: Schema = {"type": "array", "items": {"type": "object"}}

SCHEMAS: dict[str, Schema] = {
    "Customer": {
        "type": "object",
        "required": ["id", "phone", "name", "vip", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "phone": nullable("string", description="E.164, the number shown and called"),
            "phones": {"type": "array", "items": {"type": "string"}},
            "emails": {"type": "array", "items": {"type": "string"}},
            "organisation_id": nullable("integer"),
            **_texts_schema(),
            "vip": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": nullable("string", format="date-time"),
        },
    },
    "CustomerPage": page_of("Customer"),
    "CustomerDetail": {
        "type": "object",
        "required": ["customer", "tickets", "calls", "callbacks", "transcripts"],
        "properties": {"customer": ref("Customer"), "tickets": SUMMARY_ROWS,
                       "calls": SUMMARY_ROWS, "callbacks": SUMMARY_ROWS,
                       "transcripts": SUMMARY_ROWS},
    },
    "CustomerChanges": CHANGES,
    "CustomerMerge": {
        "type": "object",
        "required": ["into"],
        "additionalProperties": False,
        "properties": {"into": {"type": "integer", "minimum": 1, "maximum": MAX_SQL_INT,
                                "description": "the customer that stays"}},
    },
}
