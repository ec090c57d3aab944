"""Security review findings (issue 12, items 1, 2, 5 and 8), over real HTTP, on the
real application, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from ccengine.config import DatabaseConfig, TicketsConfig, WebConfig
from ccengine.db import Database
from ccengine.simulator.agi_calls import CallerScript, QueuePlan
from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.tickets.service import TicketService
from ccengine.transcribe.paths import OutsideRecordings, recording_path
from ccengine.transcribe.pipeline import CallTranscript, PipelineOptions, TranscriptionPipeline
from ccengine.transcribe.storage_models import TranscriptionJob
from ccengine.transcribe.worker import TranscriptionWorker, WorkerSettings
from ccengine.users import service
from ccengine.users.models import Role, UserSession
from ccengine.users.passwords import PasswordChecker
from ccengine.web.api import setup_api
from ccengine.web.auth import setup_auth
from ccengine.web.features import feature_endpoints
from ccengine.web.hardening import handler_args
from ccengine.web.login import PASSWORDS
from ccengine.web.malformed import HardenedAppRunner, serve_until_stopped
from tests.browser import Live
from tests.browser import live as live
from tests.conftest import build_call
from tests.engine_harness import eventually

PASSWORD = "Tajne-Haslo-42"
MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC).timestamp()  # open hours in Warsaw
Client = TestClient[Any, Any]


def _app(database: Database, checker: PasswordChecker | None = None) -> web.Application:
    app = web.Application(handler_args=handler_args())  # as create_app builds it
    setup_api(app, database, WebConfig())
    setup_auth(app, database, secure_cookie=False, checker=checker)
    return app


async def _client(app: web.Application, **runner: Any) -> Client:
    server = TestServer(app)
    await server.start_server(**runner)  # TestServer(app, **runner) would drop them
    client: Client = TestClient(server)
    await client.start_server()
    return client


async def _login(session: Any, url: str, login: str, password: str) -> tuple[int, Any]:
    async with session.post(url, json={"login": login, "password": password}) as response:
        return response.status, await response.json(content_type=None)


# -- 1: a flood of logins freezes nothing --------------------------------------


async def test_a_login_flood_starves_neither_health_nor_calls(live: Live) -> None:
    """Hashing is stalled on purpose (its threads held), so the flood is surely in
    flight while the health check and a whole call, screen-pop included, go through."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as agent, \
            aiohttp.ClientSession() as attacker:
        csrf = await _agent_in_queue(live, agent)
        socket = await agent.ws_connect(f"{live.url}/ws", origin=live.url)
        await socket.send_json({"type": "subscribe", "topics": ["agent"]})
        checker = live.app[PASSWORDS]
        release = threading.Event()
        holders = [checker.executor.submit(release.wait)
                   for _ in range(checker.threads)]
        try:
            flood = [asyncio.create_task(_login(attacker, f"{live.url}/api/v1/login",
                                                f"intruder{i}", "guess"))
                     for i in range(40)]
            # One address: it holds its share of places and no more (item 6).
            await eventually(lambda: checker.in_flight == checker.max_per_address)
            async with agent.get(f"{live.url}/api/v1/health") as health:
                assert health.status == 200
            pop = await _call_pops_with_a_ticket(live, socket)
            assert pop["ticket"]["number"].startswith("TK-")
            assert pop["caller_number"] == "+48601111222"
            assert not all(task.done() for task in flood), "the flood is still waiting"
            release.set()
            answers = await asyncio.gather(*flood)
        finally:
            release.set()
            for holder in holders:
                holder.result(timeout=10)
            await socket.close()
        assert csrf
    statuses = [status for status, _ in answers]
    assert all(status in (401, 429) for status in statuses), statuses
    assert statuses.count(401) <= checker.max_per_address
    assert {body["error"] for status, body in answers if status == 429} == {"login-busy"}


async def _agent_in_queue(live: Live, session: Any) -> str:
    """An agent logged in to her queue (posprzedaz in the example graph); her CSRF token."""
    password = await live.user("agnieszka", Role.AGENT, sip="PJSIP/agent3",
                               name="Agnieszka Wójcik")
    status, body = await _login(session, f"{live.url}/api/v1/login", "agnieszka", password)
    assert status == 200, body
    csrf = str(body["csrf_token"])
    async with session.post(f"{live.url}/api/v1/agent/login", json={},
                            headers={"X-CSRF-Token": csrf}) as response:
        assert response.status == 200, await response.text()
    return csrf


