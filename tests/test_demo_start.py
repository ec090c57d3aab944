"""`ccengine demo` started again and again, as a person does: a busy port is said
plainly, every start prints the sample users' passwords, no access log lines."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import select

from ccengine.config import DatabaseConfig
from ccengine.db import Database
from ccengine.tickets.models import Call
from ccengine.users.service import authenticate
from tests.test_demo import free_port

WARSAW = ZoneInfo("Europe/Warsaw")  # the demo's default [tickets] timezone
PASSWORD = re.compile(r"^  (\w+)\s+\w+\s+password (\S+)$", re.MULTILINE)


def demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CCENGINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/demo.db",
           "CCENGINE_WEB_API_TOKEN": "demo-test-token"}
    return subprocess.run([sys.executable, "-m", "ccengine.cli", "demo", *args],
                          capture_output=True, text=True, timeout=120, check=False, env=env,
                          cwd=tmp_path)


def test_a_busy_port_is_said_plainly_before_any_set_up(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = demo(tmp_path, "--port", str(port), "--calls", "0")
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr
    assert "--port" in result.stderr and "Traceback" not in result.stderr
    assert "sample users" not in result.stderr


async def test_every_start_prints_working_passwords_and_no_access_log(tmp_path: Path) -> None:
    first = demo(tmp_path, "--port", str(free_port()), "--calls", "0")
    assert first.returncode == 0, first.stderr
    port = free_port()
    env = {**os.environ, "CCENGINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/demo.db",
           "CCENGINE_WEB_API_TOKEN": "demo-test-token"}
    # One call, then a long pause before the demo would end by itself: it serves until
    # the test has looked (a demo that ends right after its call raced the polling on a
    # busy machine), and Ctrl-C ends it.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ccengine.cli", "demo", "--port", str(port), "--calls", "1",
        "--interval", "600", "600", "--speed", "20", "--at", "2026-11-23T10:00",
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        seen = await printed_passwords(process)
        # The routed call's ticket line (the database also holds the QA sample's ticket,
        # so the API's count says nothing about this call).
        assert process.stdout is not None
        first_line = await asyncio.wait_for(process.stdout.readline(), 120)
        board = await wallboard(port, seen["admin"])
        process.send_signal(signal.SIGINT)
        stdout, stderr_bytes = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 130, stderr_bytes.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    printed = [line for line in (first_line + stdout).decode().splitlines()
               if line.startswith("TK-")]
    assert len(printed) == 1
    stderr = "".join(seen.values()) + stderr_bytes.decode()
    assert "/api/v1/wallboard" not in stderr  # the access log stays off the terminal
    passwords = seen
    assert set(passwords) == {"admin", "agnieszka", "tomasz", "qa"}
    assert dict(PASSWORD.findall(first.stderr)).keys() == passwords.keys()
    database = Database.open(DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path}/demo.db"))
    try:
        assert board_total(board) == await queued_calls_of_the_boards_day(database, board)
        for login, password in passwords.items():  # the second start's passwords work
            assert await authenticate(database, login, password) is not None, login
    finally:
        await database.close()


async def test_users_passwd_sets_a_new_password(tmp_path: Path) -> None:
    env = {**os.environ, "CCENGINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/u.db"}

    def users(*args: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ccengine.cli", "users", *args,
                               "--password-stdin"], input=password + "\n", capture_output=True,
                              text=True, timeout=120, check=False, env=env)

    assert users("add", "ola", "--role", "agent", password="stare-haslo").returncode == 0
    changed = users("passwd", "ola", password="nowe-haslo-1")
    assert changed.returncode == 0 and "nowe-haslo-1" not in changed.stdout + changed.stderr
    unknown = users("passwd", "nikt", password="x")
    assert (unknown.returncode, "'nikt'" in unknown.stderr) == (1, True)
    database = Database.open(DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path}/u.db"))
    try:
        assert await authenticate(database, "ola", "nowe-haslo-1") is not None
        assert await authenticate(database, "ola", "stare-haslo") is None
    finally:
        await database.close()


async def printed_passwords(process: asyncio.subprocess.Process) -> dict[str, str]:
    """The sample users' passwords, read off the running demo's stderr."""
    assert process.stderr is not None
    found: dict[str, str] = {}
    while len(found) < 4:
        line = (await asyncio.wait_for(process.stderr.readline(), 60)).decode()
        assert line, "the demo ended before printing its users"
        found.update(PASSWORD.findall(line))
    return found


async def wallboard(port: int, password: str) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}/api/v1"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.post(f"{base}/login",
                                json={"login": "admin", "password": password}) as response:
            assert response.status == 200
        async with session.get(f"{base}/wallboard") as response:
            assert response.status == 200
            board: dict[str, Any] = await response.json()
    return board


def board_total(board: dict[str, Any]) -> int:
    totals = board["totals"]
    return int(totals["answered"] + totals["abandoned"] + totals["timed_out"])


async def queued_calls_of_the_boards_day(database: Database, board: dict[str, Any]) -> int:
    """What the board should count, from the stored calls: those that reached a queue
    since midnight (Warsaw) of the moment the board was built. Neither the --at call
    (it rang on 23 November) nor the QA sample (stamped half an hour before the start,
    so yesterday just after midnight) is always in that day: the test must not depend on
    the hour it runs at, as it once did."""
    generated = datetime.fromisoformat(board["generated_at"])
    since = generated.astimezone(WARSAW).replace(hour=0, minute=0, second=0, microsecond=0)
    async with database.sessions() as session:
        calls = (await session.execute(select(Call.started_at, Call.queue))).all()
    return sum(1 for started, queue in calls
               if queue and started.replace(tzinfo=started.tzinfo or UTC) >= since)
