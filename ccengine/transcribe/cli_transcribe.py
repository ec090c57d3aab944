"""`ccengine transcribe`, `ccengine mask` and `ccengine transcripts ...`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ccengine.config import Config

PROG = "ccengine"


def add_parsers(commands: Any) -> None:
    _add_transcribe(commands)
    mask = commands.add_parser(
        "mask", help="mask PESEL and card numbers in text: stdin → stdout, line for line")
    mask.set_defaults(run=run_mask)
    _add_transcripts(commands)


def _add_transcribe(commands: Any) -> None:
    command = commands.add_parser(
        "transcribe", help="transcribe recordings and print masked transcripts")
    command.add_argument("files", nargs="+", type=Path, metavar="FILE")
    command.add_argument("--model", help="model name or directory (default: from config)")
    command.add_argument("--language", help="spoken language (default: from config)")
    command.add_argument("--json", action="store_true", help="segments as JSON")
    command.add_argument("--redact", action="store_true",
                         help="also silence the masked spans in the files themselves")
    command.set_defaults(run=run_transcribe)


def _add_transcripts(commands: Any) -> None:
    command = commands.add_parser("transcripts", help="transcription jobs and transcripts")
    sub = command.add_subparsers(dest="transcripts_command", required=True)
    jobs = sub.add_parser("jobs", help="list transcription jobs, newest first")
    jobs.add_argument("--status", choices=["pending", "running", "done", "failed"])
    jobs.add_argument("--limit", type=int, default=50)
    jobs.set_defaults(run=run_jobs)
    search = sub.add_parser("search", help="find transcripts holding every word given")
    search.add_argument("words", nargs="+")
    search.add_argument("--limit", type=int, default=20)
    search.set_defaults(run=run_search)
    work = sub.add_parser("work", help="run a transcription worker (scale out on PostgreSQL)")
    work.add_argument("--once", action="store_true", help="do the jobs due now, then stop")
    work.set_defaults(run=run_work)


def run_mask(args: argparse.Namespace, config: Config) -> int:
    from ccengine.transcribe.masking import mask_lines

    for line in mask_lines(sys.stdin):
        sys.stdout.write(line)
        sys.stdout.flush()  # line for line, also through a pipe
    return 0


def run_transcribe(args: argparse.Namespace, config: Config) -> int:
    from ccengine.transcribe.batch import transcribe_files

    settings = config.transcribe.model_copy(update={
        key: value for key, value in
        (("model", args.model), ("language", args.language)) if value})
    if args.model is None:
        missing = _configured_model_missing(settings.model, Path(settings.models_dir))
        if missing:
            print(f"ccengine transcribe: {missing}", file=sys.stderr)
            return 2
    return transcribe_files(args.files, settings, as_json=args.json, redact=args.redact)


def _configured_model_missing(model: str, models_dir: Path) -> str | None:
    """Without --model, a missing configured model is a choice to make, not a conversion
    to do: the advice names the installed models. None when the model is there."""
    from ccengine.transcribe import models

    try:
        models.resolve_model(model, models_dir.expanduser())
    except models.ModelError as exc:
        return f"{models.choose_another(model, models.installed_models())}\n  ({exc})"
    return None


def run_jobs(args: argparse.Namespace, config: Config) -> int:
    return asyncio.run(_print_jobs(config, args.status, args.limit))


async def _print_jobs(config: Config, status: str | None, limit: int) -> int:
    from ccengine.db import Database
    from ccengine.transcribe import queue

    database = Database.open(config.database)
    try:
        await database.migrate()
        async with database.sessions() as session:
            rows = await queue.jobs(session, status, limit)
            totals = await queue.counts(session)
    finally:
        await database.close()
    print("  ".join(f"{name}: {count}" for name, count in sorted(totals.items())) or "no jobs")
    for job in rows:
        reason = f"  {job.reason}: {job.detail}" if job.reason else ""
        print(f"#{job.id:<6} call {job.call_id:<6} {job.status:<8} attempts {job.attempts}"
              f"  {job.updated_at:%Y-%m-%d %H:%M:%S}  {job.recording_file}{reason}")
    return 0


def run_search(args: argparse.Namespace, config: Config) -> int:
    return asyncio.run(_print_search(config, args.words, args.limit))


async def _print_search(config: Config, words: Sequence[str], limit: int) -> int:
    from ccengine.db import Database
    from ccengine.transcribe.attach import search

    database = Database.open(config.database)
    try:
        await database.migrate()
        async with database.sessions() as session:
            found = await search(session, " ".join(words), limit)
    finally:
        await database.close()
    for transcript in found:
        qa = "  [QA]" if transcript.needs_qa else ""
        print(f"call {transcript.call_id}  {transcript.created_at:%Y-%m-%d %H:%M}{qa}")
        for line in transcript.text.splitlines():
            print(f"    {line}")
    if not found:
        print("no transcript holds all of: " + " ".join(words), file=sys.stderr)
        return 1
    return 0


def run_work(args: argparse.Namespace, config: Config) -> int:
    return asyncio.run(_work(config, once=args.once))


async def _work(config: Config, once: bool) -> int:
    from ccengine.db import Database
    from ccengine.transcribe.paths import recording_dirs
    from ccengine.transcribe.service import build_workers

    database = Database.open(config.database)
    try:
        await database.migrate()
        workers = build_workers(database, config.transcribe.model_copy(update={"workers": 1}),
                                recording_dirs(config.routes))
        if once:
            while await workers[0].run_once():
                pass
        else:
            await workers[0].run()
    finally:
        await database.close()
    return 0

