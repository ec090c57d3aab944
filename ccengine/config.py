"""Typed configuration, loaded once: defaults → TOML file → environment.

Each component receives only its own section. Environment variables
``CCENGINE_<SECTION>_<KEY>`` override the file (``CCENGINE_DATABASE_URL``);
PBX connections are addressed by position: ``CCENGINE_AMI_0_SECRET``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ccengine.ami.frames import DEFAULT_MAX_FRAME_BYTES
from ccengine.ami.safe_action import is_control
from ccengine.tickets.enums import ResponseKind

ENV_PREFIX = "CCENGINE_"


class ConfigError(Exception):
    """A configuration problem, naming the key and what is wrong with it."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AmiConfig(_Section):
    """One Asterisk Manager Interface connection (one PBX)."""

    name: str = Field(min_length=1)
    host: str = "127.0.0.1"
    port: int = Field(default=5038, ge=1, le=65535)
    username: str = Field(min_length=1)
    secret: str = Field(min_length=1)
    action_timeout: float = Field(default=10.0, gt=0)
    ping_interval: float = Field(default=10.0, gt=0)
    ping_timeout: float = Field(default=5.0, gt=0)
    reconnect_min: float = Field(default=0.5, gt=0)
    reconnect_max: float = Field(default=30.0, gt=0)
    # A frame still open past this is dropped with the connection (it would grow for ever).
    max_frame_bytes: int = Field(default=DEFAULT_MAX_FRAME_BYTES, ge=4096)

    @field_validator("username", "secret")
    @classmethod
    def _one_line(cls, value: str) -> str:
        # panoramisk writes them into the Login action itself, past ami.safe_action.
        if any(is_control(char) for char in value):
            raise ValueError("must not contain control characters (CR, LF, NUL, ...)")
        return value


class DatabaseConfig(_Section):
    url: str = "sqlite+aiosqlite:///ccengine.db"
    echo: bool = False
    # Pooled connections kept open. The engine's background workers each hold at most
    # one at a time (the ticket opener and customer reader, the lost-calls sweep, the
    # route refresh, the wallboard, the SLA alerts, the notification follower, the
    # automation runner: 8) and the API shares the rest; a burst of requests borrows up
    # to 10 more (SQLAlchemy's overflow) before it waits.
    pool_size: int = Field(default=12, ge=2, le=200)

    @field_validator("url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must use an async driver: sqlite+aiosqlite:///FILE "
                "or postgresql+asyncpg://USER@HOST/DB"
            )
        return url


class WebConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    api_token: str | None = None  # an integration token from the config (role integration)
    # Session cookies only over HTTPS; turn off for plain HTTP on a trusted LAN or localhost.
    secure_cookie: bool = True


class TranscribeConfig(_Section):
    """The transcription worker: which model, how jobs are retried, how audio is read."""

    model: str = "small"  # a name (tiny.en, base, small) or a CTranslate2 model directory
    language: str = "pl"  # always passed: calls open with prompts and hold music
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    compute_type: str = "auto"  # auto: int8 on CPU, float16 on GPU
    models_dir: str = "~/.cache/ccengine/models"  # where split models are joined once
    beam_size: int = Field(default=5, ge=1)
    vad: bool = True  # skip silence and hold music
    batch_size: int = Field(default=0, ge=0)  # > 0: faster-whisper's batched pipeline
    workers: int = Field(default=1, ge=0)  # worker tasks in `ccengine serve`; 0: none here
    max_attempts: int = Field(default=3, ge=1)
    retry_seconds: float = Field(default=30.0, ge=0)
    lease_seconds: float = Field(default=900.0, gt=0)
    poll_seconds: float = Field(default=2.0, gt=0)
    layout: Literal["auto", "mono", "stereo", "interleaved"] = "auto"  # interleaved: MixMonitor D
    caller_channel: int = Field(default=1, ge=1, le=2)  # per dialplan
    redact_audio: bool = True
    redact_padding: float = Field(default=0.25, ge=0)  # seconds around each masked word
    # When ASR lost the number after a PII word, this much audio after it is silenced.
    trigger_window_seconds: float = Field(default=15.0, ge=0)


class TicketsConfig(_Section):
    number_format: str = "TK-{year}-{seq:06d}"
    default_region: str = "PL"
    join_open_within_hours: float = Field(default=0, ge=0)
    # A resolved ticket closes by itself this long after it was resolved (0: never).
    auto_close_resolved_after_days: float = Field(default=7, ge=0)
    # A customer's new contact reopens their finished ticket this long after it was
    # resolved; later it opens a follow-up linked to it (0: always a follow-up).
    reopen_within_days: float = Field(default=14, ge=0)
    timezone: str = "Europe/Warsaw"
    # What stops the first-response clock: the first moment of any of these kinds.
    # "agent_reply": an agent's e-mail reply from the ticket (replies.api).
    first_response: tuple[ResponseKind, ...] = (
        ResponseKind.ANSWERED_CALL, ResponseKind.REACHED_CALLBACK, ResponseKind.PUBLIC_NOTE,
        ResponseKind.AGENT_REPLY)

    @field_validator("number_format")
    @classmethod
    def _formats(cls, fmt: str) -> str:
        try:
            fmt.format(year=2026, seq=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"placeholders are {{year}} and {{seq}}: {exc}") from exc
        return fmt


