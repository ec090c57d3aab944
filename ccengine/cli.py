"""The `ccengine` command: demo, serve, replay, routes, transcription, tickets and calls."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ccengine.calls.model import Outcome
from ccengine.config import Config, ConfigError, load_config
from ccengine.routes import cli_asterisk
from ccengine.routes import cli_routes as routes_cli
from ccengine.transcribe import cli_transcribe
from ccengine.users import cli_users

Command = Callable[[argparse.Namespace, Config], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _quiet_migrations(args)
    try:
        config = load_config(args.config or os.environ.get("CCENGINE_CONFIG"))
    except ConfigError as exc:
        print(f"ccengine: configuration error: {exc}", file=sys.stderr)
        return 2
    command: Command = args.run
    try:
        return command(args, config)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def _quiet_migrations(args: argparse.Namespace) -> None:
    """Every command brings the database up to date first; Alembic's INFO lines about
    it would precede every listing. `db upgrade` (and --log-level debug) still say."""
    if args.command != "db" and args.log_level != "debug":
        logging.getLogger("alembic").setLevel(logging.WARNING)


def _reader_went_away() -> int:
    """`ccengine tickets list | head`: the reader stopped reading, which is no error.
    Python would still flush stdout on exit and complain; point it at nothing."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ccengine", description=__doc__)
    parser.add_argument("--config", help="TOML config file (or CCENGINE_CONFIG)")
    parser.add_argument("--log-level", default="info",
                        choices=["debug", "info", "warning", "error"])
    commands = parser.add_subparsers(dest="command", required=True)
    _add_demo(commands)
    _add_serve(commands)
    _add_replay(commands)
    _add_tickets(commands)
    _add_calls(commands)
    _add_customers(commands)
    _add_db(commands)
    routes_cli.add_parser(commands)
    cli_asterisk.add_parser(commands)
    cli_transcribe.add_parsers(commands)
    cli_users.add_parsers(commands)
    return parser


Subparsers = Any


def _add_demo(commands: Subparsers) -> None:
    demo = commands.add_parser("demo", help="run the engine against a simulated PBX")
    demo.add_argument("--calls", type=int, default=None, help="stop after this many calls")
    demo.add_argument("--interval", type=float, nargs=2, default=(2.0, 6.0),
                      metavar=("MIN", "MAX"), help="seconds between new calls")
    demo.add_argument("--duration", type=float, default=None,
                      help="stop after this many seconds")
    demo.add_argument("--seed", type=int, default=None)
    demo.add_argument("--graph", type=Path, default=None,
                      help="route graph to publish and route by (default: the example)")
    demo.add_argument("--at", type=datetime.fromisoformat, default=None,
                      help="let calls ring as if at this ISO time (Europe/Warsaw if no zone)")
    demo.add_argument("--speed", type=float, default=1.0,
                      help="play calls this many times faster than real time")
    demo.add_argument("--port", type=int, default=None,
                      help="the web application's port (default: [web] port, 8080)")
    demo.set_defaults(run=_run_demo)


def _add_serve(commands: Subparsers) -> None:
    serve = commands.add_parser("serve", help="run the engine against the configured PBX(s)")
    serve.set_defaults(run=_run_serve)


def _add_replay(commands: Subparsers) -> None:
    replay = commands.add_parser("replay", help="feed recorded AMI traces through the engine")
    replay.add_argument("traces", nargs="+", type=Path)
    replay.add_argument("--json", action="store_true", help="one JSON object per call")
    replay.add_argument("--pbx", default="replay", help="PBX name the calls are stored under")
    replay.add_argument("--speed", type=float, default=None,
                        help="play at this pace (1 = as recorded); default: at once")
    replay.set_defaults(run=_run_replay)


def _add_tickets(commands: Subparsers) -> None:
    tickets = commands.add_parser("tickets", help="read tickets")
    sub = tickets.add_subparsers(dest="action", required=True)
    listing = sub.add_parser("list")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--status")
    listing.add_argument("--queue")
    listing.add_argument("--caller")
    listing.add_argument("--page", type=int, default=1)
    listing.add_argument("--per-page", type=int, default=50)
    listing.set_defaults(run=_run_tickets_list)
    show = sub.add_parser("show")
    show.add_argument("number")
    show.set_defaults(run=_run_tickets_show)


def _add_calls(commands: Subparsers) -> None:
    calls = commands.add_parser("calls", help="read calls")
    sub = calls.add_subparsers(dest="action", required=True)
    listing = sub.add_parser("list")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--outcome", choices=[outcome.value for outcome in Outcome])
    listing.add_argument("--page", type=int, default=1)
    listing.add_argument("--per-page", type=int, default=50)
    listing.set_defaults(run=_run_calls_list)


