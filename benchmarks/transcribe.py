"""Transcription benchmark: the real-time factor of our pipeline against bare faster-whisper.

What it measures, per model, on one synthetic call (espeak-ng speech on a stereo
8 kHz recording, caller and agent on their own channels, hold music on the agent
channel and stretches of silence):

- bare faster-whisper: ``WhisperModel.transcribe`` on the two channels' 16 kHz
  samples, the segments generator fully consumed, ``vad_filter=False``,
  ``word_timestamps=False`` (the baseline, measured in the same run);
- bare faster-whisper with ``vad_filter=True`` (with our VAD parameters);
- the whole pipeline: load the WAV, VAD + transcribe both channels (our
  ``Transcriber``, word timestamps), mask, redact a copy of the file, and store
  the transcript in a SQLite database (``attach_transcript`` + commit);
- batched: a ``Transcriber`` with ``batch_size=8`` on the same samples;
- N calls at once: N pipeline runs in a thread pool against N in sequence.

RTF = processing seconds / audio seconds, where audio seconds are channel
seconds (a 60 s stereo call is 120 s of audio to decode in every variant); the
median of ``--repeat`` runs (fewer for a variant whose runs already took 60 s).
The last line printed is
``pipeline/bare RTF ratio: X`` for the first model measured; the issue's target
is a pipeline at most 10% over bare faster-whisper, and below it with VAD on
call-like audio. These are figures, not pass/fail checks.

    .venv/bin/python benchmarks/transcribe.py [--models tiny.en,base] [--device cpu]
        [--repeat 3] [--seconds 60] [--parallel 2] [--quick] [--save-call DIR | --call DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select

from ccengine.calls.model import FinishedCall, Outcome, TimelineEntry
from ccengine.config import DatabaseConfig, TicketsConfig
from ccengine.db import Database
from ccengine.simulator.recordings import Utterance, synthesize_call
from ccengine.tickets.models import Call
from ccengine.tickets.service import TicketService
from ccengine.transcribe.attach import attach_transcript
from ccengine.transcribe.audio import Layout, load_recording
from ccengine.transcribe.models import ModelError, default_cache_dir, resolve_model
from ccengine.transcribe.pipeline import PipelineOptions, TranscriptionPipeline
from ccengine.transcribe.types import Speaker, TimeSpan
from ccengine.transcribe.whisper import VAD_PARAMETERS, Transcriber, WhisperSettings

CALLER, AGENT = Speaker.CALLER, Speaker.AGENT
BASE_SECONDS = 60.0  # the conversation below is laid out for a 60 s call
# A refund for a broken order; the caller reads a card number out as digits.
CONVERSATION = (
    Utterance(AGENT, "Thank you for calling Example Shop, my name is Anna. "
                     "How can I help you today?", 0.5),
    Utterance(CALLER, "Hi. I ordered headphones last week, order four five seven two, "
                      "and they arrived broken. I would like a refund, please.", 6.0),
    Utterance(AGENT, "I am sorry to hear that. Let me check your order. "
                     "Please hold for a moment.", 14.0),
    Utterance(AGENT, "Thank you for waiting. The refund goes back to the card you paid with. "
                     "Can you confirm the card number?", 37.0),
    Utterance(CALLER, "Sure. It is four five three two, one two three four, "
                      "five six seven eight, nine zero one two.", 45.0),
    Utterance(AGENT, "Thank you. The refund is on its way, within five working days.", 54.0),
)
HOLD_MUSIC = TimeSpan(19.0, 36.0)  # on the agent channel, between the agent's turns
# --quick: one model, one run of each variant, on a 12 s call (it only proves the
# benchmark still runs; its figures mean nothing).
QUICK_CONVERSATION = (
    Utterance(CALLER, "Sure. It is four five three two, one two three four, "
                      "five six seven eight, nine zero one two.", 0.5),
    Utterance(AGENT, "Thank you. The refund is on its way.", 8.0),
)
QUICK_MUSIC = TimeSpan(3.0, 7.0)
QUICK_SECONDS = 12.0
LANGUAGE = {"tiny.en": "en", "base": "en"}  # base is multilingual: English too, same audio
BATCH_SIZE = 8
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# A variant stops repeating once its runs took this long: base without VAD takes ~45 s
# a run on 2 cores, and three of them would push the default run past 4 minutes.
VARIANT_BUDGET = 60.0


# -- the call -------------------------------------------------------------------------


@dataclass(frozen=True)
class CallAudio:
    path: Path
    duration: float  # seconds of call
    samples: tuple[NDArray[np.float32], ...]  # each channel, 16 kHz mono float
    speech: float  # seconds of speech over both channels
    speech_union: float  # seconds of the call when someone speaks
    music: float

    @property
    def audio_seconds(self) -> float:
        return self.duration * len(self.samples)


def make_call(folder: Path, seconds: float) -> CallAudio:
    if seconds < BASE_SECONDS:
        raise SystemExit(f"--seconds must be at least {BASE_SECONDS:.0f} (the conversation's "
                         f"length); longer calls spread it out with more silence")
    scale = seconds / BASE_SECONDS
    utterances = [Utterance(u.speaker, u.text, u.at * scale) for u in CONVERSATION]
    music = TimeSpan(HOLD_MUSIC.start * scale, HOLD_MUSIC.end * scale)
    return _synthesized(folder, utterances, music, seconds)


def make_quick_call(folder: Path) -> CallAudio:
    """--quick: the card read out and its answer, a little hold music; seconds to run."""
    return _synthesized(folder, list(QUICK_CONVERSATION), QUICK_MUSIC, QUICK_SECONDS)


def _synthesized(folder: Path, utterances: Sequence[Utterance], music: TimeSpan,
                 seconds: float) -> CallAudio:
    path = folder / "call.wav"
    spans = synthesize_call(utterances, path, language="en", layout=Layout.STEREO,
                            hold_music=(music,), total=seconds, rate=8000)
    recording = load_recording(path)
    samples = tuple(channel.whisper_samples() for channel in recording.channels)
    return CallAudio(path, recording.duration, samples, sum(s.seconds for s in spans),
                     _union(spans), music.seconds)


def save_call(call: CallAudio, folder: Path) -> None:
    """--save-call: the call and its figures, for a machine without espeak-ng (a GPU box)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(call.path, folder / "call.wav")
    figures = {"speech": call.speech, "speech_union": call.speech_union, "music": call.music}
    (folder / "call.json").write_text(json.dumps(figures))