async def _call_pops_with_a_ticket(live: Live, socket: Any) -> dict[str, Any]:
    """A routed call to the agent's queue; the pop that shows its ticket."""
    pbx = AgiPbx(live.server, time_scale=0.2)
    plan = QueuePlan(interface=None, answered_by="whoever", ring_seconds=5.0,
                     talk_seconds=1.0)
    script = CallerScript("48601111222", "Jan Kowalski", "48221110000", digits=("2",),
                          queues=(plan,))
    await pbx.place_call(script, at=MONDAY_10)
    try:
        while True:
            message = await asyncio.wait_for(socket.receive_json(), timeout=30)
            pop = message.get("pop") if message.get("type") == "pop" else None
            if pop and pop.get("ticket"):
                return dict(pop)
    finally:
        await pbx.stop()


# -- 2: the login limit is counted before the check, in the database ----------


async def test_parallel_wrong_passwords_are_limited_before_checking(database: Database) -> None:
    await service.create_user(database, "anna", PASSWORD, Role.AGENT)
    checker = PasswordChecker(max_in_flight=100, max_per_address=100)  # all 40 are admitted
    client = await _client(_app(database, checker))
    try:
        answers = await asyncio.gather(*[
            client.post("/api/v1/login", json={"login": "anna", "password": "wrong"})
            for _ in range(40)])
        statuses = [answer.status for answer in answers]
        errors = {(await answer.json())["error"] for answer in answers if answer.status == 429}
    finally:
        await client.close()
    assert statuses.count(401) == 5  # the attempt is counted atomically, before the check
    assert statuses.count(429) == 35
    assert errors == {"too-many-logins"}


async def test_a_new_password_ends_the_old_sessions(database: Database) -> None:
    await service.create_user(database, "anna", PASSWORD, Role.AGENT)
    other = await service.create_user(database, "ola", PASSWORD, Role.AGENT)
    user = await service.authenticate(database, "anna", PASSWORD)
    assert user is not None
    stolen = await service.create_session(database, user)
    kept = await service.create_session(database, other)
    await service.set_password(database, "anna", "Nowe-Haslo-43")
    assert await service.lookup_session(database, stolen.token) is None
    assert await service.lookup_session(database, kept.token) is not None
    assert await service.authenticate(database, "anna", "Nowe-Haslo-43") is not None
    assert await service.authenticate(database, "anna", PASSWORD) is None


async def test_one_address_flooding_leaves_another_able_to_log_in(database: Database) -> None:
    await service.create_user(database, "anna", PASSWORD, Role.AGENT)
    checker = PasswordChecker(threads=1)
    client = await _client(_app(database, checker))
    release = threading.Event()
    holder = checker.executor.submit(release.wait)  # hashing stalls: the flood stays in flight
    url = str(client.make_url("/api/v1/login"))
    flooder = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=("127.0.0.1", 0)))
    other = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=("127.0.0.2", 0)))
    try:
        flood = [asyncio.create_task(_login(flooder, url, f"intruder{i}", "guess"))
                 for i in range(20)]
        await eventually(lambda: sum(task.done() for task in flood) == 20 - 2)
        assert checker.in_flight == 2
        mine = asyncio.create_task(_login(other, url, "anna", PASSWORD))
        await eventually(lambda: checker.in_flight == 3)
        release.set()
        answers = await asyncio.gather(*flood)
        status, body = await mine
    finally:
        release.set()
        holder.result(timeout=10)
        await flooder.close()
        await other.close()
        await client.close()
    assert status == 200, body
    busy = [body for status, body in answers if status == 429]
    assert len(busy) == 18 and {body["error"] for body in busy} == {"login-busy"}


async def test_two_app_instances_share_the_limit(database: Database) -> None:
    await service.create_user(database, "anna", PASSWORD, Role.AGENT)
    url = database.engine.url.render_as_string(hide_password=False)
    other = Database.open(DatabaseConfig(url=url))
    first, second = await _client(_app(database)), await _client(_app(other))
    try:
        for client in (first, second, first, second, first):
            response = await client.post("/api/v1/login",
                                         json={"login": "anna", "password": "wrong"})
            assert response.status == 401
        refused = await second.post("/api/v1/login", json={"login": "anna", "password": PASSWORD})
        assert refused.status == 429
        assert (await refused.json())["error"] == "too-many-logins"
    finally:
        await first.close()
        await second.close()
        await other.close()


