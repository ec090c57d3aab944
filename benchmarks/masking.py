"""Masking benchmark: recall and keep rate of ``mask_text`` against the previous rules.

A corpus is generated with a fixed seed (``tests/pii_readings.py``): PESELs (70 %
with a valid checksum, all with a valid birth date) and cards (Luhn-valid, every
issuer prefix we know) read every way ASR writes them, in Polish and English
sentences with the trigger word before, after, misheard or missing; and must-stay
lines with phone numbers, amounts, dates, times, order numbers and NIPs.

- recall: secret lines where no 7 digits in a row of the secret are left in the
  masked text (digits or number words, after Unicode folding);
- kept: must-stay lines that come back byte-identical.

The baseline is the masking package as it was at ``--baseline`` (default 6e5dcec,
before issue 11), loaded from git into a temporary package and run on the same
corpus in the same process. The output names that revision. ``--audio`` speaks a
sample of the corpus with espeak-ng (8 kHz stereo, as the end-to-end test does) and
runs the real pipeline with each model (``benchmarks/_masking_audio.py``).

    .venv/bin/python benchmarks/masking.py [--quick] [--seed 11] [--baseline 6e5dcec]
        [--audio] [--audio-sample 8] [--models tiny.en,base]

Targets (issue 11): recall 100 %, kept >= 99.5 %, audio leaks 0.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.pii_readings: the corpus the tests use too

from ccengine.transcribe.masking import mask_text  # noqa: E402
from tests.pii_readings import SecretLine, corpus, leaked_windows  # noqa: E402

BASELINE_REVISION = "6e5dcec"
MASKING_FILES = ("numbers", "mask_types", "mask_rules", "mask_lexicon", "mask_items",
                 "mask_runs", "mask_capture", "masking")  # fmt: skip
MaskText = Callable[[str], str]


def leaks(masked_text: str, secret: str) -> bool:
    """Whether 7 digits in a row of ``secret`` are still in the text, written or spoken."""
    return bool(leaked_windows(masked_text, secret))


def load_baseline(revision: str, into: Path) -> MaskText:
    """The masking package at ``revision`` as the importable package ``masking_baseline``."""
    package = into / "masking_baseline"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in MASKING_FILES:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{revision}:ccengine/transcribe/{name}.py"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        renamed = source.replace("ccengine.transcribe.", "masking_baseline.")
        (package / f"{name}.py").write_text(renamed)
    sys.path.insert(0, str(into))
    module = importlib.import_module("masking_baseline.masking")
    return lambda text: str(module.mask_text(text).text)


@dataclass
class Figures:
    secrets: int = 0
    masked: int = 0
    distractors: int = 0
    kept: int = 0
    seconds: float = 0.0
    misses: collections.Counter[str] = field(default_factory=collections.Counter)
    broken: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.masked / self.secrets if self.secrets else 1.0

    @property
    def keep_rate(self) -> float:
        return self.kept / self.distractors if self.distractors else 1.0


def evaluate(mask: MaskText, secrets: Sequence[SecretLine], distractors: Sequence[str]) -> Figures:
    figures = Figures(secrets=len(secrets), distractors=len(distractors))
    started = time.perf_counter()
    for line in secrets:
        if leaks(mask(line.text), line.secret):
            figures.misses[f"{line.kind}/{line.reading}"] += 1
        else:
            figures.masked += 1
    for text in distractors:
        if mask(text) == text:
            figures.kept += 1
        else:
            figures.broken.append(text)
    figures.seconds = time.perf_counter() - started
    return figures


def report(name: str, figures: Figures) -> None:
    lines = figures.secrets + figures.distractors
    print(f"{name:<26} recall {figures.recall:8.2%} ({figures.masked}/{figures.secrets})  "
          f"kept {figures.keep_rate:8.2%} ({figures.kept}/{figures.distractors})  "
          f"{1000 * figures.seconds / max(lines, 1):.3f} ms/line")  # fmt: skip
    for reading, count in figures.misses.most_common(8):
        print(f"    missed {count:4d}  {reading}")
    for text in figures.broken[:3]:
        print(f"    changed a must-stay line, e.g. {text!r}")


def ratio(current: float, baseline: float) -> str:
    return f"{current / baseline:.3f}" if baseline else "n/a"


def time_10000_lines(secrets: Sequence[SecretLine], distractors: Sequence[str]) -> float:
    texts = [line.text for line in secrets] + list(distractors)
    lines = [texts[i % len(texts)] for i in range(10_000)]
    started = time.perf_counter()
    for text in lines:
        mask_text(text)
    return time.perf_counter() - started


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()  # --quick never runs the audio half
    mode.add_argument("--quick", action="store_true", help="a few hundred lines, seconds")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--baseline", default=BASELINE_REVISION, help="git revision")
    mode.add_argument("--audio", action="store_true", help="espeak-ng + Whisper (minutes)")
    parser.add_argument("--audio-sample", type=int, default=8, help="calls per model")
    parser.add_argument("--models", default="tiny.en,base")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    per_reading, distractor_count = (3, 150) if args.quick else (40, 3000)
    secrets, distractors = corpus(random.Random(args.seed), per_reading, distractor_count)
    print(f"corpus: {len(secrets)} secret lines ({per_reading} per reading and kind), "
          f"{len(distractors)} must-stay lines, seed {args.seed}")  # fmt: skip
    current = evaluate(lambda text: mask_text(text).text, secrets, distractors)
    report("current", current)
    with tempfile.TemporaryDirectory() as folder:
        baseline_mask = load_baseline(args.baseline, Path(folder))
        baseline = evaluate(baseline_mask, secrets, distractors)
        report(f"baseline (git {args.baseline})", baseline)
        print(f"ratio current/baseline: recall {ratio(current.recall, baseline.recall)}, "
              f"kept {ratio(current.keep_rate, baseline.keep_rate)}")  # fmt: skip
        if not args.quick:
            print(f"10,000 lines masked in {time_10000_lines(secrets, distractors):.2f} s")
        if args.audio:
            from _masking_audio import audio_leaks  # benchmarks/ is the script's folder

            audio_leaks(args.models.split(","), args.audio_sample, args.seed,
                        {"current": lambda text: mask_text(text).text,
                         f"baseline (git {args.baseline})": baseline_mask})  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
