"""Evaluate a route without a PBX: the walk driven by scripted replies.

What ``ccengine routes simulate`` prints, and what tests of routing logic
use: the path node by node with reasons, every AGI command the executor
would send, and the outcome. The caller presses the given digits in turn;
queues and transfers end as the scenario says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ccengine.routes.agi import AgiReply
from ccengine.routes.model import RouteGraph
from ccengine.routes.walk import (
    DEFAULT_SETTINGS,
    CallFacts,
    Command,
    PathStep,
    RouteResult,
    WalkSettings,
    walk,
)

# agent_hung_up: answered, then the agent hung up first (a queue with a survey goes on).
QueueEnd = Literal["answered", "timeout", "full", "empty", "abandoned", "agent_hung_up"]
DialEnd = Literal["ANSWER", "BUSY", "NOANSWER", "CONGESTION", "CHANUNAVAIL"]
QUEUE_STATUS = {"timeout": "TIMEOUT", "full": "FULL", "empty": "JOINEMPTY"}


@dataclass(frozen=True, slots=True)
class Scenario:
    digits: str = ""  # pressed in turn, each menu taking up to its max digits
    queue: QueueEnd = "answered"
    dial: DialEnd = "ANSWER"


@dataclass(frozen=True, slots=True)
class Evaluation:
    path: tuple[PathStep, ...]
    actions: tuple[str, ...]
    result: RouteResult

    def as_json(self) -> dict[str, object]:
        return {"path": [step.as_json() for step in self.path], "actions": list(self.actions),
                "outcome": self.result.as_json()}


@dataclass(slots=True)
class _ScriptedPbx:
    scenario: Scenario
    digits_left: str = ""
    variables: dict[str, str] = field(default_factory=dict)

    def reply(self, command: str) -> AgiReply:
        verb = command.split(" ", 2)
        if command.startswith("GET DATA"):
            return self._digits(int(verb[-1].rsplit(" ", 1)[-1]))
        if command.startswith("GET VARIABLE"):
            value = self.variables.get(verb[2])
            return AgiReply(200, f"1 ({value})" if value is not None else "0")
        if command.startswith("EXEC Queue"):
            return self._queue(command)
        if command.startswith("EXEC Dial"):
            self.variables["DIALSTATUS"] = self.scenario.dial
            return AgiReply(200, "-1" if self.scenario.dial == "ANSWER" else "0")
        if command.startswith("RECORD FILE"):
            return AgiReply(200, "-1 (hangup) endpos=48000")  # the caller hangs up after
        if command.startswith(("SET VARIABLE", "HANGUP")):
            return AgiReply(200, "1")
        return AgiReply(200, "0")

    def _digits(self, max_digits: int) -> AgiReply:
        pressed, self.digits_left = self.digits_left[:max_digits], self.digits_left[max_digits:]
        return AgiReply(200, pressed if pressed else " (timeout)")

    def _queue(self, command: str) -> AgiReply:
        options = command.removeprefix("EXEC Queue ").split(",")[1:2]
        go_on = self.scenario.queue == "agent_hung_up" and "c" in "".join(options)
        if go_on:
            self.variables["QUEUESTATUS"] = "CONTINUE"
            return AgiReply(200, "0")
        if self.scenario.queue in ("answered", "abandoned", "agent_hung_up"):
            return AgiReply(200, "-1")
        self.variables["QUEUESTATUS"] = QUEUE_STATUS[self.scenario.queue]
        return AgiReply(200, "0")


NO_SCENARIO = Scenario()


def evaluate(graph: RouteGraph, facts: CallFacts, scenario: Scenario = NO_SCENARIO,
             settings: WalkSettings = DEFAULT_SETTINGS) -> Evaluation:
    pbx = _ScriptedPbx(scenario, digits_left=scenario.digits)
    actions: list[str] = []
    steps = walk(graph, facts, settings)
    reply: AgiReply | None = None
    try:
        while True:
            instruction = steps.send(reply)
            if isinstance(instruction, Command):
                actions.append(instruction.text)
                reply = pbx.reply(instruction.text)
            else:
                reply = None
    except StopIteration as done:
        result: RouteResult = done.value
    return Evaluation(result.path, tuple(actions), result)