# -- 5: hostile JSON, search words and request lines are 4xx JSON ----------------


def _concrete(path: str) -> str:
    values = {"{number}": "TK-2026-000001", "{name}": "main", "{version}": "1",
              "{call_id}": "1", "{customer}": "1", "{organisation}": "1",
              "{rule_id}": "1", "{category_id}": "1", "{key}": "some-field",
              "{view_id}": "1", "{code}": "resolved",
              "{mailbox_id}": "1", "{token}": "abcdefgh.1999999999.abcdefghijklmnopqrstuvwx",
              "{endpoint_id}": "1", "{delivery_id}": "1", "{attachment_id}": "1", "{id}": "1"}
    for placeholder, value in values.items():
        path = path.replace(placeholder, value)
    return path


def _unclosed_string(size: int) -> bytes:
    """A string that never closes, behind 65 brackets: a regex pre-scan backtracked on it."""
    return b"[" * 65 + b'"' + b'\\"' * ((size - 66) // 2)


JSON_ENDPOINTS = [("POST", "/api/v1/login", Role.ADMIN)] + [
    (e.method, _concrete(e.path),
     min(e.roles - {Role.INTEGRATION}, key=lambda r: r.value, default=Role.ADMIN))
    for e in feature_endpoints() if e.body is not None
    # A form's post finds its form before it reads a body (an unknown key is a 404):
    # tests/test_forms_api.py sends it hostile bodies for a real form.
    and e.path != "/api/v1/forms/{key}"]
HOSTILE = {
    "deep": b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "surrogate": b'{"login": "x\\ud800", "password": "p", "note": "\\ud800", '
                 b'"comment": "\\ud800", "caller": "\\ud800", "body": "\\ud800"}',
    "surrogate-key": b'{"\\udfff": 1}',
    "unclosed-string": _unclosed_string(80_000),
    "unclosed-string-1mib": _unclosed_string(1_000_000),
}


@pytest.fixture
async def sessions_by_role(live: Live) -> AsyncIterator[dict[Role, tuple[Any, str]]]:
    opened: dict[Role, tuple[Any, str]] = {}
    for role in (Role.ADMIN, Role.AGENT, Role.QA_LEAD, Role.PRIVILEGED_AGENT):
        password = await live.user(role.value, role, sip=f"PJSIP/{role.value}")
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        status, body = await _login(session, f"{live.url}/api/v1/login", role.value, password)
        assert status == 200, body
        opened[role] = (session, body["csrf_token"])
    yield opened
    for session, _ in opened.values():
        await session.close()


@pytest.mark.parametrize("kind", sorted(HOSTILE))
async def test_hostile_json_is_a_400_on_every_json_endpoint(
        live: Live, sessions_by_role: dict[Role, tuple[Any, str]], kind: str) -> None:
    assert len(JSON_ENDPOINTS) >= 13
    for method, path, role in JSON_ENDPOINTS:
        session, csrf = sessions_by_role[role]
        async with session.request(method, live.url + path, data=HOSTILE[kind], headers={
                "Content-Type": "application/json", "X-CSRF-Token": csrf}) as response:
            body = await response.json(content_type=None)
            assert response.status == 400, (path, body)
            assert body["error"] in ("invalid-body", "bad-request"), (path, body)


async def _seconds_to_answer(client: Client, body: bytes) -> float:
    """The fastest of three POST /login round trips with ``body``, each a 400."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        response = await client.post("/api/v1/login", data=body,
                                     headers={"Content-Type": "application/json"})
        assert response.status == 400, await response.text()
        times.append(time.perf_counter() - started)
    return min(times)


async def test_an_unclosed_string_costs_no_more_than_ordinary_json(database: Database) -> None:
    ordinary = json.dumps([{"login": f"user{i}", "note": "x" * 40} for i in range(13_000)])
    assert 900_000 < len(ordinary) < 1_048_576  # under aiohttp's body limit, like the hostile one
    client = await _client(_app(database))
    try:
        baseline = await _seconds_to_answer(client, ordinary.encode())
        for kind in ("unclosed-string", "unclosed-string-1mib"):
            assert await _seconds_to_answer(client, HOSTILE[kind]) < 10 * baseline, kind
    finally:
        await client.close()


async def test_a_search_of_many_words_is_a_400(
        live: Live, sessions_by_role: dict[Role, tuple[Any, str]]) -> None:
    session, _ = sessions_by_role[Role.ADMIN]
    words = " ".join(f"w{i}" for i in range(1001))
    async with session.get(f"{live.url}/api/v1/transcripts", params={"q": words}) as response:
        assert response.status == 400
        assert (await response.json())["error"] == "too-many-words"
    async with session.get(f"{live.url}/api/v1/transcripts", params={"q": "a b"}) as response:
        assert response.status == 200


async def test_a_long_request_line_is_a_json_414(database: Database) -> None:
    client = await _client(_app(database))
    try:
        response = await client.get("/api/v1/transcripts", params={"q": "4" * 9000})
        body = await response.json()
    finally:
        await client.close()
    assert response.status == 414
    assert body["error"] == "request-line-too-long" and "4444" not in body["message"]


async def test_a_huge_request_line_is_not_quoted_in_the_log(
        database: Database, caplog: pytest.LogCaptureFixture) -> None:
    client = await _client(_app(database))
    pesel = "44051401359"
    try:
        with caplog.at_level(logging.DEBUG):
            reader, writer = await asyncio.open_connection(client.host, client.port)
            writer.write(f"GET /api/v1/calls?q={pesel}{'x' * 70_000} HTTP/1.1\r\n"
                         "Host: a\r\n\r\n".encode())
            await writer.drain()
            answer = await reader.read(4096)
            writer.close()
    finally:
        await client.close()
    assert answer.startswith(b"HTTP/1.") and b" 400 " in answer.split(b"\r\n")[0]
    logged = [r for r in caplog.records if r.name.startswith(("aiohttp", "ccengine"))]
    assert any("LineTooLong" in r.getMessage() for r in logged)
    assert not any(pesel in r.getMessage() or (r.exc_text and pesel in r.exc_text)
                   or r.exc_info for r in logged if r.name == "ccengine.web.http")


# -- 8: hardening ---------------------------------------------------------------


async def test_access_log_masks_personal_numbers(database: Database,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    token = await service.create_api_token(database, "crm", Role.ADMIN)
    client = await _client(_app(database))
    pesel, card = "44051401359", "4111 1111 1111 1111"
    try:
        with caplog.at_level(logging.INFO, logger="aiohttp.access"):
            response = await client.get("/api/v1/transcripts",
                                        params={"q": f"PESEL {pesel} karta {card}"},
                                        headers={"Authorization": f"Bearer {token}"})
            assert response.status == 200
            for path in (f"/api/v1/customers/{pesel}", f"/api/v1/tickets/{card}",
                         f"/api/v1/transcripts?{pesel}=1&k{card}=2"):
                await client.get(path, headers={"Authorization": f"Bearer {token}"})
    finally:
        await client.close()
    logged = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert any("/api/v1/transcripts?q=" in line for line in logged), logged
    assert sum("/api/v1/customers/" in line or "/api/v1/tickets/" in line
               for line in logged) == 2, logged
    for line in logged:
        for secret in (pesel, card, card.replace(" ", "+"), card.replace(" ", "%20")):
            assert secret not in line


async def test_api_answers_are_not_cached_and_name_no_versions(database: Database) -> None:
    client = await _client(_app(database))
    try:
        for path in ("/api/v1/health", "/api/v1/calls", "/api/v1/no-such-thing"):
            response = await client.get(path)
            assert response.headers["Cache-Control"] == "no-store", path
            server = response.headers.get("Server", "")
            assert "aiohttp" not in server.lower() and "python" not in server.lower()
            assert not any(ch.isdigit() for ch in server), server
        health = await (await client.get("/api/v1/health")).text()
    finally:
        await client.close()
    assert "sqlite" not in health.lower() and "postgres" not in health.lower()


async def _add_expired_session(database: Database, user_id: int, token_hash: str) -> None:
    past = datetime.now(UTC) - timedelta(days=2)
    async with database.writer() as session:
        session.add(UserSession(token_hash=token_hash, user_id=user_id, csrf_token="c",
                                created_at=past, expires_at=past + timedelta(hours=12)))
        await session.commit()


async def _session_rows(database: Database) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(UserSession)) or 0)


async def _rows_become(database: Database, rows: int) -> bool:
    for _ in range(200):
        if await _session_rows(database) == rows:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_expired_sessions_are_swept_at_start_and_at_login(database: Database) -> None:
    user = await service.create_user(database, "olga", PASSWORD, Role.AGENT)
    await _add_expired_session(database, user.id, "0" * 64)
    client = await _client(_app(database))
    try:
        assert await _rows_become(database, 0), "the start-up sweep deletes it"
        await _add_expired_session(database, user.id, "1" * 64)
        response = await client.post("/api/v1/login", json={"login": "olga", "password": PASSWORD})
        assert response.status == 200
        assert await _session_rows(database) == 1  # only the new one
    finally:
        await client.close()


# -- 4: the transcription worker stays inside the recording folders ---------------


class _NoSpeech:
    def transcribe(self, samples: Any, *, vad: bool | None = None) -> list[Any]:
        return []


class _Seeing(TranscriptionPipeline):
    """Records which files it was given and touches none (the refusal comes first)."""

    def __init__(self) -> None:
        super().__init__(_NoSpeech(), PipelineOptions())
        self.paths: list[Path] = []

    def run(self, path: Path, *, redact: bool | None = None) -> CallTranscript:
        self.paths.append(path)
        return CallTranscript(layout="mono", duration=1.0, segments=(), flags=())


def _folders(tmp_path: Path) -> tuple[Path, Path]:
    monitor, voicemail = tmp_path / "monitor", tmp_path / "voicemail"
    monitor.mkdir()
    voicemail.mkdir()
    return monitor, voicemail


def test_recording_paths_resolve_inside_the_folders_only(tmp_path: Path) -> None:
    monitor, voicemail = _folders(tmp_path)
    (monitor / "link.wav").symlink_to(tmp_path / "outside.wav")
    assert recording_path("a.wav", (monitor, voicemail)) == (monitor / "a.wav").resolve()
    assert recording_path(str(voicemail / "v.wav"), (monitor, voicemail)) == (
        voicemail / "v.wav").resolve()
    for hostile in ("/etc/passwd", "../outside.wav", str(monitor / ".." / "outside.wav"),
                    "link.wav", "a.wav\x00", "", "x" * 300 + ".wav", "\ud800.wav",
                    str(monitor / ("x" * 300)) + "/a.wav"):
        with pytest.raises(OutsideRecordings) as refused:
            recording_path(hostile, (monitor, voicemail))
        assert refused.value.reason == "outside-recordings"
        assert len(str(refused.value)) < 300
        str(refused.value).encode()  # storable and loggable, even from a lone surrogate
    with pytest.raises(OutsideRecordings):
        recording_path("a.wav", ())


async def test_the_worker_refuses_files_outside_the_folders(database: Database,
                                                           tmp_path: Path) -> None:
    monitor, voicemail = _folders(tmp_path)
    outside = tmp_path / "outside.wav"
    outside.write_bytes(b"RIFF not to be touched")
    hostile = ["/etc/passwd", str(outside), "../outside.wav", "x" * 300 + ".wav"]
    calls = [build_call(f"c{i}", recording_file=f)
             for i, f in enumerate([*hostile, "inside.wav"])]
    await TicketService(database, TicketsConfig()).record_calls(calls)
    pipeline = _Seeing()
    worker = TranscriptionWorker(database, lambda: pipeline, WorkerSettings(
        model="base", language="pl", recording_dirs=(monitor, voicemail)))
    while await worker.run_once():
        pass
    async with database.sessions() as session:
        jobs = list(await session.scalars(select(TranscriptionJob)))
    reasons = {job.recording_file: (job.status, job.reason) for job in jobs}
    assert all(reasons[path] == ("failed", "outside-recordings") for path in hostile), reasons
    assert reasons["inside.wav"] == ("done", None)
    assert pipeline.paths == [(monitor / "inside.wav").resolve()]
    assert outside.read_bytes() == b"RIFF not to be touched"
    assert not any("passwd" in (job.detail or "") and "/etc" in (job.detail or "")
                   for job in jobs)


# -- 7: route graphs in YAML have the JSON graphs' limits --------------------------


def _many_nodes_yaml(count: int) -> str:
    lines = ["name: wielki", "entry: n0", "nodes:"]
    lines += [f"  n{i}: {{kind: hangup}}" for i in range(count)]
    return "\n".join(lines) + "\n"


async def test_hostile_route_yaml_is_a_clear_400(database: Database) -> None:
    token = await service.create_api_token(database, "admin-tool", Role.ADMIN)
    client = await _client(_app(database))
    headers = {"Authorization": f"Bearer {token}"}
    try:
        deep = "name: x\nnodes: " + "[" * 200_000 + "]" * 200_000 + "\n"
        response = await client.post("/api/v1/routes", json={"yaml": deep}, headers=headers)
        body = await response.json()
        assert response.status == 400, body
        assert body["error"] == "graph-malformed" and "nested deeper" in body["message"]

        laughs = ["name: x", "l0: [lol]"] + [
            f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, 7)]
        laughs[1] = "l0: &l0 [lol]"
        response = await client.post("/api/v1/routes", headers=headers,
                                     json={"yaml": "\n".join(laughs) + "\n"})
        body = await response.json()
        assert response.status == 400, body
        assert body["error"] == "graph-malformed" and "aliases are not allowed" in body["message"]

        for graph in ({"yaml": _many_nodes_yaml(15_000)},
                      {"graph": {"name": "x", "entry": "n0",
                                 "nodes": {f"n{i}": {"kind": "hangup"} for i in range(501)}}}):
            response = await client.post("/api/v1/routes", json=graph, headers=headers)
            body = await response.json()
            assert response.status == 400, body
            assert body["error"] == "invalid-body" and "at most 500 nodes" in body["message"]
        small = await client.post("/api/v1/routes/validate", headers=headers,
                                  json={"yaml": _many_nodes_yaml(3)})
        assert small.status == 200
    finally:
        await client.close()


# -- issue 12 item 5: what aiohttp's parser refuses is a JSON error, never echoed --

PESEL_IN_REQUEST = "44051401359"


async def _raw_exchange(port: int, request: bytes) -> tuple[int, dict[str, Any]]:
    """Sends ``request`` as it is (the server answers before it has read it all)
    and reads the answer up to the server's close."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    try:
        answer = await asyncio.wait_for(reader.read(), 30)
    finally:
        writer.close()
    assert PESEL_IN_REQUEST.encode() not in answer and b"xxxx" not in answer
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body)


