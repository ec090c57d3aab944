"""`ccengine mask`, `ccengine transcribe` and `ccengine transcripts` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ccengine.simulator.recordings import Utterance, synthesize_call
from ccengine.transcribe.audio import Layout
from ccengine.transcribe.types import Speaker
from tests.asr_models import leaks

CARD = "4556737586899855"


def _ccengine(*args: str, stdin: str = "", env: dict[str, str] | None = None,
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ccengine.cli", "--log-level", "warning", *args],
                          input=stdin, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, check=False)


def test_mask_reads_stdin_and_writes_each_line_masked() -> None:
    lines = ["Mój PESEL to 44051401359, dziękuję.\n",
             "Zamówienie 247 na kwotę 1 250,50 zł, telefon 600 700 800.\n",
             "numer karty cztery pięć pięć sześć 7375 8689 9855\n"]
    done = _ccengine("mask", stdin="".join(lines))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines(keepends=True) == [
        "Mój PESEL to [PESEL], dziękuję.\n", lines[1], "numer karty [CARD]\n"]


@pytest.mark.slow
def test_transcribe_prints_masked_segments_as_json_with_a_progress_bar(tmp_path: Path) -> None:
    good = tmp_path / "call.wav"
    synthesize_call([Utterance(Speaker.CALLER, "Hello, I am calling about my refund for order "
                               "two four seven. My card number is 4556 7375 8689 9855.", at=0.5)],
                    good, layout=Layout.STEREO)
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio", encoding="utf-8")
    before = good.read_bytes()
    done = _ccengine("transcribe", "--model", "tiny.en", "--language", "en", "--json",
                     str(good), str(broken))
    assert done.returncode == 1  # one file could not be read; the other was transcribed
    [result] = json.loads(done.stdout)
    assert result["file"] == str(good) and result["layout"] == "stereo"
    assert {s["speaker"] for s in result["segments"]} == {"klient"}
    said = " ".join(s["text"] for s in result["segments"])
    # Whatever this CPU's model wrote: the words kept, no 7 digits of the card anywhere.
    assert "refund" in said.lower()
    assert leaks(said, CARD) == [] and leaks(done.stderr, CARD) == []
    assert all(s["start"] < s["end"] for s in result["segments"])
    assert f"unreadable: {broken}" in done.stderr
    assert "transcribing" in done.stderr  # the progress bar
    assert good.read_bytes() == before  # without --redact the file is left alone


def test_transcribe_with_an_unknown_model_says_so(tmp_path: Path) -> None:
    done = _ccengine("transcribe", "--model", "no-such-model", str(tmp_path / "x.wav"))
    assert done.returncode == 2
    assert "no-such-model" in done.stderr


def test_transcribe_without_model_names_the_installed_ones_when_the_configured_is_missing(
        tmp_path: Path) -> None:
    wav = tmp_path / "x.wav"
    done = _ccengine("transcribe", str(wav), env={"CCENGINE_TRANSCRIBE_MODEL": "small"})
    assert done.returncode == 2
    advice = done.stderr.splitlines()[0]
    assert "'small'" in advice and "not installed" in advice
    # The dev set-up installs both: the advice names them and how to pick one.
    assert "installed: tiny.en, base" in advice
    assert "--model base" in advice


def test_with_no_model_installed_the_advice_says_how_to_install_one() -> None:
    from ccengine.transcribe.models import choose_another

    advice = choose_another("small", [])
    assert "no model is installed" in advice and "models-base" in advice


def test_transcripts_jobs_and_search_read_the_database(tmp_path: Path) -> None:
    env = {"CCENGINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cc.db'}"}
    jobs = _ccengine("transcripts", "jobs", env=env)
    assert jobs.returncode == 0 and "no jobs" in jobs.stdout
    search = _ccengine("transcripts", "search", "zwrot", env=env)
    assert search.returncode == 1 and "zwrot" in search.stderr