def _add_customers(commands: Subparsers) -> None:
    customers = commands.add_parser("customers", help="manage customers")
    sub = customers.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add")
    add.add_argument("phone")
    add.add_argument("--name")
    add.add_argument("--vip", action=argparse.BooleanOptionalAction, default=None,
                     help="flag (or with --no-vip unflag) the customer; a known "
                          "customer keeps the flag when neither is given")
    add.set_defaults(run=_run_customers_add)


def _add_db(commands: Subparsers) -> None:
    db = commands.add_parser("db", help="database")
    sub = db.add_subparsers(dest="action", required=True)
    sub.add_parser("upgrade", help="apply migrations").set_defaults(run=_run_db_upgrade)


def _run_demo(args: argparse.Namespace, config: Config) -> int:
    from ccengine.demo import EXAMPLE_GRAPH, run_demo
    from ccengine.routes.document import GraphInvalid, parse_graph

    at = args.at
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(config.tickets.timezone))
    graph_file: Path = args.graph or EXAMPLE_GRAPH
    try:
        graph = parse_graph(graph_file.read_text(encoding="utf-8"))
    except (OSError, GraphInvalid) as exc:
        print(f"ccengine demo: {graph_file}: {exc}", file=sys.stderr)
        return 2
    if args.port is not None:
        config = config.model_copy(update={
            "web": config.web.model_copy(update={"port": args.port})})
    prompts = Path(config.routes.prompts_dir)
    return asyncio.run(run_demo(config, calls=args.calls, interval=tuple(args.interval),
                                duration=args.duration, seed=args.seed, graph=graph,
                                prompts_dir=prompts if prompts.is_dir() else None, at=at,
                                speed=args.speed))


def _run_serve(args: argparse.Namespace, config: Config) -> int:
    from aiohttp import web

    from ccengine.app import create_app
    from ccengine.web.malformed import serve_until_stopped

    if not config.ami:
        print("ccengine: no [[ami]] PBX configured; `ccengine demo` runs a simulated one",
              file=sys.stderr)
        return 2
    app = create_app(config)
    # What is built by now lives as long as the process: frozen out of the collector's
    # sight, a full collection no longer walks it (one took 100-120 ms of the event loop
    # under the SLA alert scheduler's allocations: benchmarks/sla.py).
    gc.freeze()
    with contextlib.suppress(web.GracefulExit, KeyboardInterrupt):
        asyncio.run(serve_until_stopped(app, config.web.host, config.web.port))
    return 0


def _run_replay(args: argparse.Namespace, config: Config) -> int:
    from ccengine.replay import replay

    missing = [str(path) for path in args.traces if not path.is_file()]
    if missing:
        print(f"ccengine replay: no such trace file: {', '.join(missing)}", file=sys.stderr)
        return 2
    report = asyncio.run(replay(args.traces, config, pbx_name=args.pbx, speed=args.speed))
    for error in report.trace_errors:
        print(f"ccengine replay: skipped {error}", file=sys.stderr)
    for call in report.calls:
        print(json.dumps(call, ensure_ascii=False) if args.json else _call_line(call))
    return 0


def _call_line(call: dict[str, Any]) -> str:
    cells = (call["ticket"] or "(live)", call["ticket_priority"] or "-",
             call["outcome"] or "live", call["caller"] or "?", call["caller_name"] or "",
             call["queue"] or "", call["agent"] or "")
    return "{:<15} {:<3} {:<14} {:<14} {:<22} {:<12} {}".format(*cells)


def _run_tickets_list(args: argparse.Namespace, config: Config) -> int:
    from ccengine.reading import print_tickets

    return asyncio.run(print_tickets(config, args))


def _run_tickets_show(args: argparse.Namespace, config: Config) -> int:
    from ccengine.reading import print_ticket

    return asyncio.run(print_ticket(config, args.number))


def _run_calls_list(args: argparse.Namespace, config: Config) -> int:
    from ccengine.reading import print_calls

    return asyncio.run(print_calls(config, args))


def _run_customers_add(args: argparse.Namespace, config: Config) -> int:
    from ccengine.reading import add_customer

    return asyncio.run(add_customer(config, args.phone, args.name, args.vip))


def _run_db_upgrade(args: argparse.Namespace, config: Config) -> int:
    from ccengine.reading import upgrade

    return asyncio.run(upgrade(config))


if __name__ == "__main__":
    raise SystemExit(main())
