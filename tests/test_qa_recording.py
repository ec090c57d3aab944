"""Streaming the redacted recording: content type, Range (206), 404s, path tricks, roles."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import update

from ccengine.db import Database
from ccengine.qa.recording import confined
from ccengine.tickets.models import Call
from ccengine.transcribe.storage_models import Transcript
from ccengine.users.models import Role
from tests.test_qa_api import (
    MakeCall,
    Setup,
    add_transcript,
    headers_for,
    qa_setup,
    segment,
    write_wav,
)


@pytest.fixture
async def qa(database: Database, make_call: MakeCall, tmp_path: Path) -> AsyncIterator[Setup]:
    async with qa_setup(database, make_call, tmp_path) as setup:
        await _redacted(database)  # as the worker stores them with [transcribe] redact_audio
        yield setup


async def _redacted(database: Database, redacted: bool = True) -> None:
    async with database.writer() as session:
        await session.execute(update(Transcript).values(audio_redacted=redacted))
        await session.commit()


async def _set_file(s: Setup, call: str, path: str | None) -> None:
    async with s.database.writer() as session:
        await session.execute(update(Call).where(Call.id == s.ids[call])
                              .values(recording_file=path))
        await session.commit()


async def _error(s: Setup, call: str, status: int, headers: dict[str, str] | None = None) -> str:
    response = await s.client.get(f"/api/v1/calls/{s.ids[call]}/recording",
                                  headers=headers or s.qa)
    assert response.status == status, await response.text()
    return str((await response.json())["error"])


async def test_the_whole_file_and_a_range(qa: Setup) -> None:
    on_disk = (qa.recordings / "a.wav").read_bytes()
    path = f"/api/v1/calls/{qa.ids['a']}/recording"
    whole = await qa.client.get(path, headers=qa.qa)
    assert whole.status == 200 and whole.content_type == "audio/wav"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert "no-store" in whole.headers["Cache-Control"]
    assert await whole.read() == on_disk
    part = await qa.client.get(path, headers={**qa.qa, "Range": "bytes=1000-1999"})
    assert part.status == 206
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(on_disk)}"
    assert await part.read() == on_disk[1000:2000]
    tail = await qa.client.get(path, headers={**qa.qa, "Range": "bytes=-100"})
    assert tail.status == 206 and await tail.read() == on_disk[-100:]
    beyond = await qa.client.get(path, headers={**qa.qa, "Range": f"bytes={len(on_disk)}-"})
    assert beyond.status == 416


async def test_no_recording_is_a_404(qa: Setup) -> None:
    assert await _error(qa, "c", 404) == "recording-not-found"  # none recorded
    await _set_file(qa, "b", str(qa.recordings / "gone.wav"))
    assert await _error(qa, "b", 404) == "recording-not-found"  # missing on disk
    await _set_file(qa, "b", str(qa.recordings))
    assert await _error(qa, "b", 404) == "recording-not-found"  # a folder, not a file
    response = await qa.client.get("/api/v1/calls/424242/recording", headers=qa.qa)
    assert (response.status, (await response.json())["error"]) == (404, "call-not-found")


async def test_a_path_outside_the_recordings_is_never_served(qa: Setup,
                                                            tmp_path: Path) -> None:
    secret = write_wav(tmp_path / "elsewhere" / "secret.wav")
    link = qa.recordings / "link.wav"
    os.symlink(secret, link)
    for trick in (str(secret), f"{qa.recordings}/../elsewhere/secret.wav", str(link),
                  "../elsewhere/secret.wav", "/etc/passwd", ""):
        await _set_file(qa, "b", trick)
        assert await _error(qa, "b", 404) == "recording-not-found", trick
    assert confined("a.wav", qa.recordings) == (qa.recordings / "a.wav").resolve()
    assert confined("a.wav\x00.txt", qa.recordings) is None  # SQLite could hold one


async def test_a_path_no_file_system_takes_is_a_404(qa: Setup) -> None:
    # A 300-char name (ENAMETOOLONG; the column holds 500) and a lone surrogate
    # (no file name encoding takes it).
    await _set_file(qa, "b", "x" * 300 + ".wav")
    assert await _error(qa, "b", 404) == "recording-not-found"
    await _set_file(qa, "b", str(qa.recordings / ("x" * 300)) + "/a.wav")
    assert await _error(qa, "b", 404) == "recording-not-found"
    assert confined("\ud800.wav", qa.recordings) is None  # the database cannot hold one


async def test_not_yet_redacted_is_not_played(qa: Setup) -> None:
    write_wav(qa.recordings / "c.wav")
    await _set_file(qa, "c", str(qa.recordings / "c.wav"))
    assert await _error(qa, "c", 409) == "recording-not-redacted"  # no transcript yet


async def test_a_transcript_without_redacted_audio_is_not_played(qa: Setup) -> None:
    """[transcribe] redact_audio = false: the words are masked, the audio is not."""
    await _redacted(qa.database, False)
    assert await _error(qa, "a", 409) == "recording-not-redacted"


async def test_a_redaction_that_could_not_be_proven_is_not_played(qa: Setup) -> None:
    """A number heard where ASR gave no word times: silenced by segment, never played."""
    async with qa.database.writer() as session:
        await session.execute(update(Transcript).where(Transcript.call_id == qa.ids["a"]).values(
            flags=[{"reason": "redaction_unproven", "kind": "CARD", "speaker": "klient",
                    "at": 2.0}], needs_qa=True))
        await session.commit()
    assert await _error(qa, "a", 409) == "recording-not-redacted"


async def test_agents_play_only_calls_of_tickets_they_see(qa: Setup) -> None:
    for call in ("b", "c"):
        write_wav(qa.recordings / f"{call}.wav")
        await _set_file(qa, call, str(qa.recordings / f"{call}.wav"))
    await add_transcript(qa.database, "c", [segment("klient", 0.1, 1.0, "halo")])
    await _redacted(qa.database)
    anna = await headers_for(qa.database, "anna", Role.AGENT, "Anna Nowak")
    piotr = await headers_for(qa.database, "piotr", Role.AGENT, "Piotr Zieliński")
    senior = await headers_for(qa.database, "sara", Role.PRIVILEGED_AGENT)
    admin = await headers_for(qa.database, "ewa", Role.ADMIN)
    path = f"/api/v1/calls/{qa.ids['a']}/recording"
    for allowed in (anna, senior, admin):
        assert (await qa.client.get(path, headers=allowed)).status == 200
    assert await _error(qa, "a", 403, piotr) == "forbidden"  # Anna's call, Anna's ticket
    assert (await qa.client.get(f"/api/v1/calls/{qa.ids['b']}/recording",
                                headers=piotr)).status == 200
    # A missed call's open ticket nobody took is everyone's work, as in the workspace.
    assert (await qa.client.get(f"/api/v1/calls/{qa.ids['c']}/recording",
                                headers=piotr)).status == 200
    assert (await qa.client.get(path)).status == 401
