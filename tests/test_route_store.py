"""RouteStore on SQLite and PostgreSQL: versions, publishing, the stamp, concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ccengine.db import Database
from ccengine.routes.document import GraphInvalid, dump_graph, graph_from_data, parse_graph
from ccengine.routes.model import RouteGraph
from ccengine.routes.storage_models import RouteStatus, RouteVersion
from ccengine.routes.store import PublishedStamp, RouteNotFound, RouteStore

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ecommerce-routes.yaml"


def example_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return data


def example(name: str = "ecommerce") -> RouteGraph:
    return graph_from_data({**example_data(), "name": name})


def broken() -> RouteGraph:
    """Well-formed, so it can be saved, but its menu points nowhere."""
    data = example_data()
    data["nodes"]["menu"]["options"]["1"] = "nie-ma-takiego"
    return graph_from_data(data)


class Clock:
    """Strictly increasing times, so published_at differs even on a fast machine."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def store(database: Database) -> RouteStore:
    return RouteStore(database, clock=Clock())


async def statuses(store: RouteStore, name: str = "ecommerce") -> dict[int, RouteStatus]:
    return {info.version: info.status for info in await store.versions(name)}


async def test_versions_count_up_per_name(store: RouteStore) -> None:
    assert await store.save_draft(example()) == 1
    assert await store.save_draft(example(), author="jan", comment="nowe menu") == 2
    assert await store.save_draft(example("serwis")) == 1
    assert await store.names() == ["ecommerce", "serwis"]
    versions = await store.versions("ecommerce")
    assert [(v.version, v.status, v.author, v.comment) for v in versions] == [
        (1, RouteStatus.DRAFT, None, None), (2, RouteStatus.DRAFT, "jan", "nowe menu")]
    assert versions[0].created_at < versions[1].created_at
    assert versions[0].published_at is None


async def test_concurrent_drafts_get_distinct_versions(store: RouteStore) -> None:
    numbers = await asyncio.gather(*(store.save_draft(example()) for _ in range(5)))
    assert sorted(numbers) == [1, 2, 3, 4, 5]


async def test_publish_retires_the_previous_version(store: RouteStore) -> None:
    await store.save_draft(example())
    await store.save_draft(example())
    await store.publish("ecommerce", 1, None)
    assert await statuses(store) == {1: RouteStatus.PUBLISHED, 2: RouteStatus.DRAFT}
    await store.publish("ecommerce", 2, None)
    assert await statuses(store) == {1: RouteStatus.RETIRED, 2: RouteStatus.PUBLISHED}
    [live] = await store.published()
    assert (live.name, live.version, live.status) == ("ecommerce", 2, RouteStatus.PUBLISHED)
    assert live.published_at is not None and live.graph == example()


async def test_publishing_a_retired_version_rolls_back(store: RouteStore) -> None:
    await store.save_draft(example())
    await store.save_draft(example())
    await store.publish("ecommerce", 1, None)
    await store.publish("ecommerce", 2, None)
    await store.publish("ecommerce", 1, None)
    assert await statuses(store) == {1: RouteStatus.PUBLISHED, 2: RouteStatus.RETIRED}


async def test_an_invalid_graph_is_refused_and_the_old_one_stays(store: RouteStore) -> None:
    await store.save_draft(example())
    await store.publish("ecommerce", 1, None)
    before = await store.published_stamp()
    assert await store.save_draft(broken()) == 2  # drafts are not validated
    with pytest.raises(GraphInvalid) as refused:
        await store.publish("ecommerce", 2, None)
    [issue] = [i for i in refused.value.issues if i.field == "options.1"]
    assert (issue.node, issue.message) == ("menu", "unknown node 'nie-ma-takiego'")
    assert await statuses(store) == {1: RouteStatus.PUBLISHED, 2: RouteStatus.DRAFT}
    assert await store.published_stamp() == before


