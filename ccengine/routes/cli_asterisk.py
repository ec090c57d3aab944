"""`ccengine asterisk-config`: queues.conf and queuerules.conf from route graphs.

With YAML files it renders those graphs (checked as a publish would check
them); without, the graphs published in the configured database, which is
what the engine routes by.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from ccengine.config import Config
from ccengine.routes.asterisk_conf import AsteriskConfigError, write_asterisk_config
from ccengine.routes.document import GraphInvalid, parse_graph
from ccengine.routes.model import RouteGraph
from ccengine.routes.validate import validate_graph

PROG = "ccengine asterisk-config"


class _Unusable(Exception):
    """A graph that cannot be rendered; the message is ready for stderr."""


def add_parser(commands: Any) -> None:
    """Add ``asterisk-config`` to the CLI's subcommands (an argparse subparsers object)."""
    command = commands.add_parser(
        "asterisk-config", help="write queues.conf and queuerules.conf from route graphs")
    command.add_argument("--out", type=Path, required=True, metavar="DIR",
                         help="folder to write queues.conf and queuerules.conf into")
    command.add_argument("graphs", nargs="*", type=Path, metavar="GRAPH.yaml",
                         help="route graphs to render; none: the published ones")
    command.set_defaults(run=run_asterisk_config)


def run_asterisk_config(args: argparse.Namespace, config: Config) -> int:
    try:
        graphs = _from_files(args.graphs) if args.graphs else asyncio.run(_published(config))
    except _Unusable as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    if not graphs:
        print(f"{PROG}: no published route graph; give GRAPH.yaml files", file=sys.stderr)
        return 2
    try:
        paths = write_asterisk_config(graphs, args.out)
    except AsteriskConfigError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


def _from_files(paths: list[Path]) -> list[RouteGraph]:
    return [_read_graph(path) for path in paths]


def _read_graph(path: Path) -> RouteGraph:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _Unusable(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        graph = parse_graph(text)
    except GraphInvalid as exc:
        raise _Unusable(_issues(path, exc)) from None
    # A graph that could not be published must not reach Asterisk either.
    issues = validate_graph(graph)
    if issues:
        raise _Unusable(_issues(path, GraphInvalid(issues)))
    return graph


def _issues(path: Path, invalid: GraphInvalid) -> str:
    return "\n".join([f"{path}: invalid route graph", *(f"  {i}" for i in invalid.issues)])


async def _published(config: Config) -> list[RouteGraph]:
    from ccengine.db import Database
    from ccengine.routes.store import RouteStore

    database = Database.open(config.database)
    try:
        await database.migrate()
        stored = await RouteStore(database).published()
    finally:
        await database.close()
    return [item.graph for item in stored]
