"""The survey node of a route graph: a queue names it, the caller goes on to it when
the agent hangs up (Queue()'s 'c' option), keys 1-5 score the call, a wrong key or
silence gets one more try; and validation names the node and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from ccengine.routes.document import parse_graph
from ccengine.routes.model import RouteGraph
from ccengine.routes.validate import validate_graph
from tests.test_route_walk import EXAMPLE, nodes, run

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
SURVEY = {"kind": "survey", "prompt": "survey", "invalid_prompt": "invalid",
          "goodbye": "survey-thanks"}


def surveyed(**survey: Any) -> RouteGraph:
    """The example graph with a survey after queue posprzedaz's calls."""
    data = parse_graph(EXAMPLE.read_text(encoding="utf-8")).model_dump(mode="json",
                                                                      by_alias=True)
    data["nodes"]["ankieta"] = {**SURVEY, **survey}
    data["nodes"]["kolejka-posprzedaz"]["survey"] = "ankieta"
    return RouteGraph.model_validate(data)


def test_the_caller_rates_the_call_after_the_agent_hangs_up() -> None:
    result = run(surveyed(), digits="24", queue="agent_hung_up")
    assert nodes(result)[-2:] == ["kolejka-posprzedaz", "ankieta"]
    assert "EXEC Queue posprzedaz,tc,,,240" in result.actions
    assert result.path[-2].branch == "survey"
    assert result.path[-1].branch == "scored"
    assert result.actions[-3:] == ("GET DATA ccengine/survey 5000 1",
                                   "EXEC Playback ccengine/survey-thanks", "HANGUP")
    assert (result.result.ended_by, result.result.surveyed, result.result.survey_score) == (
        "survey", True, 4)


@pytest.mark.parametrize(("keys", "score", "tries"), [
    ("27", None, 2), ("2", None, 2), ("295", 5, 2), ("21", 1, 1)])
def test_a_wrong_key_or_silence_gets_one_more_try_then_no_score(
        keys: str, score: int | None, tries: int) -> None:
    result = run(surveyed(), digits=keys, queue="agent_hung_up")
    asked = [a for a in result.actions if a.startswith("GET DATA ccengine/survey")]
    assert len(asked) == tries
    assert result.result.survey_score == score
    assert result.path[-1].branch == ("scored" if score else "no_score")
    assert ("EXEC Playback ccengine/invalid" in result.actions) == (tries == 2)


def test_without_a_survey_the_queue_is_unchanged_and_the_call_ends() -> None:
    plain = parse_graph(EXAMPLE.read_text(encoding="utf-8"))
    result = run(plain, digits="2", queue="agent_hung_up")
    assert "EXEC Queue posprzedaz,t,,,240" in result.actions
    assert not result.result.surveyed and result.result.ended_by == "queue"
    # A survey elsewhere does not change another queue's calls.
    other = run(surveyed(), digits="3", queue="answered")
    assert "EXEC Queue reklamacje,t,,,240" in other.actions


def test_the_example_with_a_survey_validates_with_its_prompts() -> None:
    assert validate_graph(surveyed(), PROMPTS) == []


def test_validation_names_the_node_and_the_field() -> None:
    data = surveyed().model_dump(mode="json", by_alias=True)
    data["nodes"]["kolejka-posprzedaz"]["survey"] = "poczta"  # a voicemail node
    data["nodes"]["menu"]["fallback"] = "ankieta"  # a survey before any call
    issues = {(i.node, i.field) for i in validate_graph(RouteGraph.model_validate(data))}
    assert {("kolejka-posprzedaz", "survey"), ("menu", "fallback")} <= issues
    data = surveyed().model_dump(mode="json", by_alias=True)
    data["nodes"]["ankieta"]["prompt"] = "no-such-prompt"
    missing = validate_graph(RouteGraph.model_validate(data), PROMPTS)
    assert [(i.node, i.field) for i in missing] == [("ankieta", "prompt")]
    for field, value in (("attempts", 9), ("timeout_seconds", 0), ("prompt", "Zły!")):
        with pytest.raises(ValidationError) as raised:
            surveyed(**{field: value})
        [error] = raised.value.errors()
        assert error["loc"][:4] == ("nodes", "ankieta", "survey", field), error["loc"]
