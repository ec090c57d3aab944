"""The test IMAP server (scripts/ensure-mail.sh: Dovecot on localhost), one place for
its address, ports, password and CA file. Any user name logs in, each its own empty
Maildir: a test takes a fresh user and so a mailbox nobody else writes to."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aioimaplib
import pytest

__all__ = ["IMAP", "ImapServer", "append", "fresh_user", "imap_server", "mail", "server_uids"]


@dataclass(frozen=True, slots=True)
class ImapServer:
    host: str = "127.0.0.1"
    port: int = 10143  # plain, STARTTLS offered
    tls_port: int = 10993  # IMAPS
    password: str = os.environ.get("CCENGINE_MAIL_PASSWORD", "ccengine-mail")
    cafile: str = os.path.join(os.environ.get("CCENGINE_MAIL_DIR", "/var/tmp/ccengine-mail"),
                               "cert.pem")


IMAP = ImapServer()


def imap_server() -> ImapServer:
    """The server, or the test fails saying how to start it."""
    try:
        with socket.create_connection((IMAP.host, IMAP.port), timeout=2):
            pass
    except OSError as exc:
        pytest.fail(f"no IMAP server on {IMAP.host}:{IMAP.port} ({exc}): "
                    "run scripts/ensure-mail.sh (make test does)")
    return IMAP


def fresh_user() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


def mail(subject: str, sender: str = "Jan Kowalski <jan@example.com>", body: str = "Dzień dobry",
         message_id: str | None = None, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "pomoc@firma.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id or make_msgid(domain="example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return bytes(message)


async def _client(user: str) -> aioimaplib.IMAP4:
    server = imap_server()
    client = aioimaplib.IMAP4(host=server.host, port=server.port, timeout=10)
    await client.wait_hello_from_server()
    assert (await client.login(user, server.password)).result == "OK"
    return client


async def append(user: str, *messages: bytes, folder: str = "INBOX") -> None:
    client = await _client(user)
    try:
        for raw in messages:
            assert (await client.append(raw, mailbox=folder)).result == "OK"
    finally:
        await client.logout()


async def server_uids(user: str, criteria: str = "UNSEEN", folder: str = "INBOX") -> list[int]:
    """The UIDs in ``folder`` matching ``criteria`` (what the receiver has left)."""
    client = await _client(user)
    try:
        assert (await client.select(folder)).result == "OK"
        response = await client.uid_search(criteria, charset=None)
        return [int(word) for line in response.lines[:-1] for word in bytes(line).split()
                if word.isdigit()]
    finally:
        await client.logout()
