"""`ccengine routes`: validate, simulate, import, publish, list, versions and export graphs.

Exit codes: 0 done, 1 the graph or the request is wrong (issues are printed,
each naming the node and the field), 2 a file or an argument is unusable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from ccengine.config import Config, RoutesConfig
from ccengine.db import Database
from ccengine.routes.document import GraphInvalid, GraphIssue, dump_graph, parse_graph
from ccengine.routes.evaluate import Evaluation, Scenario
from ccengine.routes.model import RouteGraph
from ccengine.routes.simulation import (
    BadCallFact,
    SimulatedCall,
    default_prompts_dir,
    simulate,
)
from ccengine.routes.storage_models import RouteStatus
from ccengine.routes.store import RouteNotFound, RouteStore, StoredGraph, VersionInfo
from ccengine.routes.validate import validate_graph

Command = Callable[[argparse.Namespace, Config], int]
Subparsers = Any

class _Exit(Exception):
    """Stop a command: these lines to stderr, this exit code."""

    def __init__(self, code: int, *lines: str) -> None:
        super().__init__(*lines)
        self.code, self.lines = code, lines


# -- the parser --------------------------------------------------------------------


def add_parser(commands: Subparsers) -> None:
    """Add `routes` and its actions to the `ccengine` subcommands."""
    routes = commands.add_parser("routes", help="route graphs: check, simulate, store, publish")
    sub = routes.add_subparsers(dest="action", required=True)
    _add_validate(sub)
    _add_simulate(sub)
    _add_import(sub)
    _add_publish(sub)
    sub.add_parser("list", help="stored graphs with their published version and latest draft"
                   ).set_defaults(run=_guarded(_run_list))
    versions = sub.add_parser("versions", help="every version of a graph")
    versions.add_argument("name")
    versions.set_defaults(run=_guarded(_run_versions))
    export = sub.add_parser("export", help="a stored graph as YAML (default: the published one, "
                                           "else the latest)")
    export.add_argument("name")
    export.add_argument("--version", type=int, default=None)
    export.set_defaults(run=_guarded(_run_export))


def _add_validate(sub: Subparsers) -> None:
    validate = sub.add_parser("validate", help="check a graph file")
    validate.add_argument("file", type=Path)
    _add_prompts(validate)
    validate.set_defaults(run=_guarded(_run_validate))


def _add_simulate(sub: Subparsers) -> None:
    simulate = sub.add_parser("simulate", help="the route one call would take, without a PBX")
    simulate.add_argument("file", type=Path)
    simulate.add_argument("--did", required=True, help="the number dialled, in any usual form")
    simulate.add_argument("--caller", default=None,
                          help="the caller's number; omitted or 'anonymous': no number")
    simulate.add_argument("--at", required=True, type=_iso_time,
                          help="when the call comes in (ISO; no zone: the graph's)")
    simulate.add_argument("--digits", default="", type=_digits,
                          help="keys pressed in turn, each menu taking its max digits")
    simulate.add_argument("--vip", action="store_true", help="the caller is a VIP customer")
    simulate.add_argument("--queue", default="answered",
                          choices=["answered", "timeout", "full", "empty"],
                          help="how every queue ends")
    simulate.add_argument("--dial", default="ANSWER", choices=["ANSWER", "BUSY", "NOANSWER"],
                          help="how every transfer ends")
    simulate.add_argument("--json", action="store_true")
    simulate.set_defaults(run=_guarded(_run_simulate))


def _add_import(sub: Subparsers) -> None:
    imported = sub.add_parser("import", help="store a graph file as a new draft version")
    imported.add_argument("file", type=Path)
    imported.add_argument("--publish", action="store_true",
                          help="publish it too (refused, and nothing stored, if invalid)")
    imported.add_argument("--author")
    imported.add_argument("--comment")
    _add_prompts(imported)
    imported.set_defaults(run=_guarded(_run_import))


def _add_publish(sub: Subparsers) -> None:
    publish = sub.add_parser("publish", help="make a stored version the live one")
    publish.add_argument("name")
    publish.add_argument("version", type=int)
    _add_prompts(publish)
    publish.set_defaults(run=_guarded(_run_publish))


def _add_prompts(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prompts", type=Path, default=None, metavar="DIR",
                        help="prompt WAV files to check against (default: routes.prompts_dir "
                             "of the config, if it exists)")


def _iso_time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO time (2026-11-10T10:00, or with a zone: "
            "2026-11-10T10:00+01:00)") from None


def _digits(text: str) -> str:
    if not re.fullmatch(r"[0-9*#]*", text):
        raise argparse.ArgumentTypeError(f"{text!r}: keys are 0-9, * and #")
    return text


def _guarded(run: Command) -> Command:
    """The command, with its expected failures turned into messages and exit codes."""

    def guarded(args: argparse.Namespace, config: Config) -> int:
        try:
            return run(args, config)
        except _Exit as stop:
            _print_lines(stop.lines, sys.stderr)
            return stop.code
        except RouteNotFound as exc:
            print(f"ccengine routes: {exc}", file=sys.stderr)
            return 1

    return guarded


# -- files -------------------------------------------------------------------------


def _read_graph(path: Path) -> RouteGraph:
    """The graph in a file: _Exit 2 if unreadable, 1 (issues listed) if malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _Exit(2, f"{path}: cannot read: {reason}") from None
    try:
        return parse_graph(text)
    except GraphInvalid as exc:
        raise _Exit(1, *_issue_lines(str(path), exc.issues)) from None


