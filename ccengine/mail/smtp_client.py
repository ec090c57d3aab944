"""The SMTP edge: the only module that imports aiosmtplib.

A mailbox's settings become one connection (implicit TLS, STARTTLS or plain, AUTH
when a user is set) that sends stored bytes with their envelope. TLS certificates
are verified; ``cafile`` adds a private CA. Every failure becomes ``SmtpFailure``:
permanent (a 5xx answer to the message: retrying cannot help) or not, with a message that never
holds the password or the message.
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

import aiosmtplib

__all__ = ["SmtpConnection", "SmtpFailure", "SmtpSettings", "connect"]

MAX_ERROR = 500


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int | None
    security: str  # "tls" | "starttls" | "none"
    user: str | None
    password: str | None
    timeout: float = 30.0
    cafile: str | None = None


class SmtpFailure(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmtpConnection:
    """An open, authenticated connection; ``send`` may be called for many messages."""

    def __init__(self, client: aiosmtplib.SMTP, settings: SmtpSettings) -> None:
        self._client, self._settings = client, settings

    async def send(self, sender: str, recipients: Sequence[str], raw: bytes) -> None:
        try:
            errors, _answer = await self._client.sendmail(sender, list(recipients), raw)
        except aiosmtplib.SMTPException as exc:
            raise _failure(exc, self._settings, message_level=True) from None
        if errors:  # some recipients refused, the rest accepted: the message is out
            return

    async def close(self) -> None:
        try:
            await self._client.quit()
        except (aiosmtplib.SMTPException, OSError):
            self._client.close()

    async def __aenter__(self) -> SmtpConnection:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self.close()


async def connect(settings: SmtpSettings) -> SmtpConnection:
    """Connect, secure and log in; ``SmtpFailure`` when any step fails."""
    client = aiosmtplib.SMTP(
        hostname=settings.host, port=settings.port, timeout=settings.timeout,
        use_tls=settings.security == "tls",
        start_tls=settings.security == "starttls",
        tls_context=_tls_context(settings.cafile) if settings.security != "none" else None)
    try:
        await client.connect()
        if settings.user:
            await client.login(settings.user, settings.password or "")
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as exc:
        client.close()
        raise _failure(exc, settings, message_level=False) from None
    return SmtpConnection(client, settings)


def _tls_context(cafile: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context()  # verifies the certificate and the host name
    if cafile:
        context.load_verify_locations(cafile=cafile)
    return context


def _failure(exc: BaseException, settings: SmtpSettings, *, message_level: bool) -> SmtpFailure:
    """Only the server's 5xx to this message is permanent: a refused login or
    greeting is the mailbox's settings, which an admin fixes while the mail waits."""
    code = getattr(exc, "code", None)
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):  # every recipient: the worst one
        code = max((refused.code for refused in exc.recipients), default=None)
    permanent = message_level and isinstance(code, int) and 500 <= code < 600
    text = f"{type(exc).__name__}: {exc}"
    return SmtpFailure(scrubbed(text, settings.password)[:MAX_ERROR], permanent=permanent)


def scrubbed(text: str, password: str | None) -> str:
    """``text`` without the password, plain or as AUTH sends it (base64)."""
    if not password:
        return text
    for secret in (password, base64.b64encode(password.encode()).decode()):
        text = text.replace(secret, "***")
    return text
