"""The AGI commands of the simulated PBX (Queue and Dial live in agi_apps).

Each handler plays one command on a CallRun after its AGIExecStart and
returns the reply; the CallRun sends AGIExecEnd and AsyncAGIExec. Timings
and replies follow the agi-* traces: ANSWER waits 500 ms, GET DATA answers
``200 result=2`` / ``200 result= (timeout)`` / ``200 result=-1``, an EXEC'd
application's -1 is reported as ``Unknown Result``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ccengine.simulator import agi_apps, shapes
from ccengine.simulator.agi_commands import (
    PROMPT_SECONDS,
    AgiReply,
    CallerHungUp,
    Ending,
    app_reply,
    caller_gone,
    ok,
    parse_get_data,
    parse_record,
    prompt_seconds,
    recorded_samples,
    usage,
)
from ccengine.simulator.shapes import UNKNOWN, UP

if TYPE_CHECKING:
    from ccengine.simulator.agi_pbx import CallRun

Handler = Callable[["CallRun", list[str]], Awaitable[AgiReply]]
App = Callable[["CallRun", str], Awaitable[AgiReply]]

FIRST_KEY_SECONDS = 1.15  # the caller's first key, after GET DATA starts (as in the lab)
KEY_GAP_SECONDS = 0.5  # between two keys of one answer
HANG_UP_IN_PROMPT_SECONDS = 1.4  # hang_up_in_get_data: as agi-caller-hangs-up-in-ivr
ANSWER_SECONDS = 0.5  # answering a ringing channel waits 500 ms for media (__ast_answer)


async def answer(run: CallRun, args: list[str]) -> AgiReply:
    try:
        await _answer(run)
    except CallerHungUp:
        return caller_gone("Failure", code=-1)  # ast_answer failed: RESULT_FAILURE
    return ok("0")


async def _answer(run: CallRun) -> None:
    if run.agi.state != UP:
        run.answer_channels()
        await run.wait(ANSWER_SECONDS)


async def get_data(run: CallRun, args: list[str]) -> AgiReply:
    parsed = parse_get_data(args)
    if parsed is None:
        return usage(" Usage: GET DATA <file to be streamed> [timeout] [maximum digits]")
    turn, start = run.next_run("get_data"), run.now
    deadline = start + prompt_seconds(parsed.prompt) + parsed.timeout
    keys = run.script.keys_for(turn)
    if run.script.hang_up_in_get_data == turn:
        run.hang_up_by(start + min(HANG_UP_IN_PROMPT_SECONDS, (deadline - start) / 2))
        keys = ""
    pressed = ""
    try:
        for index, key in enumerate(keys):
            at = start + FIRST_KEY_SECONDS + index * KEY_GAP_SECONDS
            if at > deadline:
                break
            await run.wait_until(at)
            run.emit(shapes.dtmf("DTMFBegin", run.agi, key))
            run.emit(shapes.dtmf("DTMFEnd", run.agi, key))
            if key == "#":
                return ok(pressed)
            pressed += key
            if len(pressed) >= parsed.max_digits:
                return ok(pressed)
            deadline = at + parsed.timeout
        await run.wait_until(deadline)
    except CallerHungUp:
        return caller_gone("Success")  # GET DATA itself succeeds with result=-1
    return ok(f"{pressed} (timeout)")


async def set_variable(run: CallRun, args: list[str]) -> AgiReply:
    if len(args) < 4:
        return usage(" Usage: SET VARIABLE <variablename> <value>")
    run.set_var(run.agi, args[2], args[3])
    return ok("1")


async def get_variable(run: CallRun, args: list[str]) -> AgiReply:
    if len(args) < 3:
        return usage(" Usage: GET VARIABLE <variablename>")
    value = channel_value(run, args[2])
    return ok("0") if value is None else ok(f"1 ({value})")


def channel_value(run: CallRun, name: str) -> str | None:
    """A variable of the AGI channel, or one of the few functions engines read."""
    channel = run.agi
    functions = {
        "CALLERID(num)": channel.caller_num, "CALLERID(name)": channel.caller_name,
        "UNIQUEID": channel.uniqueid, "CHANNEL": channel.name, "EXTEN": channel.exten,
        "CONTEXT": channel.context,
    }
    if name in channel.variables:
        return channel.variables[name]
    value = functions.get(name)
    return None if value in (None, UNKNOWN) else value


async def record_file(run: CallRun, args: list[str]) -> AgiReply:
    parsed = parse_record(args)
    if parsed is None:
        return usage(" Usage: RECORD FILE <filename> <format> <escape digits> <timeout> "
                     "[offset samples] [BEEP] [s=silence]")
    if run.script.record_fails:
        return ok("-1 (randomerror) endpos=0")
    run.placed.recordings.append(f"{parsed.file}.{parsed.format}")
    start = run.now
    try:
        if parsed.beep:
            await run.wait(PROMPT_SECONDS["beep"])
        start = run.now
        speaks = run.script.speaks_seconds
        if parsed.timeout is not None and parsed.timeout < speaks:
            await run.wait(parsed.timeout)
            return ok(f"0 (timeout) endpos={recorded_samples(parsed.timeout)}")
        run.hang_up_by(start + speaks)  # the caller says their piece and hangs up
        await run.wait_for_hangup()
    except CallerHungUp:
        endpos = recorded_samples(max(0.0, run.now - start))
        return caller_gone("Failure", f"200 result=-1 (hangup) endpos={endpos}\n", code=-1)


async def hangup(run: CallRun, args: list[str]) -> AgiReply:
    run.emit(shapes.hangup_request("SoftHangupRequest", run.agi, 32))
    return AgiReply("200 result=1\n", ending=Ending.HANGUP)


async def asyncagi_break(run: CallRun, args: list[str]) -> AgiReply:
    return AgiReply("200 result=0\n", ending=Ending.BREAK)


async def noop(run: CallRun, args: list[str]) -> AgiReply:
    return ok("0")


async def verbose(run: CallRun, args: list[str]) -> AgiReply:
    return ok("1")


async def exec_app(run: CallRun, args: list[str]) -> AgiReply:
    if len(args) < 2:
        return usage(" Usage: EXEC <application> <options>")
    app = APPS.get(args[1].lower())
    if app is None:
        return app_reply(-2)  # res_agi: "Could not find application"
    return await app(run, args[2] if len(args) > 2 else "")


# -- applications ------------------------------------------------------------------

async def playback(run: CallRun, data: str) -> AgiReply:
    files, _, options = data.partition(",")
    turn = run.next_run("playback")
    try:
        if "noanswer" not in options:
            await _answer(run)  # Playback answers a channel that is not up yet
        if run.script.hang_up_in_playback == turn:
            run.hang_up_by(run.now + prompt_seconds(files) / 2)
        await run.wait(prompt_seconds(files))
    except CallerHungUp:
        run.set_var(run.agi, "PLAYBACKSTATUS", "SUCCESS")  # so says Asterisk, even then
        return caller_gone()
    run.set_var(run.agi, "PLAYBACKSTATUS", "SUCCESS")
    return app_reply(0)


async def mixmonitor(run: CallRun, data: str) -> AgiReply:
    run.set_var(run.agi, "MIXMONITOR_FILENAME", data.split(",")[0])
    run.emit(shapes.channel_event("MixMonitorStart", run.agi))
    return app_reply(0)


async def wait_app(run: CallRun, data: str) -> AgiReply:
    try:
        await run.wait(float(data) if data.replace(".", "", 1).isdigit() else 0.0)
    except CallerHungUp:
        return caller_gone()
    return app_reply(0)


async def set_app(run: CallRun, data: str) -> AgiReply:
    name, _, value = data.partition("=")
    run.set_var(run.agi, name, value)
    return app_reply(0)


async def noop_app(run: CallRun, data: str) -> AgiReply:
    return app_reply(0)


async def answer_app(run: CallRun, data: str) -> AgiReply:
    try:
        await _answer(run)
    except CallerHungUp:
        return caller_gone()
    return app_reply(0)


APPS: dict[str, App] = {
    "playback": playback, "mixmonitor": mixmonitor, "wait": wait_app, "set": set_app,
    "noop": noop_app, "answer": answer_app, "queue": agi_apps.queue, "dial": agi_apps.dial,
}

# AGI commands by their words (res_agi matches them in any case).
COMMANDS: dict[tuple[str, ...], Handler] = {
    ("answer",): answer, ("get", "data"): get_data, ("set", "variable"): set_variable,
    ("get", "variable"): get_variable, ("record", "file"): record_file, ("hangup",): hangup,
    ("asyncagi", "break"): asyncagi_break, ("exec",): exec_app, ("noop",): noop,
    ("verbose",): verbose,
}


def find_handler(args: list[str]) -> Handler | None:
    words = tuple(arg.lower() for arg in args[:2])
    return COMMANDS.get(words) or COMMANDS.get(words[:1])