class RoutesConfig(_Section):
    """Route graphs over AsyncAGI: where Asterisk keeps sounds and recordings."""

    context: str = "ccengine-inbound"  # the dialplan context that hands calls to us
    sound_prefix: str = "ccengine/"  # prompts installed in Asterisk's sounds/<lang>/ccengine/
    prompts_dir: str = "prompts"  # our copy of the prompts, checked by validation
    recordings_dir: str = "/var/spool/asterisk/monitor/ccengine"
    voicemail_dir: str = "/var/spool/asterisk/voicemail/ccengine"
    record_calls: bool = True
    reload_seconds: float = Field(default=2.0, gt=0)  # how soon a published graph applies


class AgentsConfig(_Section):
    """The agent console: pause reasons offered, wrap-up time, callbacks' dialplan."""

    pause_reasons: tuple[str, ...] = ("break", "lunch", "training", "back_office")
    wrapup_seconds: float = Field(default=60.0, ge=0)  # then the agent is available again
    callback_context: str = "ccengine-callback"  # where Originate dials the customer
    callback_timeout_seconds: float = Field(default=30.0, gt=0)  # the agent's phone rings


class QaCriterion(_Section):
    """One thing a QA lead scores a call on, from 0 to ``max_points``."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,49}$")  # stable: stored in reviews
    max_points: int = Field(ge=1, le=100)
    label: str | None = None  # shown where the page has no translation of the name


class QaConfig(_Section):
    """QA review: the criteria calls are scored on (``[[qa.criteria]]`` in TOML)."""

    criteria: tuple[QaCriterion, ...] = (
        QaCriterion(name="greeting", max_points=2),
        QaCriterion(name="identification", max_points=3),
        QaCriterion(name="resolution", max_points=5),
        QaCriterion(name="tone", max_points=3),
        QaCriterion(name="closing", max_points=2),
    )

    @field_validator("criteria")
    @classmethod
    def _unique(cls, criteria: tuple[QaCriterion, ...]) -> tuple[QaCriterion, ...]:
        names = [criterion.name for criterion in criteria]
        if not names:
            raise ValueError("at least one criterion is needed")
        if len(set(names)) != len(names):
            raise ValueError("criterion names must be unique")
        return criteria


class WallboardConfig(_Section):
    # Service level: answered within this many seconds of joining a queue (a common target
    # is 80 % within 20 s).
    service_level_seconds: int = Field(default=20, ge=1, le=3600)


class AlertsConfig(_Section):
    """The SLA alert scheduler (50/80/100 % of each clock): how often it looks, how much
    per transaction. Off: this process sends no alerts (another one does)."""

    enabled: bool = True
    every_seconds: float = Field(default=30.0, gt=0, le=3600)
    batch: int = Field(default=500, ge=1, le=10_000)


class CsatConfig(_Section):
    """Customer satisfaction surveys (``ccengine.csat``): the e-mail sent when a ticket is
    resolved, and its links. ``secret`` signs the links; none: one is generated and kept
    in the database the first time. A queue in ``email_off_queues`` sends no survey."""

    email: bool = True
    public_url: str = "http://127.0.0.1:8080"  # where customers open the survey links
    secret: str | None = None
    link_days: float = Field(default=14, gt=0, le=365)  # a link works this long
    # No second survey for the same ticket this long after one (a reopen, then resolved
    # again); 0: one every time it is resolved.
    resend_after_days: float = Field(default=30, ge=0)
    email_off_queues: tuple[str, ...] = ()


class WebhooksConfig(_Section):
    """The webhook delivery worker: how often it looks for due deliveries, how many it
    sends at once (per endpoint and in all), the retry schedule (seconds after the 1st,
    2nd... failed attempt; the last repeats) and when it gives up, how long the log
    is kept. Off: this process sends none (another one does)."""

    enabled: bool = True
    poll_seconds: float = Field(default=1.0, gt=0, le=3600)
    batch: int = Field(default=100, ge=1, le=10_000)
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    schedule_seconds: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
    jitter: float = Field(default=0.2, ge=0, le=1)
    max_attempts: int = Field(default=8, ge=1, le=100)
    per_endpoint: int = Field(default=2, ge=1, le=100)
    max_concurrency: int = Field(default=16, ge=1, le=1000)
    retention_days: float = Field(default=30, gt=0)
    rotation_grace_hours: float = Field(default=24, ge=0, le=24 * 30)


class MailConfig(_Section):
    """E-mail: how the receiver watches each active mailbox's IMAP, and how
    the outbox's sender (``mail.sender``) delivers: how often it looks, how much per
    claim, retries, TLS; and the bounds of a reply's files."""

    receive: bool = True  # false: this process leaves the mailboxes to another one
    idle: bool = True  # IMAP IDLE where the server offers it; else poll every poll_seconds
    idle_seconds: float = Field(default=1500.0, gt=0, le=1740)  # re-IDLE (RFC 2177: < 29 min)
    poll_seconds: float = Field(default=60.0, gt=0)
    batch: int = Field(default=50, ge=1, le=1000)  # messages fetched per round trip
    parallel: int = Field(default=4, ge=1, le=32)  # senders' messages ingested side by side
    timeout_seconds: float = Field(default=30.0, gt=0)  # one IMAP command
    retry_seconds: float = Field(default=5.0, gt=0)  # first back-off after a failure
    retry_max_seconds: float = Field(default=900.0, gt=0)  # the back-off's cap
    refresh_seconds: float = Field(default=30.0, gt=0)  # how soon mailbox edits apply
    imap_cafile: str | None = None  # CA file the servers' certificates are checked against
    send: bool = True  # false: this process leaves the outbox to another one
    send_every_seconds: float = Field(default=5.0, gt=0, le=3600)
    send_batch: int = Field(default=50, ge=1, le=1000)
    send_per_mailbox: int = Field(default=10, ge=1, le=1000)  # of a batch, per mailbox
    send_claim_seconds: float = Field(default=300.0, gt=0)  # then a dead claimer's rows go
    send_max_attempts: int = Field(default=8, ge=1, le=100)  # then the message is failed
    send_retry_base_seconds: float = Field(default=60.0, ge=0)  # doubled after each failure
    send_retry_max_seconds: float = Field(default=3600.0, ge=0)
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    smtp_cafile: str | None = None  # a private CA for the servers' certificates (PEM)
    # Replies from the ticket: each attachment and all of them together.
    reply_max_attachment_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    reply_max_attachments_bytes: int = Field(default=20 * 1024 * 1024, ge=1)