def _prompts_dir(given: Path | None, config: RoutesConfig) -> Path | None:
    """The folder prompts are checked against; None: no prompt check."""
    if given is not None:
        if not given.is_dir():
            raise _Exit(2, f"{given}: no such prompts folder")
        return given
    return default_prompts_dir(config)


def _issue_lines(where: str, issues: Iterable[GraphIssue]) -> list[str]:
    return [f"{where}: {issue}" for issue in issues]


def _print_lines(lines: Iterable[str], stream: TextIO) -> None:
    for line in lines:
        print(line, file=stream)


# -- validate and simulate ---------------------------------------------------------


def _run_validate(args: argparse.Namespace, config: Config) -> int:
    prompts = _prompts_dir(args.prompts, config.routes)
    try:
        graph = _read_graph(args.file)
    except _Exit as stop:
        # Issues are what `validate` reports: stdout, like any checker's findings.
        _print_lines(stop.lines, sys.stdout if stop.code == 1 else sys.stderr)
        return stop.code
    issues = validate_graph(graph, prompts)
    if issues:
        _print_lines(_issue_lines(str(args.file), issues), sys.stdout)
        return 1
    print(f"{args.file}: ok ({len(graph.nodes)} nodes)")
    return 0


def _run_simulate(args: argparse.Namespace, config: Config) -> int:
    graph = _read_graph(args.file)
    call = SimulatedCall(did=args.did, caller=args.caller, at=args.at, vip=args.vip)
    scenario = Scenario(digits=args.digits, queue=args.queue, dial=args.dial)
    try:
        evaluation = simulate(graph, call, scenario, config.tickets.default_region,
                              config.routes)
    except GraphInvalid as exc:
        raise _Exit(1, *_issue_lines(str(args.file), exc.issues)) from None
    except BadCallFact as exc:
        raise _Exit(2, f"--{exc.field}: {exc}") from None
    if args.json:
        print(json.dumps(evaluation.as_json(), ensure_ascii=False))
    else:
        print(evaluation_text(evaluation))
    return 0


def evaluation_text(evaluation: Evaluation) -> str:
    """The path node by node, the AGI commands, and the outcome, for a person."""
    path = [(step.node, step.kind, step.branch, step.reason) for step in evaluation.path]
    steps = [f"  {line}" for line in _columns(path)] or ["  (no entry node takes this call)"]
    lines = ["path:", *steps, "actions:"]
    lines.extend(f"  {action}" for action in evaluation.actions)
    outcome = evaluation.result.as_json()
    lines.append(f"outcome: {outcome.pop('ended_by')}")
    lines.extend(f"  {key}: {value}" for key, value in outcome.items()
                 if value not in (None, ""))
    return "\n".join(lines)


