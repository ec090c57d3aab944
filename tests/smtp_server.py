"""A real SMTP server for the mail tests: aiosmtpd with STARTTLS (a self-signed
certificate made here with openssl) and AUTH checking a password, collecting what
it receives. It runs in its own thread, as a remote server would."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "helpdesk@example.com", "Sekretne-Haslo-7"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpServer:
    port: int
    cafile: str
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"{count} messages expected, got {len(self.received)}")


    async def arrived(self, count: int, timeout: float = 15.0) -> list[Received]:
        """``wait_for`` without blocking the event loop (a live app in this loop sends)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            await asyncio.sleep(0.05)
        raise AssertionError(f"{count} messages expected, got {len(self.received)}")


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                                 bytes(envelope.original_content)))
        return "250 OK"


def _authenticator(_server: Any, _session: Any, _envelope: Any, mechanism: str,
                   data: Any) -> AuthResult:
    good = (isinstance(data, LoginPassword) and data.login == USER.encode()
            and data.password == PASSWORD.encode())
    return AuthResult(success=good, handled=False)


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def smtp_server(smtp_certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    import ssl

    cert, key = smtp_certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    server = SmtpServer(port=free_port(), cafile=str(cert))
    controller = Controller(_Handler(server), hostname="127.0.0.1", port=server.port,
                            tls_context=context, require_starttls=True, auth_required=True,
                            authenticator=_authenticator, enable_SMTPUTF8=True)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
