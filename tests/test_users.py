from __future__ import annotations

import argparse
import io
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, select, text

from ccengine.config import Config, DatabaseConfig
from ccengine.db import Database, alembic_config
from ccengine.demo_users import SAMPLE_USERS
from ccengine.simulator.demo_calls import AGENTS
from ccengine.users import cli_users, service
from ccengine.users.models import ApiToken, LoginAttempt, Role, User, UserSession
from ccengine.users.ratelimit import LoginLimiter

PASSWORD = "Correct-Horse-7"


def test_hash_is_not_the_password_and_verifies() -> None:
    hashed = service.hash_password(PASSWORD)
    assert PASSWORD not in hashed
    assert hashed.startswith("$argon2id$")
    assert service.verify_password(hashed, PASSWORD)
    assert not service.verify_password(hashed, PASSWORD + "x")
    assert not service.verify_password("not a hash", PASSWORD)


async def test_limiter_blocks_after_five_attempts_then_forgets(database: Database) -> None:
    now = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    limiter = LoginLimiter(database, max_attempts=5, window=timedelta(seconds=300),
                           clock=lambda: now[0])
    assert [await limiter.attempt("Anna", "10.0.0.1") for _ in range(6)] == [True] * 5 + [False]
    assert not await limiter.attempt("ANNA ", "10.0.0.1")  # the same login, spelt otherwise
    assert await limiter.attempt("anna", "10.0.0.2")
    now[0] += timedelta(seconds=301)
    assert await limiter.attempt("anna", "10.0.0.1")  # a new window


async def test_success_resets_the_limiter(database: Database) -> None:
    limiter = LoginLimiter(database, max_attempts=2)
    assert await limiter.attempt("anna", "ip")
    await limiter.succeeded("anna", "ip")
    assert await limiter.attempt("anna", "ip")
    assert await limiter.attempt("anna", "ip")
    assert not await limiter.attempt("anna", "ip")


async def test_limiter_stores_no_login_or_address(database: Database) -> None:
    limiter = LoginLimiter(database)
    await limiter.attempt("anna.kowalska", "192.0.2.7")
    async with database.sessions() as session:
        keys = list(await session.scalars(select(LoginAttempt.key_hash)))
    assert len(keys) == 1 and "anna" not in keys[0] and "192.0.2.7" not in keys[0]


async def test_sweep_forgets_ended_windows(database: Database) -> None:
    now = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    limiter = LoginLimiter(database, clock=lambda: now[0])
    await limiter.attempt("anna", "ip")
    await limiter.forget_old()
    now[0] += timedelta(hours=1)
    await limiter.attempt("olga", "ip")
    await limiter.forget_old()
    async with database.sessions() as session:
        assert len(list(await session.scalars(select(LoginAttempt.key_hash)))) == 1


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


async def test_display_names_are_unique_because_tickets_go_by_them(database: Database) -> None:
    await service.create_user(database, "anna", PASSWORD, Role.AGENT, display_name="Anna Nowak")
    with pytest.raises(service.UserError, match="display name 'Anna Nowak' already used by anna"):
        await service.create_user(database, "anna2", PASSWORD, Role.AGENT,
                                  display_name="Anna Nowak")
    with pytest.raises(service.UserError, match="already used by anna"):
        # No --name: the login becomes the display name, and that one is taken too.
        await service.create_user(database, "Anna Nowak", PASSWORD, Role.AGENT)
    async with database.sessions() as session:
        assert (await session.scalars(select(User.login))).all() == ["anna"]


async def test_the_database_refuses_a_second_display_name_too(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The unique index holds when the check is raced (here: skipped)."""
    await service.create_user(database, "anna", PASSWORD, Role.AGENT, display_name="Anna")

    async def unchecked(*_: object) -> None:
        return None

    monkeypatch.setattr(service, "_refuse_taken", unchecked)
    with pytest.raises(service.UserError, match="display name 'Anna' is taken"):
        await service.create_user(database, "other", PASSWORD, Role.AGENT, display_name="Anna")


async def test_the_migration_renames_display_names_used_twice(database_url: str) -> None:
    database = Database.open(DatabaseConfig(url=database_url))
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_upgrade, "0005")
            for login in ("anna", "anka", "ola"):
                await connection.execute(text(
                    "INSERT INTO users (login, display_name, role, password_hash, locale, "
                    "active, created_at) VALUES (:login, :name, 'agent', 'x', 'pl', :yes, :at)"),
                    {"login": login, "name": "Ola" if login == "ola" else "Anna Nowak",
                     "yes": True, "at": datetime.now(UTC)})
        await database.migrate()
        async with database.sessions() as session:
            names = (await session.execute(
                select(User.login, User.display_name).order_by(User.id))).all()
    finally:
        await database.close()
    assert [tuple(row) for row in names] == [
        ("anna", "Anna Nowak"), ("anka", "Anna Nowak (anka)"), ("ola", "Ola")]


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


def test_the_demo_users_match_the_simulators_agents() -> None:
    """The console assigns a ticket to the user's name; the end of the call, to
    Asterisk's MemberName: a sample agent's name is the simulator's member name."""
    names = [name for _, name, _, _ in SAMPLE_USERS]
    assert len(set(names)) == len(names)
    for _, name, _, interface in SAMPLE_USERS:
        if interface is not None:
            assert AGENTS[int(interface.removeprefix("PJSIP/agent")) - 1] == name


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
    assert await _run_cli(database, "root2", monkeypatch) == 1  # "Admin" is root's name
    out = capsys.readouterr()
    assert "ccengine: display name 'Admin' already used by root" in out.err
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