def _columns(rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Rows as aligned text columns; the last column is left ragged."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)),
                       row[-1]]) for row in rows]


# -- the store -----------------------------------------------------------------------


@asynccontextmanager
async def _store(config: Config) -> AsyncIterator[RouteStore]:
    database = Database.open(config.database)
    try:
        await database.migrate()
        yield RouteStore(database)
    finally:
        await database.close()


def _run_import(args: argparse.Namespace, config: Config) -> int:
    graph = _read_graph(args.file)
    prompts = _prompts_dir(args.prompts, config.routes)
    issues = validate_graph(graph, prompts)
    if issues and args.publish:
        raise _Exit(1, *_issue_lines(str(args.file), issues),
                    f"{args.file}: not imported (fix the issues, or import without "
                    "--publish to keep it as a draft)")
    version = asyncio.run(_import(config, graph, args, prompts))
    if issues:
        _print_lines(_issue_lines(str(args.file), issues), sys.stderr)
        print(f"{args.file}: stored as a draft; it cannot be published until fixed",
              file=sys.stderr)
    state = "published" if args.publish else "draft"
    print(f"{graph.name}: version {version} ({state})")
    return 0


async def _import(config: Config, graph: RouteGraph, args: argparse.Namespace,
                  prompts: Path | None) -> int:
    async with _store(config) as store:
        version = await store.save_draft(graph, author=args.author, comment=args.comment)
        if args.publish:
            await _publish(store, graph.name, version, prompts)
    return version


def _run_publish(args: argparse.Namespace, config: Config) -> int:
    prompts = _prompts_dir(args.prompts, config.routes)

    async def publish() -> None:
        async with _store(config) as store:
            await _publish(store, args.name, args.version, prompts)

    asyncio.run(publish())
    print(f"{args.name}: version {args.version} published")
    return 0


async def _publish(store: RouteStore, name: str, version: int, prompts: Path | None) -> None:
    try:
        await store.publish(name, version, prompts)
    except GraphInvalid as exc:
        raise _Exit(1, *_issue_lines(f"{name} version {version}", exc.issues),
                    f"{name}: version {version} not published") from None


def _run_list(args: argparse.Namespace, config: Config) -> int:
    async def listing() -> list[tuple[str, list[VersionInfo]]]:
        async with _store(config) as store:
            return [(name, await store.versions(name)) for name in await store.names()]

    graphs = asyncio.run(listing())
    if not graphs:
        print("no route graphs stored (ccengine routes import FILE)", file=sys.stderr)
        return 0
    rows = [("NAME", "PUBLISHED", "LATEST DRAFT", "VERSIONS")]
    rows.extend((name, _latest(versions, RouteStatus.PUBLISHED),
                 _latest(versions, RouteStatus.DRAFT), str(len(versions)))
                for name, versions in graphs)
    _print_lines(_columns(rows), sys.stdout)
    return 0


def _latest(versions: list[VersionInfo], status: RouteStatus) -> str:
    numbers = [info.version for info in versions if info.status == status]
    return str(max(numbers)) if numbers else "-"


def _run_versions(args: argparse.Namespace, config: Config) -> int:
    async def versions() -> list[VersionInfo]:
        async with _store(config) as store:
            return await store.versions(args.name)

    zone = ZoneInfo(config.tickets.timezone)
    for info in asyncio.run(versions()):
        print(_version_line(info, zone))
    return 0


def _version_line(info: VersionInfo, zone: ZoneInfo) -> str:
    published = f"{info.published_at.astimezone(zone):%Y-%m-%d %H:%M}" if info.published_at \
        else "-"
    return (f"{info.version:>4}  {info.status.value:<9}  "
            f"created {info.created_at.astimezone(zone):%Y-%m-%d %H:%M}  "
            f"published {published:<16}  {info.author or '-'}  {info.comment or ''}").rstrip()


def _run_export(args: argparse.Namespace, config: Config) -> int:
    async def export() -> StoredGraph:
        async with _store(config) as store:
            return await store.get(args.name, args.version)

    sys.stdout.write(dump_graph(asyncio.run(export()).graph))
    return 0
