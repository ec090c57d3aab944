"""updated_since on tickets, calls and customers (issue 13, item 14): a sync client
reads every change at or after a moment, oldest first, in a stable page order."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_tickets_api import World, world  # noqa: F401  (a fixture used below)

PAST = "2000-01-01T00:00:00%2B00:00"
FUTURE = "2099-01-01T00:00:00Z"


async def _page(world: World, path: str) -> list[dict[str, Any]]:  # noqa: F811
    body = await world.call("crm", "GET", path)
    assert body["total"] == len(body["items"])
    items = body["items"]
    assert isinstance(items, list)
    return items


async def test_tickets_changed_since_come_oldest_change_first(
        world: World) -> None:  # noqa: F811
    everything = await _page(world, f"/tickets?updated_since={PAST}&per_page=200")
    assert {t["number"] for t in everything} == set(world.numbers.values())
    moments = [t["updated_at"] for t in everything]
    assert moments == sorted(moments)
    assert await _page(world, f"/tickets?updated_since={FUTURE}") == []

    changed = await world.call("admin", "PATCH", f"/tickets/{world.numbers['open2']}",
                               json={"priority": "P1"})
    since = changed["ticket"]["updated_at"].replace("+", "%2B")
    later = await _page(world, f"/tickets?updated_since={since}")
    assert [t["number"] for t in later] == [world.numbers["open2"]]  # inclusive


async def test_calls_written_since_include_those_moved_by_a_merge(
        world: World) -> None:  # noqa: F811
    written = await _page(world, f"/calls?updated_since={PAST}&per_page=200")
    assert len(written) == len(world.numbers)
    assert await _page(world, f"/calls?updated_since={FUTURE}") == []
    kept, duplicate = [
        (await world.call("admin", "GET", f"/customers?q={phone}"))["items"][0]["id"]
        for phone in ("%2B48602999888", "%2B48603777666")]
    merged = await world.call("admin", "POST", f"/customers/{duplicate}/merge",
                              json={"into": kept})
    since = merged["updated_at"].replace("+", "%2B")
    moved = await _page(world, f"/calls?updated_since={since}")
    assert [call["caller_number"] for call in moved] == ["+48603777666"]
    tickets = await _page(world, f"/tickets?updated_since={since}")
    assert [t["number"] for t in tickets] == [world.numbers["open2"]]


@pytest.mark.parametrize("path", ["/tickets", "/calls", "/customers"])
@pytest.mark.parametrize("value", ["yesterday", "1900-01-01T00:00:00Z", "2026-13-01"])
async def test_a_bad_moment_is_a_400_naming_the_parameter(
        world: World, path: str, value: str) -> None:  # noqa: F811
    refused = await world.call("crm", "GET", f"{path}?updated_since={value}", 400)
    assert refused["error"] == "invalid-parameter"
    assert "updated_since" in refused["message"]