def load_call(folder: Path) -> CallAudio:
    """--call: a call saved by --save-call, measured without synthesizing it again."""
    figures = json.loads((folder / "call.json").read_text())
    path = folder / "call.wav"
    recording = load_recording(path)
    samples = tuple(channel.whisper_samples() for channel in recording.channels)
    return CallAudio(path, recording.duration, samples, float(figures["speech"]),
                     float(figures["speech_union"]), float(figures["music"]))


def _union(spans: Sequence[TimeSpan]) -> float:
    total, end = 0.0, 0.0
    for span in sorted(spans, key=lambda s: s.start):
        start = max(span.start, end)
        if span.end > start:
            total += span.end - start
        end = max(end, span.end)
    return total


# -- the database ---------------------------------------------------------------------


class Store:
    """A SQLite file with one call row per pipeline run (a call holds one transcript)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.tickets = TicketService(database, TicketsConfig())
        self._numbers = itertools.count(1)

    async def new_call(self) -> int:
        linkedid = f"bench-{next(self._numbers)}"
        await self.tickets.record_calls([_finished_call(linkedid)])
        async with self.database.sessions() as session:
            call_id = await session.scalar(select(Call.id).where(Call.linkedid == linkedid))
        assert call_id is not None
        return call_id


def _finished_call(linkedid: str) -> FinishedCall:
    return FinishedCall(
        pbx="pbx1", linkedid=linkedid, caller_number="48602333444", caller_name=None,
        did="221234567", outcome=Outcome.ANSWERED, started_at=T0,
        ended_at=T0 + timedelta(minutes=1), queue="support",
        answered_at=T0 + timedelta(seconds=5), agent_name="Anna Nowak",
        agent_interface="PJSIP/101", talk_seconds=55,
        timeline=(TimelineEntry(T0, "start", {"channel": "PJSIP/trunk-0001"}),),
    )


# -- the variants ---------------------------------------------------------------------


@dataclass
class ModelFigures:
    model: str
    language: str
    rtf: dict[str, float] = field(default_factory=dict)  # variant -> median RTF
    runs: dict[str, int] = field(default_factory=dict)  # variant -> runs measured
    sequential: float = 0.0  # seconds for N pipeline runs one after another
    parallel: float = 0.0  # seconds for N pipeline runs at once


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    """Up to ``repeat`` runs; fewer once they took VARIANT_BUDGET seconds (at least one)."""
    times: list[float] = []
    while len(times) < repeat and sum(times) < VARIANT_BUDGET:
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def bare_run(model: Any, call: CallAudio, language: str, vad: bool) -> None:
    for samples in call.samples:
        segments, _info = model.transcribe(
            samples, language=language, vad_filter=vad, word_timestamps=False,
            vad_parameters=dict(VAD_PARAMETERS) if vad else None,
        )
        for _segment in segments:  # the generator does the decoding
            pass


async def pipeline_run(pipeline: TranscriptionPipeline, store: Store, source: Path,
                       folder: Path, settings: WhisperSettings,
                       executor: ThreadPoolExecutor | None = None) -> float:
    """One call end to end (the copy and the call row are made before the clock starts)."""
    copy = Path(shutil.copy(source, folder / f"run-{time.monotonic_ns()}.wav"))
    call_id = await store.new_call()
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    transcript = await loop.run_in_executor(executor, lambda: pipeline.run(copy, redact=True))
    async with store.database.writer() as session:
        await attach_transcript(session, call_id, transcript, settings.model,
                                settings.language, datetime.now(UTC), audio_redacted=True)
        await session.commit()
    elapsed = time.perf_counter() - started
    await asyncio.to_thread(copy.unlink)
    return elapsed


async def measure_model(name: str, device: str, call: CallAudio, store: Store, folder: Path,
                        repeat: int, parallel: int) -> ModelFigures:
    import faster_whisper

    language = LANGUAGE.get(name, "en")
    figures = ModelFigures(name, language)
    compute_type = "float16" if device == "cuda" else "int8"
    directory = resolve_model(name, default_cache_dir())
    bare = faster_whisper.WhisperModel(str(directory), device=device, compute_type=compute_type,
                                       local_files_only=True)
    settings = WhisperSettings(model=name, language=language, device=device,
                               compute_type=compute_type)
    pipeline = TranscriptionPipeline(Transcriber.load(settings), PipelineOptions(layout="auto"))
    batched = Transcriber.load(WhisperSettings(model=name, language=language, device=device,
                                               compute_type=compute_type, batch_size=BATCH_SIZE))
    bare_run(bare, call, language, vad=True)  # warm-up: first decodes and the VAD model load
    batched.transcribe(call.samples[0])

    def record(variant: str, times: Sequence[float]) -> None:
        figures.rtf[variant] = statistics.median(times) / call.audio_seconds
        figures.runs[variant] = len(times)

    record("bare", timed(lambda: bare_run(bare, call, language, False), repeat))
    record("bare+VAD", timed(lambda: bare_run(bare, call, language, True), repeat))
    runs = [await pipeline_run(pipeline, store, call.path, folder, settings)
            for _ in range(max(repeat, parallel))]
    record("pipeline", runs[:repeat])
    figures.sequential = sum(runs[:parallel])

    def batched_run() -> None:
        for samples in call.samples:
            batched.transcribe(samples)

    record(f"batched({BATCH_SIZE})", timed(batched_run, repeat))
    with ThreadPoolExecutor(max_workers=parallel) as executor:
        started = time.perf_counter()
        await asyncio.gather(*(pipeline_run(pipeline, store, call.path, folder, settings,
                                            executor) for _ in range(parallel)))
        figures.parallel = time.perf_counter() - started
    return figures


async def benchmark(models: Sequence[str], device: str, call: CallAudio, folder: Path,
                    repeat: int, parallel: int) -> list[ModelFigures]:
    database = Database.open(DatabaseConfig(url=f"sqlite+aiosqlite:///{folder / 'bench.db'}"))
    await database.migrate()
    store = Store(database)
    measured = []
    try:
        for name in models:
            try:
                resolve_model(name, default_cache_dir())
            except ModelError as exc:
                print(f"skipping model {name}: {str(exc).splitlines()[0]}")
                continue
            started = time.perf_counter()
            measured.append(await measure_model(name, device, call, store, folder, repeat,
                                                parallel))
            print(f"  ({name} measured in {time.perf_counter() - started:.0f} s)")
    finally:
        await database.close()
    return measured


# -- the report -----------------------------------------------------------------------


def report(figures: Sequence[ModelFigures], call: CallAudio, parallel: int) -> None:
    print(f"\n{'model':<9} {'variant':<12} {'RTF median':>10} {'x bare':>8} {'runs':>5}")
    for model in figures:
        for variant, value in model.rtf.items():
            print(f"{model.model:<9} {variant:<12} {value:>10.3f} "
                  f"{value / model.rtf['bare']:>8.2f} {model.runs[variant]:>5}")
    print()
    for model in figures:
        seq = parallel * call.duration / model.sequential
        par = parallel * call.duration / model.parallel
        print(f"{model.model}: {parallel} calls in sequence {model.sequential:.1f} s "
              f"({seq:.1f} call-audio s/s), at once {model.parallel:.1f} s ({par:.1f} call-audio "
              f"s/s); parallel/sequential throughput {par / seq:.2f}")
    for model in figures:
        rtf = model.rtf
        print(f"{model.model}: pipeline/bare+VAD RTF ratio: {rtf['pipeline'] / rtf['bare+VAD']:.2f}"
              f"  (our own steps over faster-whisper with the same VAD)")
        print(f"{model.model}: VAD/no-VAD RTF ratio: {rtf['bare+VAD'] / rtf['bare']:.2f}")
        print(f"{model.model}: pipeline/bare RTF ratio: {rtf['pipeline'] / rtf['bare']:.2f}")
    first = figures[0].rtf
    print(f"pipeline/bare RTF ratio: {first['pipeline'] / first['bare']:.2f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="tiny.en,base",
                        help="comma-separated model names or directories (default tiny.en,base)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant (median)")
    parser.add_argument("--seconds", type=float, default=60.0, help="call length (>= 60)")
    parser.add_argument("--parallel", type=int, default=2, help="calls at once (default 2)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny.en, one run each, a 12 s call: proves it still runs")
    parser.add_argument("--save-call", type=Path, metavar="DIR",
                        help="also save the synthesized call (WAV + figures) into DIR")
    parser.add_argument("--call", type=Path, metavar="DIR",
                        help="measure a call saved by --save-call instead of synthesizing one "
                             "(for a machine without espeak-ng and sox)")
    args = parser.parse_args(argv)
    if args.quick:
        args.models, args.repeat, args.parallel = "tiny.en", 1, 1
    if args.repeat < 1 or args.parallel < 1:
        parser.error("--repeat and --parallel must be at least 1")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.device == "cuda":
        import ctranslate2

        if ctranslate2.get_cuda_device_count() == 0:
            parser.error("--device cuda: CTranslate2 sees no CUDA device")
    models = [name.strip() for name in args.models.split(",") if name.strip()]
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        if args.call:
            call = load_call(args.call)
        else:
            call = make_quick_call(folder) if args.quick else make_call(folder, args.seconds)
        if args.save_call:
            save_call(call, args.save_call)
        print(f"call: {call.duration:.1f} s stereo 8 kHz ({call.audio_seconds:.0f} s of channel "
              f"audio), speech {call.speech:.1f} s = {call.speech / call.audio_seconds:.0%} of "
              f"channel audio ({call.speech_union / call.duration:.0%} of the call has someone "
              f"speaking), hold music {call.music:.1f} s on the agent channel")
        print(f"device {args.device}, {os.cpu_count()} CPU(s), median of {args.repeat}, "
              f"language en for every model (same English audio), beam 5; bare = faster-whisper "
              f"defaults without word timestamps, bare+VAD with our VAD parameters "
              f"{VAD_PARAMETERS}")
        figures = asyncio.run(benchmark(models, args.device, call, folder, args.repeat,
                                        args.parallel))
    if not figures:
        raise SystemExit("no model could be measured")
    report(figures, call, args.parallel)


if __name__ == "__main__":
    main()