async def test_a_missing_prompt_refuses_publishing(store: RouteStore, tmp_path: Path) -> None:
    for prompt in ("welcome", "menu"):  # far from all the example uses
        (tmp_path / f"{prompt}.wav").write_bytes(b"")
    await store.save_draft(example())
    with pytest.raises(GraphInvalid) as refused:
        await store.publish("ecommerce", 1, tmp_path)
    assert ("poczta", "prompt") in {(i.node, i.field) for i in refused.value.issues}
    assert await store.published() == []


async def test_the_stamp_changes_on_every_publish(store: RouteStore) -> None:
    empty = await store.published_stamp()
    assert empty == (0, 0, None)
    await store.save_draft(example())
    await store.save_draft(example())
    assert await store.published_stamp() == empty  # drafts do not change what is live
    stamps: list[PublishedStamp] = [empty]
    for version in (1, 2, 1):
        await store.publish("ecommerce", version, None)
        stamps.append(await store.published_stamp())
    assert len(set(stamps)) == 4
    await store.publish("ecommerce", 1, None)  # already published: nothing changes
    assert await store.published_stamp() == stamps[-1]


async def test_concurrent_publishes_leave_exactly_one_published(store: RouteStore) -> None:
    for _ in range(6):
        await store.save_draft(example())
    await store.publish("ecommerce", 1, None)
    for _ in range(3):  # a few rounds, to give a race every chance to show
        await asyncio.gather(*(store.publish("ecommerce", v, None) for v in (2, 3, 4, 5, 6)))
        found = await statuses(store)
        published = [v for v, status in found.items() if status == RouteStatus.PUBLISHED]
        assert len(published) == 1
        assert set(found.values()) == {RouteStatus.PUBLISHED, RouteStatus.RETIRED}
        assert (await store.get("ecommerce")).version == published[0]


async def test_the_database_refuses_a_second_published_row(
        store: RouteStore, database: Database) -> None:
    await store.save_draft(example())
    await store.save_draft(example())
    await store.publish("ecommerce", 1, None)
    async with database.writer() as session:
        with pytest.raises(IntegrityError):
            await session.execute(update(RouteVersion).where(RouteVersion.version == 2)
                                  .values(status=RouteStatus.PUBLISHED.value))


async def test_get_without_a_version(store: RouteStore) -> None:
    await store.save_draft(example())
    await store.save_draft(example())
    assert (await store.get("ecommerce")).version == 2  # nothing published: the latest
    await store.publish("ecommerce", 1, None)
    await store.save_draft(example())
    latest_live = await store.get("ecommerce")
    assert (latest_live.version, latest_live.status) == (1, RouteStatus.PUBLISHED)
    assert (await store.get("ecommerce", 3)).status == RouteStatus.DRAFT


async def test_unknown_names_and_versions(store: RouteStore) -> None:
    with pytest.raises(RouteNotFound, match="no route graph named 'brak'"):
        await store.get("brak")
    with pytest.raises(RouteNotFound, match="no route graph named 'brak'"):
        await store.versions("brak")
    await store.save_draft(example())
    with pytest.raises(RouteNotFound, match="route graph 'ecommerce' has no version 7") as exc:
        await store.get("ecommerce", 7)
    assert (exc.value.name, exc.value.version) == ("ecommerce", 7)
    with pytest.raises(RouteNotFound):
        await store.publish("ecommerce", 7, None)
    assert await store.names() == ["ecommerce"]


async def test_the_document_is_the_whole_graph(store: RouteStore, database: Database) -> None:
    graph = example()
    await store.save_draft(graph)
    async with database.sessions() as session:
        document = await session.scalar(select(RouteVersion.document))
    assert document == graph.model_dump(mode="json", by_alias=True)
    assert document is not None and document["nodes"]["menu"]["attempts"] == 2


async def test_export_and_import_round_trip(store: RouteStore) -> None:
    original = parse_graph(EXAMPLE.read_text(encoding="utf-8"))
    await store.save_draft(original)
    exported = dump_graph((await store.get("ecommerce")).graph)
    again = parse_graph(exported)
    assert again == original
    assert await store.save_draft(again) == 2
    assert dump_graph((await store.get("ecommerce", 2)).graph) == exported
