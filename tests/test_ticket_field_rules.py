"""The pure rules of ticket fields: tags, the category tree, custom values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccengine.routes.document import parse_graph
from ccengine.ticket_fields.errors import InvalidCustomValue, InvalidTag
from ccengine.ticket_fields.my_queues import queues_with_member
from ccengine.ticket_fields.rules import (
    CategoryNode,
    Choice,
    FieldDefinition,
    FieldKind,
    canonical_value,
    category_path,
    in_subtree,
    moves_under_itself,
    normalise_tag,
    normalise_tags,
    subtree,
    tree_order,
    typed_value,
)
from tests.browser import EXAMPLE_GRAPH

TREE = {node.id: node for node in (
    CategoryNode(1, "Reklamacje", None, 1),
    CategoryNode(2, "Zwroty", None, 0),
    CategoryNode(3, "Uszkodzony towar", 1, 0),
    CategoryNode(4, "Kurier", 3, 0, retired=True),
    CategoryNode(5, "Brak towaru", 1, 1),
)}


def test_a_tag_is_folded_and_dashed() -> None:
    assert normalise_tag("  Faktura  VAT ") == "faktura-vat"
    assert normalise_tag("ŻÓŁW_pilny") == "żółw-pilny"
    assert normalise_tag("v2.1") == "v2.1"


@pytest.mark.parametrize("raw", ["", "   ", "a" * 51, "zły;tag", "<b>"])
def test_a_tag_that_is_no_tag_is_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_tag(raw)


def test_tags_lose_duplicates_and_name_the_bad_one() -> None:
    assert normalise_tags(["VIP", "vip ", "Zwrot"]) == ("vip", "zwrot")
    with pytest.raises(InvalidTag) as refused:
        normalise_tags(["ok", "no;pe"])
    assert refused.value.field == "tags[1]"


@given(st.text(max_size=60))
def test_normalising_twice_changes_nothing(raw: str) -> None:
    try:
        once = normalise_tag(raw)
    except ValueError:
        return
    assert normalise_tag(once) == once


def test_category_path_subtree_and_cycles() -> None:
    assert category_path(TREE, 4) == ("Reklamacje", "Uszkodzony towar", "Kurier")
    assert category_path(TREE, None) == ()
    assert subtree(TREE, 1) == {1, 3, 4, 5}
    assert in_subtree(TREE, 4, 3) and not in_subtree(TREE, 2, 1)
    assert moves_under_itself(TREE, 1, 4)  # under its own grandchild
    assert not moves_under_itself(TREE, 4, 2)
    assert not moves_under_itself(TREE, 3, None)


def test_tree_order_is_depth_first_by_position() -> None:
    assert [(node.id, depth) for node, depth in tree_order(TREE.values())] == [
        (2, 0), (1, 0), (3, 1), (4, 2), (5, 1)]


AMOUNT = FieldDefinition("amount", FieldKind.NUMBER, "Kwota", "Amount")
PLAN = FieldDefinition("plan", FieldKind.CHOICE, "Plan", "Plan",
                       (Choice("gold", "Złoty", "Gold"), Choice("basic", "Podst.", "Basic")))
DUE = FieldDefinition("due", FieldKind.DATE, "Termin", "Due")
NOTE = FieldDefinition("note", FieldKind.TEXT, "Uwaga", "Note")


@pytest.mark.parametrize(("definition", "raw", "stored"), [
    (AMOUNT, "12.50", "12.5"), (AMOUNT, 12.5, "12.5"), (AMOUNT, 100, "100"),
    (AMOUNT, "-0.0", "0"), (PLAN, "gold", "gold"), (DUE, "2026-12-24", "2026-12-24"),
    (NOTE, "  umowa 7/2026 ", "umowa 7/2026"),
])
def test_values_are_stored_canonically(definition: FieldDefinition, raw: object,
                                       stored: str) -> None:
    assert canonical_value(definition, raw) == stored


@pytest.mark.parametrize(("definition", "raw"), [
    (AMOUNT, "12,5"), (AMOUNT, True), (AMOUNT, "1e9"), (AMOUNT, float("nan")),
    (PLAN, "platinum"), (DUE, "24.12.2026"), (DUE, "2026-02-30"), (NOTE, ""),
    (NOTE, 7), (NOTE, "x" * 501),
])
def test_a_value_the_kind_refuses_names_the_field(definition: FieldDefinition,
                                                  raw: object) -> None:
    with pytest.raises(InvalidCustomValue) as refused:
        canonical_value(definition, raw)
    assert refused.value.field == f"custom_fields.{definition.key}"


def test_numbers_come_back_as_numbers() -> None:
    assert typed_value(AMOUNT, "12.5") == 12.5
    assert typed_value(AMOUNT, "100") == 100
    assert typed_value(PLAN, "gold") == "gold"


def test_an_agents_queues_are_those_listing_their_interface() -> None:
    graph = parse_graph(EXAMPLE_GRAPH.read_text())
    assert "sprzedaz" in queues_with_member([graph], "PJSIP/agent1")
    assert queues_with_member([graph], "PJSIP/nobody") == frozenset()
