"""Domain errors of ticket fields; ``web.errors`` maps them to statuses and stable ids.
Each names the body field to blame (``field``), e.g. ``custom_fields.contract``.

They are ticket errors: a bulk edit reports one per ticket (its id) and goes on.
"""

from __future__ import annotations

from ccengine.tickets.errors import TicketError


class FieldsError(TicketError):
    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class UnknownCategory(FieldsError):
    field = "category"

    def __init__(self, category_id: int, field: str = "category") -> None:
        super().__init__(f"no category {category_id}", field)


class CategoryRetired(FieldsError):
    field = "category"

    def __init__(self, name: str) -> None:
        super().__init__(f"category {name!r} is retired: it takes no new tickets")


class CategoryParentRetired(FieldsError):
    field = "parent_id"

    def __init__(self, name: str) -> None:
        super().__init__(f"category {name!r} is retired: a category in use cannot stand "
                         "under it (bring the parent back, or move this one elsewhere)")


class CategoryCycle(FieldsError):
    field = "parent_id"

    def __init__(self) -> None:
        super().__init__("a category cannot move under itself or one of its subcategories")


class CategoryNameTaken(FieldsError):
    field = "name"

    def __init__(self, name: str) -> None:
        super().__init__(f"a sibling category is already called {name!r}")


class InvalidTag(FieldsError):
    def __init__(self, index: int, problem: str) -> None:
        super().__init__(f"tag {index}: {problem}", f"tags[{index}]")


class UnknownCustomField(FieldsError):
    def __init__(self, key: str) -> None:
        super().__init__(f"no custom field {key!r}", f"custom_fields.{key}")


class InvalidCustomValue(FieldsError):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"custom field {key!r}: {problem}", f"custom_fields.{key}")


class RequiredFieldMissing(FieldsError):
    def __init__(self, key: str) -> None:
        super().__init__(f"custom field {key!r} is required: it needs a value before the "
                         "ticket is resolved or closed, and cannot be cleared",
                         f"custom_fields.{key}")


class FieldKeyTaken(FieldsError):
    field = "key"

    def __init__(self, key: str) -> None:
        super().__init__(f"a custom field {key!r} exists already")


class ChoiceInUse(FieldsError):
    field = "choices"

    def __init__(self, key: str, choice: str) -> None:
        super().__init__(f"choice {choice!r} of {key!r} is on tickets: keep it (retire the "
                         "field instead)")


class ViewNotFound(FieldsError):
    field = "view"

    def __init__(self, view: str) -> None:
        super().__init__(f"no saved view {view!r} you may see")


class ViewNotYours(FieldsError):
    def __init__(self) -> None:
        super().__init__("only its owner or an admin changes a saved view")


class SharingRefused(FieldsError):
    field = "shared"

    def __init__(self) -> None:
        super().__init__("only admins and privileged agents share views")


class ViewNameTaken(FieldsError):
    field = "name"

    def __init__(self, name: str) -> None:
        super().__init__(f"you have a view called {name!r} already")
