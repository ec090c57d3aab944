"""What goes wrong with rules; the web layer's table gives each a status and an id."""

from __future__ import annotations


class AutomationError(Exception):
    """Any refused automation request."""


class RuleInvalid(AutomationError):
    """A rule's document is malformed; ``field`` names where (``actions[1].value``)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class ActionUnavailable(AutomationError):
    """An action (or condition) whose feature this installation does not have yet:
    category and tags until the ticket fields are wired (reply templates and webhooks
    are always here)."""

    def __init__(self, field: str, kind: str) -> None:
        super().__init__(f"{field}: {kind!r} is not available in this installation yet")
        self.field = field


class RuleNotFound(AutomationError):
    def __init__(self, rule_id: int) -> None:
        super().__init__(f"no automation rule {rule_id}")


class RuleNameTaken(AutomationError):
    def __init__(self, name: str) -> None:
        super().__init__(f"an automation rule is already named {name!r}")


class InvalidOrder(AutomationError):
    def __init__(self, problem: str) -> None:
        super().__init__(f"ids: {problem}")
        self.field = "ids"
