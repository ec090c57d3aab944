from __future__ import annotations

import argparse
import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from ccengine.config import Config, DatabaseConfig
from ccengine.db import Database
from ccengine.users import cli_users, service
from ccengine.users.models import ApiToken, Role, User, UserSession
from ccengine.users.ratelimit import LoginLimiter

PASSWORD = "Correct-Horse-7"


def test_hash_is_not_the_password_and_verifies() -> None:
    hashed = service.hash_password(PASSWORD)
    assert PASSWORD not in hashed
    assert hashed.startswith("$argon2id$")
    assert service.verify_password(hashed, PASSWORD)
    assert not service.verify_password(hashed, PASSWORD + "x")
    assert not service.verify_password("not a hash", PASSWORD)


def test_limiter_blocks_after_five_failures_then_forgets() -> None:
    now = [0.0]
    limiter = LoginLimiter(max_failures=5, window=300, clock=lambda: now[0])
    for _ in range(5):
        assert not limiter.blocked("Anna", "10.0.0.1")
        limiter.failed("anna", "10.0.0.1")
    assert limiter.blocked("ANNA", "10.0.0.1")
    assert not limiter.blocked("anna", "10.0.0.2")
    now[0] = 301.0
    assert not limiter.blocked("anna", "10.0.0.1")


def test_success_resets_the_limiter() -> None:
    limiter = LoginLimiter(max_failures=2)
    limiter.failed("anna", "ip")
    limiter.succeeded("anna", "ip")
    limiter.failed("anna", "ip")
    assert not limiter.blocked("anna", "ip")


async def test_create_and_authenticate(database: Database) -> None:
    user = await service.create_user(database, "anna", PASSWORD, Role.AGENT,
                                     display_name="Anna Nowak", sip_interface="PJSIP/101")
    assert (await service.authenticate(database, "anna", PASSWORD)) is not None
    assert await service.authenticate(database, "anna", "wrong") is None
    assert await service.authenticate(database, "nobody", PASSWORD) is None
    async with database.sessions() as session:
        stored = await session.scalar(select(User).where(User.id == user.id))
    assert stored is not None
    assert (stored.locale, stored.active, stored.role) == ("pl", True, "agent")
    assert PASSWORD not in stored.password_hash


async def test_duplicate_login_and_integration_role_are_refused(database: Database) -> None:
    await service.create_user(database, "anna", PASSWORD, Role.ADMIN)
    with pytest.raises(service.UserError):
        await service.create_user(database, "anna", PASSWORD, Role.AGENT)
    with pytest.raises(service.UserError):
        await service.create_user(database, "bot", PASSWORD, Role.INTEGRATION)


async def test_inactive_user_cannot_log_in(database: Database) -> None:
    user = await service.create_user(database, "anna", PASSWORD, Role.AGENT)
    async with database.writer() as session:
        stored = await session.get(User, user.id)
        assert stored is not None
        stored.active = False
        await session.commit()
    assert await service.authenticate(database, "anna", PASSWORD) is None


async def test_sessions_store_only_digests(database: Database) -> None:
    user = await service.create_user(database, "anna", PASSWORD, Role.QA_LEAD)
    new = await service.create_session(database, user)
    found = await service.lookup_session(database, new.token)
    assert found is not None
    assert (found.role, found.login, found.csrf_token) == (Role.QA_LEAD, "anna", new.csrf_token)
    async with database.sessions() as session:
        hashes = (await session.scalars(select(UserSession.token_hash))).all()
    assert hashes == [service.digest(new.token)]
    await service.delete_session(database, new.token)
    assert await service.lookup_session(database, new.token) is None


async def test_api_tokens_store_only_digests(database: Database) -> None:
    token = await service.create_api_token(database, "crm")
    found = await service.lookup_api_token(database, token)
    assert found is not None
    assert (found.role, found.via_session) == (Role.INTEGRATION, False)
    assert await service.lookup_api_token(database, token + "x") is None
    async with database.sessions() as session:
        stored = (await session.scalars(select(ApiToken))).one()
    assert stored.token_hash == service.digest(token)
    assert stored.last_used_at is not None


def _config(database: Database) -> Config:
    url = database.engine.url.render_as_string(hide_password=False)
    return Config(database=DatabaseConfig(url=url))


def _args(login: str) -> argparse.Namespace:
    return argparse.Namespace(login=login, role="admin", name="Admin", sip=None, locale="pl",
                              password_stdin=True)


async def _run_cli(database: Database, login: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    return await cli_users._add_user(_config(database), _args(login),
                                     cli_users.read_password(True))


async def test_cli_adds_the_first_admin_without_showing_the_password(
        database: Database, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    assert await _run_cli(database, "root", monkeypatch) == 0
    assert await _run_cli(database, "root", monkeypatch) == 1  # taken
    out = capsys.readouterr()
    assert "created user root (admin)" in out.out
    assert PASSWORD not in out.out + out.err + caplog.text
    user = await service.authenticate(database, "root", PASSWORD)
    assert user is not None and user.role == "admin"


async def test_cli_token_is_printed_once_and_works(
        database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert await cli_users._add_token(_config(database), "crm", Role.INTEGRATION) == 0
    token = capsys.readouterr().out.strip()
    found = await service.lookup_api_token(database, token)
    assert found is not None and found.display_name == "crm"


def test_cli_parser_knows_the_commands() -> None:
    parser = argparse.ArgumentParser()
    cli_users.add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["users", "add", "root", "--role", "admin", "--password-stdin"])
    assert (args.run, args.role, args.password_stdin) == (cli_users.run_add_user, "admin", True)
    args = parser.parse_args(["users", "tokens", "add", "crm", "--role", "integration"])
    assert args.run is cli_users.run_add_token
    with pytest.raises(SystemExit):
        parser.parse_args(["users", "add", "bot", "--role", "integration"])


def test_the_first_admin_is_created_on_a_fresh_database(tmp_path: Path) -> None:
    env = {**os.environ, "CCENGINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "ccengine.cli", "users", "add", "anna", "--role", "admin",
         "--password-stdin"], input="correct horse battery\n", capture_output=True, text=True,
        env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "created user anna (admin)" in done.stdout
    assert "correct horse" not in done.stdout + done.stderr
