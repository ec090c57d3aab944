"""Asterisk's side: queues.conf/queuerules.conf from graphs, dialplans/, prompts/."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccengine.ami.events import WATCHED_VARIABLES
from ccengine.config import Config, RoutesConfig, load_config
from ccengine.db import Database
from ccengine.routes import cli_asterisk
from ccengine.routes.asterisk_conf import (
    AsteriskConfigError,
    penalty_changes,
    render_queuerules_conf,
    render_queues_conf,
    write_asterisk_config,
)
from ccengine.routes.document import graph_from_data, parse_graph
from ccengine.routes.model import QueueNode, RouteGraph
from ccengine.routes.store import RouteStore
from ccengine.routes.validate import validate_graph

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ecommerce-routes.yaml"
PROMPTS = ROOT / "prompts"
DIALPLANS = ROOT / "dialplans"
TRACES = ROOT.parent / "shared" / "asterisk-traces"


# -- a tiny reader of Asterisk's config format ------------------------------------
# Sections in [brackets] (a template's (!) or (parents) after them), "key = value"
# and "key => value" lines, ';' comments; keys repeat (member =>), so each key
# holds a list of values. configparser allows none of the repeats.

Sections = dict[str, dict[str, list[str]]]
SECTION = re.compile(r"^\[(?P<name>[^\]]+)\](?:\((?P<parents>[^)]*)\))?$")


def read_asterisk_conf(text: str) -> Sections:
    sections: Sections = {}
    current: dict[str, list[str]] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        match = SECTION.match(line)
        if match:
            # A name may come back with another type (pjsip.conf): merge its keys.
            current = sections.setdefault(match["name"], {})
            continue
        key, sep, value = line.partition("=>") if "=>" in line else line.partition("=")
        assert sep and current is not None, f"line {number}: {raw!r} is not key = value"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def _strip_comment(line: str) -> str:
    # ';' starts a comment unless escaped as '\;'.
    return re.split(r"(?<!\\);", line, maxsplit=1)[0]


TIER = re.compile(r"^; tier \d+, penalty (?P<penalty>\d+), rings .*:$")
MAY_LOG_IN = re.compile(r"^;   (?P<interface>\S+) \((?P<name>.*)\)$")


def may_log_in(text: str, queue: str) -> list[tuple[str, int, str]]:
    """(interface, penalty, name) of the comments under [queue]: who may log in to it."""
    lines = text.split(f"\n[{queue}]\n", 1)[1].split("\n[", 1)[0].splitlines()
    found, penalty = [], -1
    for line in lines:
        if tier := TIER.match(line):
            penalty = int(tier["penalty"])
        elif member := MAY_LOG_IN.match(line):
            found.append((member["interface"], penalty, member["name"]))
    return found


# -- graphs -------------------------------------------------------------------------


def make_graph(name: str = "test", queues: dict[str, Any] | None = None,
               on_empty: bool = True) -> RouteGraph:
    queues = queues if queues is not None else {"support": two_tier_queue()}
    nodes: dict[str, Any] = {
        "start": {"kind": "entry", "dids": ["+48221110000"], "next": f"q-{next(iter(queues))}"},
        "end": {"kind": "hangup"},
    }
    for queue in queues:
        node: dict[str, Any] = {"kind": "queue", "queue": queue, "on_timeout": "end"}
        if on_empty:
            node["on_empty"] = "end"
        nodes[f"q-{queue}"] = node
    names = list(queues)
    for here, there in itertools.pairwise(names):
        nodes[f"q-{here}"]["on_timeout"] = f"q-{there}"  # every node reachable
    return graph_from_data({"name": name, "queues": queues, "nodes": nodes})


def two_tier_queue(**overrides: Any) -> dict[str, Any]:
    return {
        "strategy": "linear", "ring_seconds": 12, "retry_seconds": 2, "wrapup_seconds": 5,
        "max_callers": 10,
        "tiers": [
            {"members": [{"name": "Anna Nowak", "interface": "PJSIP/agent1"},
                         {"name": "Jan Kowalski", "interface": "PJSIP/agent2"}]},
            {"after_seconds": 30, "members": [{"name": "Ewa Lis", "interface": "PJSIP/agent3"}]},
            {"after_seconds": 75, "members": [{"name": "Olga Bąk", "interface": "PJSIP/agent4"}]},
        ],
        **overrides,
    }


def one_tier_queue(*interfaces: str) -> dict[str, Any]:
    return {"tiers": [{"members": [{"name": i.split("/")[1], "interface": i}
                                   for i in interfaces]}]}


def example_graph() -> RouteGraph:
    return parse_graph(EXAMPLE.read_text(encoding="utf-8"))


# -- queuerules.conf ------------------------------------------------------------------


def test_a_tiered_queue_gets_a_rule_opening_each_tier_at_its_time() -> None:
    rules = read_asterisk_conf(render_queuerules_conf([make_graph()]))

    assert list(rules) == ["support"]
    # <seconds>,<max>,<min>,<raise>: tier i may ring from its time, min stays 0.
    assert rules["support"]["penaltychange"] == ["30,1,,1", "75,2,,2"]
    assert penalty_changes(make_graph().queues["support"]) == [(30, 1), (75, 2)]


def test_single_tier_queues_get_no_rule() -> None:
    graph = make_graph(queues={"sales": one_tier_queue("PJSIP/agent1")})

    text = render_queuerules_conf([graph])

    assert read_asterisk_conf(text) == {}
    assert text.startswith("; generated by ccengine asterisk-config from graph(s) test\n")


# -- queues.conf ----------------------------------------------------------------------


def test_agents_are_no_static_members_but_listed_with_their_tier_as_penalty() -> None:
    text = render_queues_conf([make_graph()])
    queues = read_asterisk_conf(text)

    # A static member is rung while logged out and cannot log out: agents log in with
    # QueueAdd at the console, so queues.conf only documents who may, with which penalty.
    assert all("member" not in section for section in queues.values())
    assert not re.search(r"^\s*member\s*=", text, re.M)
    assert may_log_in(text, "support") == [
        ("PJSIP/agent1", 0, "Anna Nowak"), ("PJSIP/agent2", 0, "Jan Kowalski"),
        ("PJSIP/agent3", 1, "Ewa Lis"), ("PJSIP/agent4", 2, "Olga Bąk"),
    ]
    assert "; tier 2, penalty 1, rings after 30 s:" in text.splitlines()
    assert queues["support"]["defaultrule"] == ["support"]


def test_a_single_tier_queue_lists_who_may_log_in_at_penalty_0() -> None:
    graph = make_graph(queues={"sales": one_tier_queue("PJSIP/agent1", "PJSIP/agent2")})

    text = render_queues_conf([graph])

    assert may_log_in(text, "sales") == [("PJSIP/agent1", 0, "agent1"),
                                         ("PJSIP/agent2", 0, "agent2")]
    assert "member" not in read_asterisk_conf(text)["sales"]


def test_queue_settings_follow_the_graph() -> None:
    section = read_asterisk_conf(render_queues_conf([make_graph()]))["support"]

    settings = {key: values[0] for key, values in section.items()}
    assert settings == {
        "strategy": "linear", "timeout": "12", "retry": "2", "wrapuptime": "5",
        "maxlen": "10", "ringinuse": "no", "autofill": "yes", "announce-frequency": "0",
        "announce-position": "no", "joinempty": "paused,unavailable,invalid",
        "leavewhenempty": "unavailable,invalid", "defaultrule": "support",
    }


def test_empty_queues_are_refused_so_that_on_empty_runs() -> None:
    queues = read_asterisk_conf(render_queues_conf([make_graph()]))

    # 'penalty' would turn callers away while only a later tier is staffed.
    assert "penalty" not in queues["support"]["joinempty"][0].split(",")
    assert "unavailable" in queues["support"]["joinempty"][0].split(",")


def test_a_queue_node_without_on_empty_lets_callers_wait() -> None:
    queues = read_asterisk_conf(render_queues_conf([make_graph(on_empty=False)]))

    assert queues["support"]["joinempty"] == ["yes"]
    assert queues["support"]["leavewhenempty"] == ["no"]


def test_general_settings_come_first() -> None:
    queues = read_asterisk_conf(render_queues_conf([make_graph()]))

    assert next(iter(queues)) == "general"
    assert queues["general"] == {"persistentmembers": ["yes"], "shared_lastcall": ["yes"]}


def test_the_example_graph_renders_the_queues_its_nodes_use() -> None:
    graph = example_graph()
    used = {node.queue for node in graph.nodes.values() if isinstance(node, QueueNode)}

    text = render_queues_conf([graph])
    queues = read_asterisk_conf(text)
    rules = read_asterisk_conf(render_queuerules_conf([graph]))

    assert set(queues) - {"general"} == used == set(graph.queues)
    assert set(rules) == {name for name, q in graph.queues.items() if len(q.tiers) > 1}
    assert rules["wsparcie"]["penaltychange"] == ["30,1,,1"]
    assert may_log_in(text, "wsparcie")[-1] == ("PJSIP/agent9", 1, "Marek Jankowski")
    assert all("member" not in section for section in queues.values())
    for name in used:
        assert queues[name]["strategy"] == [graph.queues[name].strategy]
        assert queues[name]["timeout"] == [str(graph.queues[name].ring_seconds)]


def test_output_is_the_same_whatever_the_order_of_the_graphs() -> None:
    first = make_graph("alpha", {"support": two_tier_queue()})
    second = make_graph("beta", {"sales": one_tier_queue("PJSIP/agent5")})

    text = render_queues_conf([first, second])

    assert text == render_queues_conf([second, first])
    header = "; generated by ccengine asterisk-config from graph(s) alpha, beta"
    assert text.splitlines()[0] == header
    assert list(read_asterisk_conf(text)) == ["general", "sales", "support"]


def test_a_queue_shared_by_equal_definitions_is_written_once() -> None:
    first = make_graph("alpha")
    second = make_graph("beta")

    text = render_queues_conf([first, second])

    assert text.count("[support]") == 1
    assert "; from graph(s) alpha, beta" in text


def test_a_queue_defined_differently_in_two_graphs_is_an_error_naming_both() -> None:
    first = make_graph("alpha")
    second = make_graph("beta", {"support": two_tier_queue(ring_seconds=20)})

    with pytest.raises(AsteriskConfigError, match=r"'support'.*'alpha' and 'beta'"):
        render_queues_conf([first, second])
    with pytest.raises(AsteriskConfigError):
        render_queuerules_conf([first, second])


@pytest.mark.parametrize("queues, message", [
    ({"general": one_tier_queue("PJSIP/agent1")}, "cannot be called 'general'"),
    ({"q": {"tiers": [{"members": [{"name": "Nowak; Jan", "interface": "PJSIP/agent1"}]}]}},
     "may not contain"),
    # '|' splits the members Asterisk persists (persistentmembers) for logged-in agents.
    ({"q": {"tiers": [{"members": [{"name": "Nowak|Jan", "interface": "PJSIP/agent1"}]}]}},
     "may not contain"),
    ({"q": {"tiers": [{"members": [{"name": "A", "interface": "PJSIP/agent1"}]},
                      {"after_seconds": 9,
                       "members": [{"name": "A", "interface": "PJSIP/agent1"}]}]}},
     "listed twice"),
])
def test_queues_asterisk_could_not_read_are_refused(queues: dict[str, Any], message: str) -> None:
    with pytest.raises(AsteriskConfigError, match=message):
        render_queues_conf([make_graph(queues=queues)])


def test_write_puts_both_files_in_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "etc" / "asterisk"

    paths = write_asterisk_config([make_graph()], out)

    assert paths == [out / "queues.conf", out / "queuerules.conf"]
    assert paths[0].read_text(encoding="utf-8") == render_queues_conf([make_graph()])
    assert paths[1].read_text(encoding="utf-8") == render_queuerules_conf([make_graph()])


def test_write_leaves_the_folder_alone_on_a_conflict(tmp_path: Path) -> None:
    graphs = [make_graph("alpha"), make_graph("beta", {"support": two_tier_queue(retry_seconds=9)})]

    with pytest.raises(AsteriskConfigError):
        write_asterisk_config(graphs, tmp_path / "out")

    assert not (tmp_path / "out").exists()


# -- the command ----------------------------------------------------------------------


def run_cli(argv: list[str], config: Config | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ccengine")
    commands = parser.add_subparsers(dest="command", required=True)
    cli_asterisk.add_parser(commands)
    args = parser.parse_args(argv)
    result: int = args.run(args, config or load_config(environ={}))
    return result


def test_the_command_writes_both_files_from_yaml(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"

    code = run_cli(["asterisk-config", "--out", str(out), str(EXAMPLE)])

    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["queuerules.conf", "queues.conf"]
    assert (out / "queues.conf").read_text(encoding="utf-8") == render_queues_conf(
        [example_graph()])
    assert capsys.readouterr().out.split() == [str(out / "queues.conf"),
                                               str(out / "queuerules.conf")]


def test_the_command_refuses_an_invalid_graph(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\nnodes:\n  start: {kind: entry, dids: ['+48221110000'],"
                      " next: nowhere}\n", encoding="utf-8")

    code = run_cli(["asterisk-config", "--out", str(tmp_path / "out"), str(broken)])

    assert code == 2
    err = capsys.readouterr().err
    assert "invalid route graph" in err and "unknown node 'nowhere'" in err
    assert not (tmp_path / "out").exists()


def test_the_command_refuses_a_graph_that_does_not_parse(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\nqueues: {q: {tiers: []}}\nnodes: {}\n", encoding="utf-8")

    assert run_cli(["asterisk-config", "--out", str(tmp_path), str(broken)]) == 2
    assert "queues.q.tiers" in capsys.readouterr().err


def test_the_command_renders_the_published_graphs(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cc.db'}"
    config = load_config(environ={}, overrides={"database.url": url})
    asyncio.run(_publish(config, example_graph()))

    code = run_cli(["asterisk-config", "--out", str(tmp_path / "out")], config)

    assert code == 0
    assert (tmp_path / "out" / "queuerules.conf").read_text(encoding="utf-8") == (
        render_queuerules_conf([example_graph()]))


def test_the_command_without_graphs_anywhere_fails(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cc.db'}"
    config = load_config(environ={}, overrides={"database.url": url})

    assert run_cli(["asterisk-config", "--out", str(tmp_path / "out")], config) == 2
    assert "no published route graph" in capsys.readouterr().err


async def _publish(config: Config, graph: RouteGraph) -> None:
    database = Database.open(config.database)
    try:
        await database.migrate()
        store = RouteStore(database)
        await store.publish(graph.name, await store.save_draft(graph))
    finally:
        await database.close()


# -- prompts --------------------------------------------------------------------------


def prompts_of(graph: RouteGraph) -> set[str]:
    fields = ("prompt", "invalid_prompt", "timeout_prompt", "goodbye")
    return {value for node in graph.nodes.values() for field in fields
            if isinstance(value := getattr(node, field, None), str)}


def test_every_prompt_of_the_example_is_an_8khz_mono_wav() -> None:
    needed = prompts_of(example_graph())

    assert needed == {"welcome", "menu", "invalid", "no-input", "please-hold", "callback",
                      "closed", "holiday", "voicemail", "goodbye"}
    for name in sorted(needed):
        with wave.open(str(PROMPTS / f"{name}.wav"), "rb") as audio:
            assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (
                8000, 1, 2), name
            assert audio.getnframes() > 8000 // 2, f"{name}: under half a second"
    assert validate_graph(example_graph(), PROMPTS) == []


def test_every_prompt_has_its_text() -> None:
    lines = [line for line in (PROMPTS / "texts.tsv").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    texts = dict(line.split("\t", 1) for line in lines)

    assert set(texts) == {path.stem for path in PROMPTS.glob("*.wav")}
    assert all(text.strip() for text in texts.values())
    assert "dziewięć" in texts["menu"]  # 9: reporting an outage


# -- dialplans/ -----------------------------------------------------------------------


def dialplan(name: str) -> Sections:
    return read_asterisk_conf((DIALPLANS / name).read_text(encoding="utf-8"))


def test_the_inbound_context_hands_calls_to_async_agi() -> None:
    extensions = dialplan("extensions.conf")
    inbound = extensions[RoutesConfig().context]

    steps = " ".join(inbound["exten"] + inbound["same"])
    assert "AGI(agi:async)" in steps and "Hangup()" in steps
    assert {value.split(",")[0] for value in inbound["exten"]} == {"_X.", "_+X."}
    assert all("ccengine-inbound" in value for value in extensions["from-trunk"]["exten"])


def test_the_sample_endpoints_match_the_example_graph() -> None:
    pjsip = dialplan("pjsip.conf")
    graph = example_graph()
    interfaces = {member.interface for queue in graph.queues.values()
                  for tier in queue.tiers for member in tier.members}

    for interface in interfaces:
        assert interface.removeprefix("PJSIP/") in pjsip
    trunk = graph.trunks["operator"].dial.split("@")[1]
    assert pjsip[trunk]["context"] == ["from-trunk"]
    assert pjsip["trunk-operator-registration"]["type"] == ["registration"]
    assert pjsip["trunk-operator-identify"]["type"] == ["identify"]


def test_the_ami_user_has_only_the_classes_it_needs() -> None:
    user = dialplan("manager.conf")["ccengine"]

    assert set(user["read"][0].split(",")) == {"system", "call", "agent", "dialplan", "agi",
                                               "dtmf"}
    assert set(user["write"][0].split(",")) == {"agi", "agent", "reporting", "originate"}
    assert dialplan("manager.conf")["general"]["timestampevents"] == ["yes"]


def varset_filter() -> re.Pattern[str]:
    user = dialplan("manager.conf")["ccengine"]
    key = "eventfilter(action(exclude),name(VarSet),header(Variable),method(regex))"
    return re.compile(user[key][0])


def test_the_varset_filter_passes_the_variables_the_engine_reads() -> None:
    dropped = varset_filter()

    for name in WATCHED_VARIABLES:
        assert not dropped.search(name), f"{name} would never reach ccengine"


def noise_variables() -> Iterator[str]:
    yield from ("", "Q", "QUEUE", "QUEUES", "QUEUESTATUSX", "QUEUE_PRIOX", "DIALSTATU",
                "MIXMONITOR_FILENAMES", "QUEUE_MAX_PENALTY", "BRIDGEPEER", "queuestatus")
    for trace in sorted(TRACES.glob("*.jsonl")):
        for line in trace.read_text(encoding="utf-8").splitlines():
            raw = json.loads(line)["raw"]
            match = re.search(r"^Variable: (.*?)\r$", raw, re.M)
            if raw.startswith("Event: VarSet") and match:
                yield match[1]


def test_the_varset_filter_drops_every_other_variable() -> None:
    dropped = varset_filter()

    for name in set(noise_variables()) - WATCHED_VARIABLES:
        assert dropped.search(name), f"VarSet {name!r} is not filtered"


# -- what the docs tell an Asterisk admin (issue 12, item 20) ---------------------------


def test_the_readme_gives_the_ami_read_classes_of_manager_conf() -> None:
    """The README once said `read = call,agent,dialplan,system`: no call is routed
    without `agi`, and digits are lost without `dtmf`."""
    read = dialplan("manager.conf")["ccengine"]["read"][0]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    written = re.findall(r"`read = ([a-z,]+)`", readme)
    assert written and all(set(classes.split(",")) == set(read.split(","))
                           for classes in written)


def test_the_check_commands_are_the_ones_asterisk_knows() -> None:
    checks = (DIALPLANS / "README.md").read_text(encoding="utf-8")

    assert "queue rules show" not in checks  # Asterisk's command is `queue show rules`
    assert "asterisk -rx 'queue show rules'" in checks


def test_a_sample_music_class_is_shipped_for_queues_to_play() -> None:
    """Without musiconhold.conf queues wait in silence (seen on a real Asterisk)."""
    moh = dialplan("musiconhold.conf")

    assert moh["default"]["mode"] == ["files"]
    assert moh["default"]["directory"]
    assert "musiconhold.conf" in (DIALPLANS / "README.md").read_text(encoding="utf-8")
