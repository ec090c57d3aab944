"""The SLA facts' rules (pure): first response, pauses, resolution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ccengine.config import ConfigError, TicketsConfig, load_config
from ccengine.sla.clock import Pause, SlaFacts
from ccengine.tickets.enums import ResponseKind, TicketStatus
from ccengine.tickets.models import Ticket
from ccengine.tickets.sla_facts import (
    PauseFacts,
    first_response,
    pause_wanted,
    pauses_after,
    pauses_from_json,
    pauses_to_json,
    resolved_at,
    sla_facts_of,
)

T0 = datetime(2026, 12, 23, 16, 30, tzinfo=UTC)
ALL = tuple(ResponseKind)
H = timedelta(hours=1)


def test_the_first_counted_response_is_kept() -> None:
    first = first_response(None, ResponseKind.PUBLIC_NOTE, T0, ALL)
    assert first == T0
    assert first_response(first, ResponseKind.ANSWERED_CALL, T0 + H, ALL) == T0


def test_an_earlier_response_learned_late_wins() -> None:
    # A call's record is written when it ends, after a note written during it.
    assert first_response(T0, ResponseKind.ANSWERED_CALL, T0 - H, ALL) == T0 - H


def test_a_kind_not_counted_changes_nothing() -> None:
    counted = (ResponseKind.ANSWERED_CALL,)
    assert first_response(None, ResponseKind.PUBLIC_NOTE, T0, counted) is None
    assert first_response(T0, ResponseKind.REACHED_CALLBACK, T0 - H, counted) == T0


def test_waiting_for_the_customer_is_the_only_status_that_pauses() -> None:
    assert [s for s in TicketStatus if pause_wanted(s)] == [TicketStatus.WAITING_FOR_CUSTOMER]


def test_a_pause_opens_and_closes() -> None:
    opened = pauses_after(PauseFacts(), True, T0)
    assert opened == PauseFacts(T0, ())
    closed = pauses_after(opened, False, T0 + H)
    assert closed == PauseFacts(None, ((T0, T0 + H),))
    again = pauses_after(pauses_after(closed, True, T0 + 2 * H), False, T0 + 3 * H)
    assert again.pauses == ((T0, T0 + H), (T0 + 2 * H, T0 + 3 * H))


def test_an_open_pause_keeps_its_start_and_no_pause_closes_twice() -> None:
    opened = PauseFacts(T0, ())
    assert pauses_after(opened, True, T0 + H) == opened  # a snooze on top of waiting
    assert pauses_after(PauseFacts(), False, T0) == PauseFacts()


def test_a_clock_stepping_back_gives_an_empty_pause_not_a_negative_one() -> None:
    assert pauses_after(PauseFacts(T0, ()), False, T0 - H).pauses == ((T0, T0),)


def test_resolution_is_set_on_close_kept_while_closed_and_cleared_on_reopen() -> None:
    resolved = resolved_at(None, TicketStatus.CLOSED, T0)
    assert resolved == T0
    assert resolved_at(resolved, TicketStatus.CLOSED, T0 + H) == T0
    assert resolved_at(resolved, TicketStatus.IN_PROGRESS, T0 + H) is None


def test_pauses_round_trip_through_json_in_utc() -> None:
    warsaw = timezone(timedelta(hours=1))
    pauses = ((T0.astimezone(warsaw), T0 + H),)
    stored = pauses_to_json(pauses)
    assert stored == [["2026-12-23T16:30:00+00:00", "2026-12-23T17:30:00+00:00"]]
    assert pauses_from_json(stored) == ((T0, T0 + H),)
    assert pauses_from_json(None) == ()


def test_the_config_counts_calls_callbacks_notes_and_replies_by_default() -> None:
    assert TicketsConfig().first_response == (
        ResponseKind.ANSWERED_CALL, ResponseKind.REACHED_CALLBACK, ResponseKind.PUBLIC_NOTE,
        ResponseKind.AGENT_REPLY)
    reply_only = TicketsConfig.model_validate({"first_response": ["agent_reply"]})
    assert reply_only.first_response == (ResponseKind.AGENT_REPLY,)


def test_an_unknown_kind_of_response_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "ccengine.toml"
    config.write_text('[tickets]\nfirst_response = ["answered_call", "a_smile"]\n')
    with pytest.raises(ConfigError, match=r"tickets\.first_response\.1"):
        load_config(config, environ={})


def test_the_clocks_read_the_closed_pauses_then_the_open_one() -> None:
    row = Ticket(created_at=T0, first_response_at=T0 + H, resolved_at=None,
                 sla_pauses=pauses_to_json([(T0 + H, T0 + 2 * H)]),
                 sla_paused_since=T0 + 3 * H)
    assert sla_facts_of(row) == SlaFacts(T0, T0 + H, None, (Pause(T0 + H, T0 + 2 * H),
                                                              Pause(T0 + 3 * H, None)))
