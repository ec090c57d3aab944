"""`ccengine routes ...` run in-process on the example graph and broken copies of it."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from ccengine.config import load_config
from ccengine.routes.cli_routes import add_parser
from ccengine.routes.document import parse_graph

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ecommerce-routes.yaml"
PROMPTS = ("welcome", "menu", "invalid", "no-input", "please-hold", "callback", "goodbye",
           "closed", "holiday", "voicemail")
WORKDAY = "2026-11-10T10:00"  # a Tuesday
DID = "+48221110000"
CALLER = "+48601111222"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Cli = Callable[..., Run]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    # No prompts folder by default: prompts are checked only by the tests about them.
    config = load_config(environ={}, overrides={
        "database.url": f"sqlite+aiosqlite:///{tmp_path / 'routes.db'}",
        "routes.prompts_dir": str(tmp_path / "no-prompts"),
    })

    def run(*argv: str, prompts_dir: Path | None = None) -> Run:
        parser = argparse.ArgumentParser(prog="ccengine")
        add_parser(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(["routes", *argv])
        used = config if prompts_dir is None else config.model_copy(
            update={"routes": config.routes.model_copy(update={"prompts_dir": str(prompts_dir)})})
        code = args.run(args, used)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def example_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def broken(tmp_path: Path) -> Callable[[Callable[[dict[str, Any]], None]], Path]:
    """A copy of the example graph, changed by the given function, as a file."""

    def write(change: Callable[[dict[str, Any]], None]) -> Path:
        data = example_data()
        change(data)
        path = tmp_path / "broken.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        return path

    return write


def prompts(folder: Path, missing: tuple[str, ...] = ()) -> Path:
    folder.mkdir()
    for name in PROMPTS:
        if name not in missing:
            (folder / f"{name}.wav").write_bytes(b"")
    return folder


# -- validate ------------------------------------------------------------------------


def test_the_example_is_valid(cli: Cli) -> None:
    result = cli("validate", str(EXAMPLE))
    assert (result.code, result.out) == (0, f"{EXAMPLE}: ok (18 nodes)\n")


def test_an_unreadable_file_exits_2(cli: Cli, tmp_path: Path) -> None:
    result = cli("validate", str(tmp_path / "brak.yaml"))
    assert result.code == 2
    assert f"{tmp_path / 'brak.yaml'}: cannot read" in result.err


def test_not_yaml_at_all(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "zle.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    result = cli("validate", str(path))
    assert result.code == 1
    assert result.out.startswith(f"{path}: 'line ")
    assert "not valid YAML" in result.out


def _unknown_target(data: dict[str, Any]) -> None:
    data["nodes"]["menu"]["options"]["1"] = "nie-ma"


def _unreachable(data: dict[str, Any]) -> None:
    data["nodes"]["osierocony"] = {"kind": "announcement", "prompt": "closed", "next": "poczta"}


def _announcement_loop(data: dict[str, Any]) -> None:
    data["nodes"]["zamkniete"]["next"] = "petla"
    data["nodes"]["petla"] = {"kind": "announcement", "prompt": "closed", "next": "zamkniete"}


def _bad_hours(data: dict[str, Any]) -> None:
    data["nodes"]["godziny"]["hours"]["mon"] = "18:00-08:00"


def _unknown_queue(data: dict[str, Any]) -> None:
    data["nodes"]["kolejka-sprzedaz"]["queue"] = "nieznana"


@pytest.mark.parametrize(("change", "line"), [
    (_unknown_target, "node 'menu', field 'options.1': unknown node 'nie-ma'"),
    (_unreachable, "node 'osierocony', field 'kind': unreachable: no path from an entry "
                   "leads to this announcement node"),
    (_announcement_loop, "node 'zamkniete', field 'next': loop no caller input can leave: "
                         "zamkniete → petla → zamkniete"),
    (_bad_hours, "node 'godziny', field 'hours': mon: '18:00-08:00' ends before it starts"),
    (_unknown_queue, "node 'kolejka-sprzedaz', field 'queue': queue 'nieznana' does not exist "
                     "(queues: awarie, ksiegowosc, posprzedaz, reklamacje, sprzedaz, vip, "
                     "wsparcie)"),
], ids=["unknown-target", "unreachable", "loop", "bad-hours", "unknown-queue"])
def test_a_broken_graph_names_node_and_field(
        cli: Cli, broken: Callable[[Callable[[dict[str, Any]], None]], Path],
        change: Callable[[dict[str, Any]], None], line: str) -> None:
    path = broken(change)
    result = cli("validate", str(path))
    assert result.code == 1
    assert f"{path}: {line}" in result.out.splitlines()
    assert ": ok (" not in result.out


def test_a_missing_prompt(cli: Cli, tmp_path: Path) -> None:
    folder = prompts(tmp_path / "prompts", missing=("callback",))
    result = cli("validate", str(EXAMPLE), "--prompts", str(folder))
    assert result.code == 1
    assert result.out.splitlines() == [
        f"{EXAMPLE}: node 'oddzwonienie', field 'prompt': prompt 'callback' is missing "
        f"from {folder}/ (no callback.wav)"]


def test_prompts_default_to_the_configured_folder(cli: Cli, tmp_path: Path) -> None:
    folder = prompts(tmp_path / "prompts", missing=("goodbye",))
    result = cli("validate", str(EXAMPLE), prompts_dir=folder)
    assert result.code == 1
    assert {line.split(",")[0] for line in result.out.splitlines()} == {
        f"{EXAMPLE}: node 'oddzwonienie'", f"{EXAMPLE}: node 'poczta'"}
    (folder / "goodbye.wav").write_bytes(b"")
    assert cli("validate", str(EXAMPLE), prompts_dir=folder).code == 0


def test_a_prompts_folder_that_is_not_there(cli: Cli, tmp_path: Path) -> None:
    result = cli("validate", str(EXAMPLE), "--prompts", str(tmp_path / "brak"))
    assert result.code == 2
    assert "no such prompts folder" in result.err


# -- simulate ------------------------------------------------------------------------


def simulate(cli: Cli, *args: str, did: str = DID, at: str = WORKDAY) -> Any:
    result = cli("simulate", str(EXAMPLE), "--did", did, "--at", at, "--json", *args)
    assert (result.code, result.err) == (0, "")
    return result.json()


def nodes(evaluation: Any) -> list[str]:
    return [step["node"] for step in evaluation["path"]]


def test_open_hours_menu_to_a_queue(cli: Cli) -> None:
    found = simulate(cli, "--caller", CALLER, "--digits", "1")
    assert set(found) == {"path", "actions", "outcome"}
    assert all(set(step) == {"node", "kind", "branch", "reason"} for step in found["path"])
    assert nodes(found) == ["infolinia", "godziny", "swieta", "vip", "powitanie", "menu",
                            "kolejka-sprzedaz"]
    assert found["path"][5] == {"node": "menu", "kind": "menu", "branch": "option 1",
                                "reason": "caller pressed 1"}
    assert found["actions"][2:] == ["EXEC Playback ccengine/welcome",
                                    "GET DATA ccengine/menu 5000 1",
                                    "EXEC Playback ccengine/please-hold",
                                    "EXEC Queue sprzedaz,t,,,180",
                                    "ASYNCAGI BREAK"]
    outcome = found["outcome"]
    assert (outcome["ended_by"], outcome["queue"], outcome["digits"]) == ("queue", "sprzedaz", "1")


def test_open_hours_as_text(cli: Cli) -> None:
    result = cli("simulate", str(EXAMPLE), "--did", DID, "--caller", CALLER, "--at", WORKDAY,
                 "--digits", "1")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "path:"
    assert lines[2].split() == ["godziny", "time_condition", "open", "tue", "10:00", "within",
                                "08:00-18:00", "(Europe/Warsaw)"]
    assert lines[lines.index("actions:") + 1] == "  ANSWER"
    assert "  EXEC Queue sprzedaz,t,,,180" in lines
    assert "outcome: queue" in lines
    assert "  queue: sprzedaz" in lines


@pytest.mark.parametrize(("day", "reason"), [
    ("2026-11-11", "holiday: 2026-11-11 Narodowe Święto Niepodległości"),
    ("2027-03-29", "holiday: 2027-03-29 Poniedziałek Wielkanocny"),
])
def test_public_holidays(cli: Cli, day: str, reason: str) -> None:
    found = simulate(cli, "--caller", CALLER, at=f"{day}T10:00")
    assert found["path"][2] == {"node": "swieta", "kind": "holiday", "branch": "holiday",
                                "reason": reason}
    assert nodes(found)[3:] == ["swieto", "poczta"]
    assert found["outcome"]["ended_by"] == "voicemail"


def test_public_holiday_as_text(cli: Cli) -> None:
    result = cli("simulate", str(EXAMPLE), "--did", DID, "--at", "2026-11-11T10:00")
    assert "holiday: 2026-11-11 Narodowe Święto Niepodległości" in result.out


def test_after_hours_goes_to_voicemail(cli: Cli) -> None:
    found = simulate(cli, "--caller", CALLER, at="2026-11-10T19:30")
    assert found["path"][1]["branch"] == "closed"
    assert found["path"][1]["reason"] == "tue 19:30 outside 08:00-18:00 (Europe/Warsaw)"
    assert nodes(found) == ["infolinia", "godziny", "zamkniete", "poczta"]
    assert "EXEC Playback ccengine/closed" in found["actions"]
    outcome = found["outcome"]
    assert outcome["ended_by"] == "voicemail"
    assert outcome["voicemail_file"] == "/var/spool/asterisk/voicemail/ccengine/call.wav"


def test_a_time_with_a_zone_is_taken_as_given(cli: Cli) -> None:
    found = simulate(cli, "--caller", CALLER, at="2026-11-10T17:30:00+00:00")  # 18:30 local
    assert found["path"][1]["branch"] == "closed"


def test_a_vip_caller_skips_the_menu(cli: Cli) -> None:
    found = simulate(cli, "--caller", "604 777 888")  # read as +48604777888
    assert nodes(found) == ["infolinia", "godziny", "swieta", "vip", "kolejka-vip"]
    assert found["path"][3]["reason"] == ("VIP: +48604777888 is on the VIP list; "
                                          "queue priority 10")
    assert "SET VARIABLE QUEUE_PRIO 10" in found["actions"]
    assert not any(action.startswith("GET DATA") for action in found["actions"])
    outcome = found["outcome"]
    assert (outcome["queue"], outcome["queue_priority"]) == ("vip", 10)


def test_a_customer_flagged_vip(cli: Cli) -> None:
    found = simulate(cli, "--caller", CALLER, "--vip")
    assert found["path"][3]["branch"] == "vip"


def test_two_invalid_digits_take_the_fallback(cli: Cli) -> None:
    found = simulate(cli, "--caller", CALLER, "--digits", "77")
    menu = found["path"][5]
    assert (menu["branch"], menu["reason"]) == ("fallback", "2 failed attempts "
                                                            "(invalid 7, invalid 7)")
    assert nodes(found)[-1] == "kolejka-posprzedaz"
    assert found["actions"].count("EXEC Playback ccengine/invalid") == 2
    assert found["outcome"]["queue"] == "posprzedaz"


def test_support_timeout_transfers_to_the_partner(cli: Cli) -> None:
    found = simulate(cli, "--caller", CALLER, "--digits", "5", "--queue", "timeout")
    assert nodes(found)[-2:] == ["kolejka-wsparcie", "partner"]
    assert found["path"][-2]["branch"] == "timeout"
    assert found["path"][-1] == {"node": "partner", "kind": "transfer", "branch": "ended",
                                 "reason": "dialled +48225550000: the call ended on the "
                                           "transfer"}
    assert "EXEC Dial PJSIP/48225550000@trunk-operator,30" in found["actions"]
    outcome = found["outcome"]
    assert (outcome["ended_by"], outcome["queue"], outcome["queue_status"]) == (
        "transfer", "wsparcie", "TIMEOUT")


def test_an_unanswered_transfer_ends_in_voicemail(cli: Cli) -> None:
    found = simulate(cli, "--digits", "5", "--queue", "timeout", "--dial", "NOANSWER")
    assert nodes(found)[-2:] == ["partner", "poczta"]


def test_anonymous_callers_and_national_numbers(cli: Cli) -> None:
    found = simulate(cli, "--caller", "anonymous", did="22 111 00 00")
    assert found["path"][0]["reason"] == ("DID +48221110000 matches +48221110000; "
                                          "caller has no number (no anonymous branch)")


def test_an_unknown_did_takes_no_route(cli: Cli) -> None:
    found = simulate(cli, did="+48221119999")
    assert (found["path"], found["outcome"]["ended_by"]) == ([], "no_route")


def test_a_did_that_is_no_number(cli: Cli) -> None:
    result = cli("simulate", str(EXAMPLE), "--did", "recepcja", "--at", WORKDAY)
    assert result.code == 2
    assert "--did: 'recepcja'" in result.err


def test_simulating_an_invalid_graph(
        cli: Cli, broken: Callable[[Callable[[dict[str, Any]], None]], Path]) -> None:
    path = broken(_unknown_target)
    result = cli("simulate", str(path), "--did", DID, "--at", WORKDAY)
    assert (result.code, result.out) == (1, "")
    assert f"{path}: node 'menu', field 'options.1': unknown node 'nie-ma'" in result.err


# -- the store -----------------------------------------------------------------------


def test_import_publish_list_versions(cli: Cli) -> None:
    first = cli("import", str(EXAMPLE), "--author", "jan", "--comment", "start")
    assert (first.code, first.out) == (0, "ecommerce: version 1 (draft)\n")
    second = cli("import", str(EXAMPLE), "--publish")
    assert (second.code, second.out) == (0, "ecommerce: version 2 (published)\n")
    cli("import", str(EXAMPLE))
    listing = cli("list").out.splitlines()
    assert [line.split() for line in listing] == [
        ["NAME", "PUBLISHED", "LATEST", "DRAFT", "VERSIONS"], ["ecommerce", "2", "3", "3"]]
    assert cli("publish", "ecommerce", "1").out == "ecommerce: version 1 published\n"
    versions = [line.split()[:2] for line in cli("versions", "ecommerce").out.splitlines()]
    assert versions == [["1", "published"], ["2", "retired"], ["3", "draft"]]
    assert "jan  start" in cli("versions", "ecommerce").out


def test_import_publish_of_an_invalid_graph_stores_nothing(
        cli: Cli, broken: Callable[[Callable[[dict[str, Any]], None]], Path]) -> None:
    cli("import", str(EXAMPLE), "--publish")
    path = broken(_unreachable)
    result = cli("import", str(path), "--publish")
    assert result.code == 1
    assert f"{path}: node 'osierocony', field 'kind'" in result.err
    assert "not imported" in result.err
    assert [line.split()[:2] for line in cli("versions", "ecommerce").out.splitlines()] == [
        ["1", "published"]]


def test_an_invalid_draft_is_kept_but_cannot_be_published(
        cli: Cli, broken: Callable[[Callable[[dict[str, Any]], None]], Path]) -> None:
    cli("import", str(EXAMPLE), "--publish")
    stored = cli("import", str(broken(_unknown_queue)))
    assert (stored.code, stored.out) == (0, "ecommerce: version 2 (draft)\n")
    assert "cannot be published until fixed" in stored.err
    refused = cli("publish", "ecommerce", "2")
    assert refused.code == 1
    assert ("ecommerce version 2: node 'kolejka-sprzedaz', field 'queue': queue 'nieznana' "
            "does not exist") in refused.err
    assert cli("list").out.splitlines()[1].split() == ["ecommerce", "1", "2", "2"]


def test_unknown_names_and_versions(cli: Cli) -> None:
    for argv in (("versions", "brak"), ("export", "brak")):
        result = cli(*argv)
        assert (result.code, result.err) == (1, "ccengine routes: no route graph named 'brak'\n")
    result = cli("publish", "brak", "1")
    assert (result.code, result.err) == (1, "ccengine routes: route graph 'brak' has no "
                                            "version 1\n")
    cli("import", str(EXAMPLE))
    result = cli("export", "ecommerce", "--version", "4")
    assert (result.code, result.err) == (
        1, "ccengine routes: route graph 'ecommerce' has no version 4\n")
    empty = cli("list")
    assert empty.code == 0


def test_export_round_trip(cli: Cli, tmp_path: Path) -> None:
    cli("import", str(EXAMPLE))
    exported = cli("export", "ecommerce")
    assert exported.code == 0
    original = parse_graph(EXAMPLE.read_text(encoding="utf-8"))
    assert parse_graph(exported.out) == original
    copy = tmp_path / "copy.yaml"
    copy.write_text(exported.out, encoding="utf-8")
    assert cli("import", str(copy)).out == "ecommerce: version 2 (draft)\n"
    assert cli("export", "ecommerce", "--version", "2").out == exported.out
    assert cli("validate", str(copy)).code == 0
