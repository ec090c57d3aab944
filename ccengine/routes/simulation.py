"""One call simulated on a graph, as the CLI and the web editor both ask for it.

The caller's and the dialled numbers come as people type them; they are read
here the way the engine reads Asterisk's, so a simulation takes the route a
real call would. A graph with issues is refused (a walk could reach a node
that does not exist), and so is anything that is not a number where a DID is
needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ccengine.config import RoutesConfig
from ccengine.routes.document import GraphInvalid
from ccengine.routes.evaluate import Evaluation, Scenario, evaluate
from ccengine.routes.model import RouteGraph
from ccengine.routes.routing import walk_settings
from ccengine.routes.validate import validate_graph
from ccengine.routes.walk import CallFacts
from ccengine.sla.calendar import BusinessCalendar
from ccengine.tickets.phones import is_e164, normalise

ANONYMOUS = frozenset({"", "anonymous"})


class BadCallFact(ValueError):
    """A fact of the simulated call is unusable; ``field`` names which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class SimulatedCall:
    """The call as given: numbers as typed, ``at`` with or without a zone."""

    did: str
    caller: str | None
    at: datetime
    vip: bool = False


def did_number(text: str, region: str) -> str:
    number = normalise(text, region)
    if number is None or not is_e164(number):
        raise BadCallFact("did", f"{text!r} is not a phone number (DID patterns are E.164)")
    return number


def caller_number(text: str | None, region: str) -> str | None:
    if text is None or text.strip().lower() in ANONYMOUS:
        return None
    # An extension or other non-number stays as given, as Asterisk would send it.
    return normalise(text, region)


def aware(at: datetime, zone: str) -> datetime:
    """``at`` itself if it has a zone, else read in ``zone`` (the graph's)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=ZoneInfo(zone))


def simulate(graph: RouteGraph, call: SimulatedCall, scenario: Scenario, region: str,
             config: RoutesConfig,
             calendars: Mapping[str, BusinessCalendar] | None = None) -> Evaluation:
    """The route ``call`` takes; GraphInvalid if the graph has issues, BadCallFact
    if a number is unusable. Prompts are not checked: a simulation plays nothing.
    ``calendars``: the named calendars (the SLA book's); None: none at hand, a node
    naming one then takes it as unknown."""
    issues = validate_graph(graph, None, calendars.keys() if calendars is not None else None)
    if issues:
        raise GraphInvalid(issues)
    facts = CallFacts(did=did_number(call.did, region), caller=caller_number(call.caller, region),
                      at=aware(call.at, graph.timezone), customer_vip=call.vip)
    return evaluate(graph, facts, scenario, walk_settings(config, calendars))


def default_prompts_dir(config: RoutesConfig) -> Path | None:
    """The folder prompts are checked against, or None for no prompt check.

    The configured folder counts only where it exists: a checkout without
    prompts can still validate everything else.
    """
    folder = Path(config.prompts_dir)
    return folder if folder.is_dir() else None
