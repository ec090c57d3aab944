"""Domain errors of the ticket side; the web layer maps them to HTTP."""

from __future__ import annotations

from ccengine.tickets.enums import TicketStatus


class TicketError(Exception):
    """Base of every ticket-side domain error."""


class TicketNotFound(TicketError):
    def __init__(self, number: str) -> None:
        super().__init__(f"ticket {number} not found")
        self.number = number


class CallNotFound(TicketError):
    def __init__(self, pbx: str, linkedid: str) -> None:
        super().__init__(f"call {pbx}/{linkedid} not found")
        self.pbx = pbx
        self.linkedid = linkedid


class InvalidTransition(TicketError):
    def __init__(self, number: str, current: TicketStatus, target: TicketStatus) -> None:
        super().__init__(f"ticket {number} cannot go from {current} to {target}")
        self.number = number
        self.current = current
        self.target = target


class CustomerNotFound(TicketError):
    def __init__(self, phone: str) -> None:
        super().__init__(f"no customer with number {phone}")
        self.phone = phone


class InvalidPhoneNumber(TicketError):
    def __init__(self, number: str) -> None:
        super().__init__(f"{number!r} is not a valid phone number")
        self.number = number


class MergeIntoItself(TicketError):
    def __init__(self, number: str) -> None:
        super().__init__(f"ticket {number} cannot be merged into itself")
        self.number = number
        self.field = "into"


class TicketMerged(TicketError):
    """The ticket was merged into another: it takes no part in merges or links."""

    def __init__(self, number: str, into: str) -> None:
        super().__init__(f"ticket {number} was merged into {into}; use {into}")
        self.number = number
        self.into = into


class MergeIntoClosed(TicketError):
    def __init__(self, number: str) -> None:
        super().__init__(f"ticket {number} is finished (resolved or closed): reopen it before "
                         "merging into it")
        self.number = number
        self.field = "into"


class LinkToItself(TicketError):
    def __init__(self) -> None:
        super().__init__("a ticket cannot be linked to itself")
        self.field = "number"


class LinkExists(TicketError):
    def __init__(self, number: str, other: str) -> None:
        super().__init__(f"tickets {number} and {other} are already linked (remove it first)")
        self.field = "number"


class LinkNotFound(TicketError):
    def __init__(self, number: str, other: str) -> None:
        super().__init__(f"tickets {number} and {other} are not linked")
        self.field = "number"


class CallNotOnTicket(TicketError):
    def __init__(self, number: str, call_id: int) -> None:
        super().__init__(f"call {call_id} is not a call of ticket {number}")
        self.field = "call_id"


class OnlyCall(TicketError):
    def __init__(self, number: str) -> None:
        super().__init__(f"the call is the only call of ticket {number}: nothing to split off")
        self.field = "call_id"


class SnoozeInThePast(TicketError):
    field = "until"

    def __init__(self, number: str, until: str) -> None:
        super().__init__(f"ticket {number}: a snooze must end in the future, not {until}")
        self.number = number


class SnoozeTooFar(TicketError):
    field = "until"

    def __init__(self, number: str, until: str) -> None:
        super().__init__(f"ticket {number}: a snooze may last a year at most, not until {until}")
        self.number = number


class TicketFinished(TicketError):
    def __init__(self, number: str, status: str) -> None:
        super().__init__(f"ticket {number} is {status}: finished work cannot be snoozed")
        self.number = number
