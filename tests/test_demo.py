"""`ccengine demo`, the README's main job: calls become tickets, on the console and the API."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
from sqlalchemy import select

from ccengine.config import Config, DatabaseConfig, RoutesConfig
from ccengine.db import Database
from ccengine.demo_qa import SAMPLE_LINKEDID, add_sample_qa_call
from ccengine.transcribe.storage_models import Transcript


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_demo_turns_simulated_calls_into_tickets(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "CCENGINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/demo.db",
           "CCENGINE_WEB_PORT": str(port), "CCENGINE_WEB_API_TOKEN": "demo-test-token"}
    # No --calls: with a call limit the demo ends as soon as the last call is stored,
    # which on a busy machine came before the API was read. It runs until we stop it
    # the way a user does (Ctrl-C), once the API shows what we look for.
    out, err = tmp_path / "demo.out", tmp_path / "demo.err"
    # Files, not pipes: nothing the demo writes can block it while the test polls the API.
    # PYTHONFAULTHANDLER: a demo that does not stop is made to show where it hangs.
    with out.open("wb") as stdout_file, err.open("wb") as stderr_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ccengine.cli", "--log-level", "warning", "demo",
            "--interval", "0.2", "0.4", "--seed", "11", "--duration", "600",
            "--speed", "20", "--at", "2026-11-23T10:00",
            env={**env, "PYTHONFAULTHANDLER": "1"}, stdout=stdout_file, stderr=stderr_file,
            cwd=tmp_path,
        )
    try:  # three routed calls, and the QA sample call made before them
        calls = await poll_tickets(f"http://127.0.0.1:{port}/api/v1/calls", want=4)
        tickets = await poll_tickets(f"http://127.0.0.1:{port}/api/v1/tickets", want=4)
        process.send_signal(signal.SIGINT)
        await stopped_or_dumped(process, seconds=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stdout, stderr = out.read_bytes(), err.read_bytes()
    assert process.returncode == 130, stderr.decode()  # stopped by Ctrl-C, as told
    printed = [line for line in stdout.decode().splitlines() if line.startswith("TK-")]
    for login in ("admin", "agnieszka", "tomasz", "qa"):  # the sample users are printed
        assert f"  {login} " in stderr.decode()
    assert len(printed) >= 3
    assert all(t["source_channel"] == "phone" and t["caller"].startswith("+48") for t in tickets)
    # Every routed call was routed by the example graph, which the demo published.
    calls = [call for call in calls if call["linkedid"] != SAMPLE_LINKEDID]
    assert len(calls) >= 3
    assert all(call["route"]["graph"] == "ecommerce" for call in calls)
    assert all(call["route"]["path"][1]["branch"] == "open" for call in calls)  # Monday 10:00


async def test_demo_qa_sample_is_transcribed_and_masked(tmp_path: Path) -> None:
    """The QA page's sample: the real worker heard the card number; only [CARD] is stored."""
    database = Database.open(DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path}/demo.db"))
    try:
        await database.migrate()
        config = Config(routes=RoutesConfig(recordings_dir=str(tmp_path / "recordings")))
        said = await add_sample_qa_call(database, config)
        again = await add_sample_qa_call(database, config)
        async with database.sessions() as session:
            [transcript] = (await session.scalars(select(Transcript))).all()
    finally:
        await database.close()
    assert (said, again) == ("QA sample call transcribed", "QA sample call present")
    assert "[CARD]" in transcript.text
    assert not any(group in transcript.text.replace(" ", "")
                   for group in ("4556", "7375", "8689", "9855"))
    assert transcript.audio_redacted and transcript.redacted_seconds > 0


async def stopped_or_dumped(process: asyncio.subprocess.Process, seconds: float) -> None:
    """Wait for the demo to exit; one that does not is made to show why in its stderr,
    which the test's failure then prints: its signal state, where every asyncio task
    waits (SIGUSR1) and every thread's stack (faulthandler, on SIGABRT)."""
    try:
        await asyncio.wait_for(process.wait(), seconds)
    except TimeoutError:
        print(signal_state(process.pid), file=sys.stderr)
        process.send_signal(signal.SIGUSR1)
        await asyncio.sleep(2)
        process.send_signal(signal.SIGABRT)
        await asyncio.wait_for(process.wait(), 30)


def signal_state(pid: int) -> str:
    """The kernel's view of the process's signals: blocked, ignored, caught (hex masks)."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        return "demo " + " ".join(line.strip() for line in status
                                  if line.startswith(("SigPnd", "ShdPnd", "SigBlk",
                                                      "SigIgn", "SigCgt")))
    return f"demo {pid}: no /proc status"


async def poll_tickets(url: str, want: int, timeout: float = 90) -> list[dict[str, object]]:
    deadline = asyncio.get_running_loop().time() + timeout
    headers = {"Authorization": "Bearer demo-test-token"}
    async with aiohttp.ClientSession(headers=headers) as session:
        while asyncio.get_running_loop().time() < deadline:
            try:
                async with session.get(url) as response:
                    body = json.loads(await response.text())
                    if response.status == 200 and body["total"] >= want:
                        return list(body["items"])
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.5)
    raise AssertionError(f"fewer than {want} tickets at {url} within {timeout}s")
