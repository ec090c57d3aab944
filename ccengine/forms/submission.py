"""A post to a web form, checked against its definition and made into a ticket's title
and note; pure. PESEL and card numbers typed into any field are masked here, before
anything is stored (the note, the title, the customer's name)."""

from __future__ import annotations

from collections.abc import Mapping

from ccengine.customers.rules import InvalidValue, valid_email, valid_phone
from ccengine.forms.model import FieldKind, FormField, FormSpec, Submission
from ccengine.forms.rules import HONEYPOT, FormError
from ccengine.transcribe.masking import mask_text

MAX_TITLE = 120
TITLE_FIELDS = ("subject", "topic", "temat", "title", "tytul")


class SubmissionError(FormError):
    """A post refused; ``field`` names the form's field."""


class FieldRequired(SubmissionError):
    pass


class FieldTooLong(SubmissionError):
    pass


class InvalidFieldValue(SubmissionError):
    pass


def is_spam(values: Mapping[str, str]) -> bool:
    """The honeypot, hidden from people, was filled: a robot."""
    return bool(values.get(HONEYPOT, "").strip())


def checked(spec: FormSpec, values: Mapping[str, str], region: str) -> Submission:
    """The post's values of the form's fields (others are ignored), checked and masked."""
    kept: dict[str, str] = {}
    for field in spec.fields:
        value = _value(field, values.get(field.name, ""), region)
        if value:
            kept[field.name] = value
    masked = {name: mask_text(value).text for name, value in kept.items()}
    return Submission(title=_title(spec, masked), note=_note(spec, masked),
                      email=_first(spec, kept, FieldKind.EMAIL),
                      phone=_first(spec, kept, FieldKind.PHONE),
                      customer_name=masked.get("name"), values=masked)


def _value(field: FormField, raw: str, region: str) -> str:
    value = raw.replace("\x00", "").strip()
    if len(value) > field.max_length:
        raise FieldTooLong(field.name, f"at most {field.max_length} characters")
    if not value:
        if field.required:
            raise FieldRequired(field.name, "is required")
        return ""
    try:
        if field.kind is FieldKind.EMAIL:
            return valid_email(value, field.name)
        if field.kind is FieldKind.PHONE:
            return valid_phone(value, region, field.name)
    except InvalidValue:
        raise InvalidFieldValue(field.name, f"not a valid {field.kind.value}") from None
    if field.kind is FieldKind.CHOICE and value not in field.choices:
        raise InvalidFieldValue(field.name, "not one of the choices")
    return value


def _first(spec: FormSpec, kept: Mapping[str, str], kind: FieldKind) -> str | None:
    return next((kept[f.name] for f in spec.fields if f.kind is kind and f.name in kept), None)


def _title(spec: FormSpec, masked: Mapping[str, str]) -> str:
    topic = next((masked[name] for name in TITLE_FIELDS if name in masked), None)
    if topic is None:
        topic = next((masked[f.name] for f in spec.fields if f.name in masked and f.kind in
                      (FieldKind.TEXTAREA, FieldKind.CHOICE)), None)
    title = f"{spec.name}: {' '.join(topic.split())}" if topic else spec.name
    return title if len(title) <= MAX_TITLE else title[:MAX_TITLE - 1] + "…"


def _note(spec: FormSpec, masked: Mapping[str, str]) -> str:
    lines = [f"Formularz „{spec.name}” ({spec.key}):"]
    for field in spec.fields:
        if field.name in masked:
            value = masked[field.name]
            if "\n" in value:
                lines.append(f"{field.label_pl}:\n{value}")
            else:
                lines.append(f"{field.label_pl}: {value}")
    return "\n".join(lines)