MALFORMED = [
    pytest.param(f"GET /?q={PESEL_IN_REQUEST}{'x' * 100_000} HTTP/1.1\r\nHost: a\r\n\r\n",
                 414, "request-line-too-long", id="request-line-100KiB"),
    pytest.param(f"GET /?q={PESEL_IN_REQUEST}{'x' * 1_048_576} HTTP/1.1\r\nHost: a\r\n\r\n",
                 414, "request-line-too-long", id="request-line-1MiB"),
    pytest.param(f"GET / HTTP/1.1\r\nHost: a\r\nX-Note: {PESEL_IN_REQUEST}{'x' * 100_000}\r\n\r\n",
                 431, "header-too-large", id="header-100KiB"),
    pytest.param("GET / HTTP/1.1\r\nHost: a\r\n"
                 + "".join(f"X-N{i}: {PESEL_IN_REQUEST}\r\n" for i in range(1000)) + "\r\n",
                 431, "too-many-headers", id="1000-headers"),
    pytest.param(f"\x16\x03\x01\x02\x00{PESEL_IN_REQUEST}\x00\xff garbage\r\n\r\n",
                 400, "bad-request", id="garbage"),
]


@pytest.mark.parametrize(("request_text", "status", "error"), MALFORMED)
async def test_a_malformed_request_is_a_json_error_and_serving_goes_on(
        database: Database, caplog: pytest.LogCaptureFixture,
        request_text: str, status: int, error: str) -> None:
    runner = HardenedAppRunner(_app(database))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        with caplog.at_level(logging.DEBUG):
            answer = await _raw_exchange(port, request_text.encode("latin-1"))
        async with aiohttp.ClientSession() as session, \
                session.get(f"http://127.0.0.1:{port}/api/v1/health") as health:
            assert health.status == 200
    finally:
        await runner.cleanup()
    assert answer[0] == status, answer
    assert answer[1]["error"] == error and set(answer[1]) == {"error", "message"}
    logged = [r.getMessage() + (r.exc_text or "") for r in caplog.records]
    assert not any(PESEL_IN_REQUEST in text or "xxxx" in text for text in logged)


async def test_ccengine_serve_answers_malformed_requests_in_json(database: Database) -> None:
    """`ccengine serve` runs ``serve_until_stopped``, not aiohttp's ``run_app``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    serving = asyncio.create_task(serve_until_stopped(_app(database), "127.0.0.1", port))
    try:
        await eventually(lambda: _accepts(port))
        answer = await _raw_exchange(port, f"GET /{'x' * 70_000} HTTP/1.1\r\n\r\n".encode())
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
    assert (answer[0], answer[1]["error"]) == (414, "request-line-too-long")


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
