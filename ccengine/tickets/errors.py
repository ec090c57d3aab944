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
