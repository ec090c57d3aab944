"""Transcribing files from the command line, with a progress bar over audio seconds."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from ccengine.config import TranscribeConfig
from ccengine.transcribe.audio import AudioError, load_recording
from ccengine.transcribe.pipeline import CallTranscript, TranscriptionPipeline
from ccengine.transcribe.service import build_pipeline
from ccengine.transcribe.whisper import ModelError, TranscriptionError


def transcribe_files(files: Sequence[Path], config: TranscribeConfig, *, as_json: bool,
                     redact: bool) -> int:
    """0 when every file was transcribed, 1 when some could not be, 2 when the model failed."""
    try:
        pipeline = build_pipeline(config)
    except ModelError as exc:
        print(f"ccengine transcribe: {exc}", file=sys.stderr)
        return 2
    durations = {path: _duration(path) for path in files}
    failed = 0
    results: list[dict[str, object]] = []
    # The bar counts seconds of audio: files differ too much in length to count files.
    with tqdm(total=round(sum(durations.values()), 1), unit="s", desc="transcribing",
              file=sys.stderr) as bar:
        for path in files:
            outcome = _one(pipeline, path, redact)
            bar.update(round(durations[path], 1))
            if isinstance(outcome, str):
                failed += 1
                tqdm.write(outcome, file=sys.stderr)
                continue
            if as_json:
                results.append(_as_json(path, outcome))
            else:
                tqdm.write(_as_text(path, outcome), file=sys.stdout)
    if as_json:
        json.dump(results, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    return 1 if failed else 0


def _duration(path: Path) -> float:
    try:
        # Decoding is quick next to the model; it gives the true length of interleaved files.
        return load_recording(path).duration
    except AudioError:
        return 0.0  # the file's own error is reported when it is transcribed


def _one(pipeline: TranscriptionPipeline, path: Path, redact: bool) -> CallTranscript | str:
    try:
        return pipeline.run(path, redact=redact)
    except AudioError as exc:
        return f"{exc.reason}: {exc}"  # the message names the file
    except (ModelError, TranscriptionError) as exc:
        return f"model: {path}: {exc}"


def _as_json(path: Path, transcript: CallTranscript) -> dict[str, object]:
    return {"file": str(path), "layout": transcript.layout,
            "duration": round(transcript.duration, 2), "segments": transcript.segments_json(),
            "flags": transcript.flags_json()}


def _as_text(path: Path, transcript: CallTranscript) -> str:
    lines = [f"== {path} ({transcript.layout}, {transcript.duration:.1f} s)"]
    lines += [f"[{s.start:7.2f}-{s.end:7.2f}] {s.speaker}: {s.text}"
              for s in transcript.segments]
    lines += [f"  QA: {f.reason} {f.kind or ''} ({f.speaker}, {f.at:.1f} s)"
              for f in transcript.flags]
    return "\n".join(lines)
