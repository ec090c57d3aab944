"""AGI command text as res_agi reads it, and the replies it writes back (pure).

``split_args`` splits like res_agi's parse_args (spaces separate, double
quotes group, a backslash escapes). Application arguments follow this
Asterisk: ``Queue(queuename,options,URL,announceoverride,timeout,AGI,gosub,
rule,position)`` (no macro argument any more) and ``Dial(targets,timeout,
options)``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# Seconds a prompt lasts (measured in the lab traces); others last DEFAULT_PROMPT.
PROMPT_SECONDS = {"beep": 0.42, "vm-goodbye": 0.86}
DEFAULT_PROMPT = 1.0
SAMPLE_RATE = 8000  # RECORD FILE's endpos counts 8 kHz samples


class CallerHungUp(Exception):
    """The caller hung up during a scripted wait; its first hang-up events are out."""


class Ending(enum.Enum):
    """What the AGI session does after a command."""

    CONTINUE = "continue"  # waits for the next command
    CALLER_GONE = "caller_gone"  # the channel hung up under the command
    HANGUP = "hangup"  # the HANGUP command
    BREAK = "break"  # ASYNCAGI BREAK: the dialplan goes on (to its Hangup())


@dataclass(frozen=True, slots=True)
class AgiReply:
    """One command's reply: AsyncAGIExec's Result and AGIExecEnd's ResultCode/Result."""

    text: str  # "200 result=0\n", before URL-encoding
    code: int = 200
    status: str = "Success"  # "Success", "Unknown Result" (an app's -1), "Failure", ...
    ending: Ending = Ending.CONTINUE


def ok(value: str = "0") -> AgiReply:
    return AgiReply(f"200 result={value}\n")


def app_reply(result: int) -> AgiReply:
    """EXEC passes the application's own return value on: non-zero is 'Unknown Result'."""
    return AgiReply(f"200 result={result}\n", status="Success" if result == 0 else "Unknown Result")


def caller_gone(status: str = "Unknown Result", text: str = "200 result=-1\n",
                code: int = 200) -> AgiReply:
    return AgiReply(text, code=code, status=status, ending=Ending.CALLER_GONE)


UNKNOWN_COMMAND = AgiReply("510 Invalid or unknown command\n", code=510,
                           status="Invalid or unknown command")


def usage(text: str) -> AgiReply:
    return AgiReply(f"520-Invalid command syntax.  Proper usage follows:\n{text}\n"
                    "520 End of proper usage.\n", code=520, status="Usage")


def split_args(command: str) -> list[str]:
    args: list[str] = []
    current: list[str] = []
    quoted = escaped = started = False
    for char in command:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = started = True
        elif char == '"':
            quoted, started = not quoted, True
        elif char.isspace() and not quoted:
            if started:
                args.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
    if started:
        args.append("".join(current))
    return args


def prompt_seconds(files: str) -> float:
    """How long playing 'a&b' lasts."""
    return sum(PROMPT_SECONDS.get(name.rsplit("/", 1)[-1], DEFAULT_PROMPT)
               for name in files.split("&") if name)


def _seconds(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 else None


@dataclass(frozen=True, slots=True)
class QueueArgs:
    queue: str
    options: str = ""
    timeout: float | None = None  # seconds; None: wait for ever
    rule: str = ""
    position: int | None = None


def parse_queue(data: str) -> QueueArgs:
    parts = [*data.split(","), *[""] * 9][:9]
    position = int(parts[8]) if parts[8].isdigit() and int(parts[8]) > 0 else None
    return QueueArgs(queue=parts[0], options=parts[1], timeout=_seconds(parts[4]),
                     rule=parts[7], position=position)


@dataclass(frozen=True, slots=True)
class DialArgs:
    targets: tuple[str, ...]
    timeout: float | None
    options: str


def parse_dial(data: str) -> DialArgs:
    parts = [*data.split(","), "", ""]
    targets = tuple(target for target in parts[0].split("&") if target)
    return DialArgs(targets, _seconds(parts[1]), parts[2])


@dataclass(frozen=True, slots=True)
class GetDataArgs:
    prompt: str
    timeout: float  # seconds to wait for a key, after the prompt and after each key
    max_digits: int


def parse_get_data(args: list[str]) -> GetDataArgs | None:
    """GET DATA <file> [timeout ms] [max digits]; None when the syntax is wrong."""
    if len(args) < 3:
        return None
    timeout_ms = int(args[3]) if len(args) > 3 and args[3].lstrip("-").isdigit() else 0
    max_digits = int(args[4]) if len(args) > 4 and args[4].isdigit() else 1024
    # No timeout given: the dialplan's digit timeout (5 s) applies.
    timeout = timeout_ms / 1000 if timeout_ms > 0 else 5.0
    return GetDataArgs(args[2], timeout, max(1, max_digits))


@dataclass(frozen=True, slots=True)
class RecordArgs:
    file: str
    format: str
    escape_digits: str
    timeout: float | None  # seconds; None (-1 or 0): no limit
    beep: bool
    silence: int | None


def parse_record(args: list[str]) -> RecordArgs | None:
    """RECORD FILE <file> <format> <escape digits> <timeout ms> [offset] [BEEP] [s=N]."""
    if len(args) < 6 or not args[5].lstrip("-").isdigit():
        return None
    extra = args[6:]
    silence = next((int(a[2:]) for a in extra if a.startswith("s=") and a[2:].isdigit()), None)
    timeout_ms = int(args[5])
    return RecordArgs(args[2], args[3], args[4], timeout_ms / 1000 if timeout_ms > 0 else None,
                      any(a.upper() == "BEEP" for a in extra), silence)


def recorded_samples(seconds: float) -> int:
    return int(seconds * SAMPLE_RATE)
