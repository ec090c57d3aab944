"""`ccengine replay`: recorded traffic through a real TCP AMI server into the engine,
on SQLite and PostgreSQL, giving what the traces' README states."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ccengine.config import Config, load_config
from ccengine.replay import replay
from tests.traces import EXPECTED, trace


def config_for(database_url: str) -> Config:
    return load_config(environ={"CCENGINE_DATABASE_URL": database_url})


async def test_every_trace_replays_to_the_readme_outcomes(database_url: str) -> None:
    names = sorted(EXPECTED)
    report = await replay([trace(name) for name in names], config_for(database_url))

    assert report.trace_errors == []
    expected = sorted((e.caller, e.outcome) for calls in EXPECTED.values() for e in calls)
    got = sorted((call["caller"], call["outcome"]) for call in report.calls)
    assert got == expected
    tickets = [call["ticket"] for call in report.calls]
    assert len(set(tickets)) == len(tickets), "one ticket per call"
    assert all(t.startswith("TK-") for t in tickets)


async def test_answered_call_fields(database_url: str) -> None:
    report = await replay([trace("queue-answered")], config_for(database_url))
    [call] = report.calls
    assert call["linkedid"] == "1795425074.21"
    assert call["caller"] == "+48601111222"
    assert call["caller_name"] == "Jan Kowalski"
    assert call["did"] == "+48221110000"
    assert (call["outcome"], call["queue"], call["agent"]) == ("answered", "support", "Agent One")
    assert (call["hold_seconds"], call["talk_seconds"]) == (2, 9)
    assert call["ticket_priority"] == "P3"
    assert call["recording_file"] == "/tmp/astlab/rec/1795425074.22.wav"


async def test_missed_calls_open_p2_callback_tickets(database_url: str) -> None:
    names = ["queue-abandoned", "queue-timeout", "agi-after-hours", "agi-caller-hangs-up-in-ivr"]
    report = await replay([trace(name) for name in names], config_for(database_url))
    assert sorted(c["outcome"] for c in report.calls) == [
        "abandoned", "ivr_abandoned", "timeout", "unanswered"]
    assert {c["ticket_priority"] for c in report.calls} == {"P2"}


async def test_replaying_again_opens_no_second_ticket(database_url: str) -> None:
    config = config_for(database_url)
    first = await replay([trace("concurrent-three")], config)
    again = await replay([trace("concurrent-three")], config)

    def tickets(report: object) -> dict[str, str]:
        return {c["linkedid"]: c["ticket"] for c in report.calls}  # type: ignore[attr-defined]

    assert tickets(again) == tickets(first)
    assert all(call["ticket_created"] for call in first.calls)
    assert not any(call["ticket_created"] for call in again.calls)


async def test_a_live_call_at_the_end_has_no_outcome_and_no_ticket(database_url: str) -> None:
    report = await replay([trace("resync-lists-during-call")], config_for(database_url))
    [call] = report.calls
    assert (call["linkedid"], call["outcome"], call["ticket"]) == ("1795425262.69", None, None)
    assert call["caller"] == "+48612000003"


async def test_bad_trace_lines_are_reported_and_the_rest_replayed(
    database_url: str, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.jsonl"
    lines = trace("queue-abandoned").read_text().splitlines()
    lines.insert(5, "{this is not json")
    lines.insert(9, '{"t": 1, "dir": "sideways", "raw": "x"}')
    damaged.write_text("\n".join(lines) + "\n")

    report = await replay([damaged], config_for(database_url))

    assert len(report.trace_errors) == 2
    assert f"{damaged}:6" in report.trace_errors[0]
    assert [c["outcome"] for c in report.calls] == ["abandoned"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_replay_command_prints_one_json_object_per_call(database_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ccengine.cli", "--log-level", "warning", "replay", "--json",
         str(trace("queue-answered")), str(trace("queue-timeout"))],
        capture_output=True, text=True, timeout=120, check=False,
        env={"CCENGINE_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    calls = [json.loads(line) for line in result.stdout.splitlines()]
    required = {"linkedid", "caller", "caller_name", "did", "outcome", "queue", "agent",
                "hold_seconds", "talk_seconds", "ticket", "ticket_priority"}
    assert all(required <= call.keys() for call in calls)
    assert sorted(c["outcome"] for c in calls) == ["answered", "timeout"]


def test_replay_command_refuses_a_missing_file(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ccengine.cli", "replay", str(tmp_path / "nope.jsonl")],
        capture_output=True, text=True, timeout=60, check=False,
        env={"CCENGINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db", "PATH": "/usr/bin"},
    )
    assert result.returncode == 2
    assert "no such trace file" in result.stderr
