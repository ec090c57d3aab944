"""What a web form's definition may be; pure. Every refusal names its field
(``fields[1].kind``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ccengine.forms.model import FieldKind, FormField, FormSpec
from ccengine.routes.model import QUEUE_NAME

KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
HONEYPOT = "website"  # the hidden field only robots fill
MAX_FIELDS = 30
MAX_FIELD_LENGTH = 10_000
MAX_ORIGINS = 20
MAX_CHOICES = 50
MAX_URL = 2000
DEFINITION = {"key", "name", "queue", "fields", "allowed_origins", "thank_you_url", "active"}


class FormError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidForm(FormError):
    pass


class FormExists(FormError):
    pass


class FormNotFound(FormError):
    pass


def key_of(raw: Any, field: str = "key") -> str:
    if not isinstance(raw, str) or not KEY.match(raw):
        raise InvalidForm(field, "a key is 1-60 of a-z, 0-9 and '-' (it is in the URL)")
    return raw


def _text(field: str, raw: Any, limit: int) -> str:
    if not isinstance(raw, str) or "\x00" in raw or not raw.strip() or len(raw) > limit:
        raise InvalidForm(field, f"must be 1-{limit} characters")
    return raw.strip()


def _flag(field: str, raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise InvalidForm(field, "must be true or false")
    return raw


def parse_form(body: Mapping[str, Any], *, key: str | None = None) -> FormSpec:
    """A whole definition (POST, or PUT of form ``key``)."""
    unknown = sorted(set(body) - DEFINITION)
    if unknown:
        raise InvalidForm(unknown[0], "unknown field")
    queue = body.get("queue")
    if not isinstance(queue, str) or not QUEUE_NAME.match(queue):
        raise InvalidForm("queue", "a queue name: a-z, 0-9, '_' and '-'")
    return FormSpec(key=key or key_of(body.get("key")), name=_text("name", body.get("name"), 100),
                    queue=queue, fields=_fields(body.get("fields")),
                    allowed_origins=_origins(body.get("allowed_origins") or []),
                    thank_you_url=thank_you_url(body.get("thank_you_url")),
                    active=_flag("active", body.get("active", True)))


def _fields(raw: Any) -> tuple[FormField, ...]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_FIELDS:
        raise InvalidForm("fields", f"a form has 1-{MAX_FIELDS} fields")
    fields = tuple(_field(f"fields[{index}]", item) for index, item in enumerate(raw))
    seen: set[str] = set()
    for index, one in enumerate(fields):
        if one.name in seen:
            raise InvalidForm(f"fields[{index}].name", "names differ within a form")
        seen.add(one.name)
    return fields


_FIELD_KEYS = {"name", "label_pl", "label_en", "kind", "required", "max_length", "choices"}


def _field(at: str, raw: Any) -> FormField:
    if not isinstance(raw, dict) or not set(raw) <= _FIELD_KEYS:
        raise InvalidForm(at, f"a field is {{{', '.join(sorted(_FIELD_KEYS))}}}")
    name = raw.get("name")
    if not isinstance(name, str) or not FIELD_NAME.match(name) or name == HONEYPOT:
        raise InvalidForm(f"{at}.name", "1-40 of a-z, 0-9 and '_', starting with a letter "
                                        f"(not {HONEYPOT!r}: the honeypot's)")
    try:
        kind = FieldKind(raw.get("kind", "text"))
    except ValueError:
        raise InvalidForm(f"{at}.kind", "text, email, phone, textarea or choice") from None
    return FormField(name=name, label_pl=_text(f"{at}.label_pl", raw.get("label_pl"), 200),
                     label_en=_text(f"{at}.label_en", raw.get("label_en"), 200), kind=kind,
                     required=_flag(f"{at}.required", raw.get("required", False)),
                     max_length=_length(f"{at}.max_length", raw.get("max_length"), kind),
                     choices=_choices(f"{at}.choices", raw.get("choices"), kind))


def _length(at: str, raw: Any, kind: FieldKind) -> int:
    if raw is None:
        return 5000 if kind is FieldKind.TEXTAREA else 200
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_FIELD_LENGTH:
        raise InvalidForm(at, f"must be 1..{MAX_FIELD_LENGTH}")
    return raw


def _choices(at: str, raw: Any, kind: FieldKind) -> tuple[str, ...]:
    if kind is not FieldKind.CHOICE:
        if raw:
            raise InvalidForm(at, "only a choice field has choices")
        return ()
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_CHOICES:
        raise InvalidForm(at, f"a choice field has 1-{MAX_CHOICES} choices")
    return tuple(_text(f"{at}[{index}]", item, 200) for index, item in enumerate(raw))


def _origins(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_ORIGINS:
        raise InvalidForm("allowed_origins", f"a list of at most {MAX_ORIGINS} origins")
    return tuple(origin(f"allowed_origins[{index}]", item) for index, item in enumerate(raw))


def origin(at: str, raw: Any) -> str:
    """``https://shop.example`` (scheme, host and a port when not the default)."""
    if not isinstance(raw, str) or len(raw) > 300:
        raise InvalidForm(at, "an origin like https://shop.example")
    parts = urlsplit(raw.strip().lower())
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in
            ("", "/") or parts.query or parts.fragment or parts.username or parts.password):
        raise InvalidForm(at, "an origin like https://shop.example (no path)")
    try:
        port = parts.port
    except ValueError:
        raise InvalidForm(at, "a port is 1..65535") from None
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")


def thank_you_url(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) > MAX_URL or any(c in raw for c in "\r\n\x00 "):
        raise InvalidForm("thank_you_url", "an absolute http(s) URL")
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidForm("thank_you_url", "an absolute http(s) URL")
    return raw


def spec_of(row: Any) -> FormSpec:
    """The stored row (``WebForm``) as a definition."""
    return FormSpec(key=row.key, name=row.name, queue=row.queue,
                    fields=tuple(FormField(name=f["name"], label_pl=f["label_pl"],
                                           label_en=f["label_en"], kind=FieldKind(f["kind"]),
                                           required=f["required"], max_length=f["max_length"],
                                           choices=tuple(f.get("choices") or ()))
                                 for f in row.fields),
                    allowed_origins=tuple(row.allowed_origins),
                    thank_you_url=row.thank_you_url, active=row.active)