class CrmConfig(_Section):
    """The CRM or shop looked up when a call rings and a ticket opens (``ccengine.crm``):
    ``GET {url}?phone=+48…&email=…`` answering the contract in the README."""

    enabled: bool = False
    url: str | None = None  # http(s)://crm.example/lookup; the query is added to it
    auth_header: str = "Authorization"  # sent with ``token`` when a token is set
    token: str | None = None  # e.g. "Bearer abc…"; never logged
    timeout_seconds: float = Field(default=1.5, gt=0, le=30)  # the whole look-up
    cache_seconds: float = Field(default=300.0, ge=0)  # answers kept (found, not found)
    failure_cache_seconds: float = Field(default=5.0, ge=0)  # a failure kept this long
    cache_size: int = Field(default=10_000, ge=0, le=1_000_000)
    concurrency: int = Field(default=8, ge=1, le=256)  # requests in flight at once
    max_answer_bytes: int = Field(default=262_144, ge=1024, le=10_485_760)

    @field_validator("url")
    @classmethod
    def _http(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return url

    @field_validator("auth_header", "token")
    @classmethod
    def _header_safe(cls, value: str | None) -> str | None:
        if value is not None and any(is_control(char) for char in value):
            raise ValueError("must not contain control characters (CR, LF, NUL, ...)")
        return value

    @property
    def active(self) -> bool:
        return self.enabled and self.url is not None


class Config(_Section):
    ami: tuple[AmiConfig, ...] = ()
    database: DatabaseConfig = DatabaseConfig()
    web: WebConfig = WebConfig()
    transcribe: TranscribeConfig = TranscribeConfig()
    tickets: TicketsConfig = TicketsConfig()
    routes: RoutesConfig = RoutesConfig()
    agents: AgentsConfig = AgentsConfig()
    qa: QaConfig = QaConfig()
    wallboard: WallboardConfig = WallboardConfig()
    alerts: AlertsConfig = AlertsConfig()
    csat: CsatConfig = CsatConfig()
    webhooks: WebhooksConfig = WebhooksConfig()
    mail: MailConfig = MailConfig()
    crm: CrmConfig = CrmConfig()


def load_config(
    path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Build the one Config of a process; raise ConfigError naming the key."""
    environ = os.environ if environ is None else environ
    data = _read_toml(Path(path)) if path else {}
    _apply_environment(data, environ)
    for dotted, value in (overrides or {}).items():
        _set_dotted(data, dotted, value)
    return _validate(data)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path}: not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: not valid TOML ({exc})") from exc


def _apply_environment(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == f"{ENV_PREFIX}CONFIG":
            continue
        parts = name[len(ENV_PREFIX) :].lower().split("_", 1)
        if len(parts) != 2:
            continue
        section, key = parts
        if section == "ami":
            _apply_ami_variable(data, name, key, value)
        else:
            data.setdefault(section, {})[key] = value


def _apply_ami_variable(data: dict[str, Any], name: str, key: str, value: str) -> None:
    index, _, field = key.partition("_")
    if not index.isdigit() or not field:
        raise ConfigError(f"{name}: PBX variables are CCENGINE_AMI_<INDEX>_<KEY>")
    connections = data.setdefault("ami", [])
    while len(connections) <= int(index):
        connections.append({})
    connections[int(index)][field] = value


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    *sections, key = dotted.split(".")
    target = data
    for section in sections:
        target = target.setdefault(section, {})
    target[key] = value


def _validate(data: dict[str, Any]) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"{key}: {first['msg']}") from None
