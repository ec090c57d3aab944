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
