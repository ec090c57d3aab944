"""Every benchmark still runs: each in its --quick mode, as a subprocess.

A benchmark nothing runs rots (benchmarks/transcribe.py crashed on main for a
changed signature). The quick modes take seconds on tiny inputs and prove only
that the script runs to its last figure line; the full runs stay out of the suite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
NUMBER = r"-?[0-9.]+|inf|nan"
# Each benchmark's last line: the ratio against its same-run baseline.
LAST_LINES = {
    "ami_ingest.py": rf"pipeline/raw parse ratio: ({NUMBER})",
    "call_burst.py": rf"health p99 burst/idle ratio: ({NUMBER})",
    "mail_intake.py": rf"intake/bare fetch throughput ratio: ({NUMBER})",
    "masking.py": rf"ratio current/baseline: recall ({NUMBER}), kept ({NUMBER})",
    "routing.py": rf"routing p99 / bare AGI round trip p99: ({NUMBER})",
    "screenpop.py": rf"pop/ping ratio: p50 ({NUMBER}), p99 ({NUMBER}); .*",
    "sla.py": rf"scheduler/bare CPU per minute ratio: ({NUMBER})",
    "search.py": rf"search/bare p95 ratio: ({NUMBER})",
    "transcribe.py": rf"pipeline/bare RTF ratio: ({NUMBER})",
}
LIMIT = 300  # seconds: a quick run takes well under a minute even on a busy machine


def run_quick(script: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, str(BENCHMARKS / script), "--quick"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=LIMIT, check=False)


def test_every_benchmark_is_run_quick() -> None:
    scripts = {path.name for path in BENCHMARKS.glob("*.py") if not path.name.startswith("_")}
    assert scripts == set(LAST_LINES)


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(LAST_LINES))
def test_a_quick_run_ends_with_its_ratio_line(script: str) -> None:
    done = run_quick(script)
    assert done.returncode == 0, done.stderr[-4000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines, done.stderr[-4000:]
    assert re.fullmatch(LAST_LINES[script], lines[-1]), lines[-1]
