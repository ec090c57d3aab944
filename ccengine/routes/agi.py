"""AGI commands as the route walk asks for them, and their replies as Asterisk gives them.

Commands are plain text, exactly what goes into the AMI ``AGI`` action's
``Command`` header. Replies are read from ``AsyncAGIExec`` (``200 result=2``,
``200 result= (timeout)``, ``200 result=1 (TIMEOUT)``, ``result=-1`` or
``result=-1 (hangup)`` when the channel hung up, ``result=-1 (randomerror)`` when
the command failed with the caller still there) or from an ``Error`` response when
the channel is gone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ccengine.ami.events import agi_hung_up

DATA = re.compile(r"^(?P<value>-?\d*)\s*(?:\((?P<data>[^)]*)\))?")


@dataclass(frozen=True, slots=True)
class AgiReply:
    code: int  # 200, or 510/511/520 for a bad command; 0 when the channel is gone
    result: str  # what follows "result=": "2", " (timeout)", "1 (TIMEOUT)", "-1"

    @classmethod
    def gone(cls) -> AgiReply:
        """The channel no longer exists: the caller hung up."""
        return cls(0, "-1")

    @property
    def hung_up(self) -> bool:
        """A gone channel, or -1 read as ``agi_hung_up`` reads it (one rule for the
        tracker and the walk)."""
        return self.code == 0 or agi_hung_up(self.result)

    @property
    def failed(self) -> bool:
        """The command failed while the caller is still there (510/511/520, or -1 (...))."""
        return not self.hung_up and (self.code != 200 or self.value == "-1")

    @property
    def error(self) -> str:
        """What failed, in Asterisk's words: 'randomerror', 'code 510'."""
        return self.data if self.code == 200 else f"code {self.code}"

    @property
    def value(self) -> str:
        match = DATA.match(self.result.strip())
        return match.group("value") if match else ""

    @property
    def data(self) -> str:
        """The part in parentheses: a variable's value, '(timeout)'."""
        match = DATA.match(self.result.strip())
        return (match.group("data") or "") if match else ""

    @property
    def timed_out(self) -> bool:
        return self.data == "timeout" and not self.value


def answer() -> str:
    return "ANSWER"


def playback(sound: str) -> str:
    return f"EXEC Playback {sound}"


def get_data(sound: str, timeout_seconds: float, max_digits: int) -> str:
    return f"GET DATA {sound} {round(timeout_seconds * 1000)} {max_digits}"


def set_variable(name: str, value: str | int) -> str:
    return f"SET VARIABLE {name} {value}"


def get_variable(name: str) -> str:
    return f"GET VARIABLE {name}"


def mixmonitor(path: str) -> str:
    return f"EXEC MixMonitor {path}"


def queue(name: str, timeout_seconds: int, rule: str = "", go_on: bool = False) -> str:
    """Queue() in this Asterisk's argument order:
    queuename,options,URL,announceoverride,timeout,AGI,gosub,rule,position.
    ``go_on``: option 'c', the caller continues when the agent hangs up (QUEUESTATUS
    CONTINUE, the channel still up)."""
    rule_argument = f",,,{rule}" if rule else ""
    options = "tc" if go_on else "t"
    return f"EXEC Queue {name},{options},,,{timeout_seconds}{rule_argument}"


def dial(target: str, ring_seconds: int) -> str:
    return f"EXEC Dial {target},{ring_seconds}"


def record_file(path_without_extension: str, max_seconds: int) -> str:
    # '#' ends the message; s=5 ends it after 5 s of silence. No BEEP option: it plays
    # Asterisk's core 'beep' and fails the command where that is missing (live traces);
    # the walk plays our own beep prompt first.
    return f"RECORD FILE {path_without_extension} wav # {max_seconds * 1000} s=5"


def hangup() -> str:
    return "HANGUP"


def asyncagi_break() -> str:
    return "ASYNCAGI BREAK"
