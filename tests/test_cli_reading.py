"""`ccengine tickets list/show`, `calls list` and `customers add`, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.traces import trace


def ccengine(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CCENGINE_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    return subprocess.run([sys.executable, "-m", "ccengine.cli", "--log-level", "warning", *args],
                          capture_output=True, text=True, timeout=120, check=False, env=env)


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = tmp_path_factory.mktemp("cli") / "cli.db"
    vip = ccengine(database, "customers", "add", "+48 604 777 888", "--name", "Anna Nowak", "--vip")
    assert vip.returncode == 0, vip.stderr
    result = ccengine(database, "replay", str(trace("queue-answered")),
                      str(trace("queue-abandoned")), str(trace("agi-ivr-vip-queue")))
    assert result.returncode == 0, result.stderr
    return database


def test_tickets_list_json_and_filters(replayed: Path) -> None:
    everything = json.loads(ccengine(replayed, "tickets", "list", "--json").stdout)
    assert everything["total"] == 3
    assert {t["priority"] for t in everything["items"]} == {"P2", "P3"}
    new = json.loads(ccengine(replayed, "tickets", "list", "--json", "--status", "new").stdout)
    assert [t["caller"] for t in new["items"]] == ["+48602333444"]
    vip = ccengine(replayed, "tickets", "list", "--json", "--caller", "604777888")
    [ticket] = json.loads(vip.stdout)["items"]
    assert (ticket["priority"], ticket["assignee"]) == ("P2", "Agent One")  # VIP: raised


def test_tickets_show_prints_the_call_timeline(replayed: Path) -> None:
    listing = json.loads(ccengine(replayed, "tickets", "list", "--json").stdout)
    number = next(t["number"] for t in listing["items"] if t["caller"] == "+48601111222")
    shown = ccengine(replayed, "tickets", "show", number)
    assert shown.returncode == 0
    assert number in shown.stdout
    assert "Jan Kowalski" in shown.stdout
    assert "answer agent=Agent One hold=2" in shown.stdout


def test_tickets_show_unknown_number_fails_clearly(replayed: Path) -> None:
    shown = ccengine(replayed, "tickets", "show", "TK-1999-000001")
    assert shown.returncode == 1
    assert "TK-1999-000001" in shown.stderr


def test_calls_list(replayed: Path) -> None:
    calls = json.loads(ccengine(replayed, "calls", "list", "--json").stdout)
    assert sorted(c["outcome"] for c in calls["items"]) == ["abandoned", "answered", "answered"]
    vip_call = next(c for c in calls["items"] if c["caller_name"] == "Anna Nowak")
    assert (vip_call["ivr_digits"], vip_call["queue_priority"]) == ("2", 10)
    text = ccengine(replayed, "calls", "list", "--outcome", "abandoned").stdout
    assert "+48602333444" in text and "answered" not in text


def test_calls_list_prints_times_in_the_contact_centers_zone(replayed: Path) -> None:
    calls = json.loads(ccengine(replayed, "calls", "list", "--json").stdout)["items"]
    text = ccengine(replayed, "calls", "list").stdout
    for call in calls:
        started = datetime.fromisoformat(call["started_at"])
        assert f"{started.astimezone(ZoneInfo('Europe/Warsaw')):%Y-%m-%d %H:%M:%S}" in text


def test_an_unknown_outcome_is_refused(replayed: Path) -> None:
    result = ccengine(replayed, "calls", "list", "--outcome", "bogus")
    assert result.returncode == 2
    assert "bogus" in result.stderr and result.stdout == ""


def test_no_migration_chatter_at_the_default_log_level(replayed: Path) -> None:
    env = {**os.environ, "CCENGINE_DATABASE_URL": f"sqlite+aiosqlite:///{replayed}"}
    result = subprocess.run([sys.executable, "-m", "ccengine.cli", "tickets", "list"],
                            capture_output=True, text=True, timeout=120, check=False, env=env)
    assert result.returncode == 0
    assert "alembic" not in result.stderr and "INFO" not in result.stderr


def test_a_reader_that_stops_early_is_no_error(replayed: Path) -> None:
    env = {**os.environ, "CCENGINE_DATABASE_URL": f"sqlite+aiosqlite:///{replayed}"}
    process = subprocess.Popen([sys.executable, "-m", "ccengine.cli", "tickets", "list"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # as `| head` does once it has its lines: every write fails
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, errors
    assert "BrokenPipe" not in errors and "Traceback" not in errors


def test_customers_add_keeps_a_known_customers_vip_flag(tmp_path: Path) -> None:
    database = tmp_path / "customers.db"
    assert ccengine(database, "customers", "add", "604777888", "--vip").returncode == 0
    renamed = ccengine(database, "customers", "add", "604777888", "--name", "Anna Nowak")
    assert json.loads(renamed.stdout)["vip"] is True
    unflagged = ccengine(database, "customers", "add", "604777888", "--no-vip")
    assert json.loads(unflagged.stdout) | {"created_at": None} == {
        "id": 1, "phone": "+48604777888", "name": "Anna Nowak", "vip": False, "created_at": None}


def test_a_config_error_names_the_key(tmp_path: Path) -> None:
    result = ccengine(tmp_path / "x.db", "--config", str(tmp_path / "missing.toml"),
                      "tickets", "list")
    assert result.returncode == 2
    assert "missing.toml: not found" in result.stderr
