"""Domain errors of customers; the web layer maps them to HTTP (``web.errors``)."""

from __future__ import annotations


class CustomerError(Exception):
    """Base of every customer domain error; ``field`` names the body field to blame."""

    field: str | None = None


class NoSuchCustomer(CustomerError):
    def __init__(self, ref: str) -> None:
        super().__init__(f"no customer {ref}")


class PhoneTaken(CustomerError):
    field = "phones"

    def __init__(self, phone: str, other: int) -> None:
        super().__init__(f"{phone} is already customer {other}'s number")
        self.phone, self.other = phone, other


class EmailTaken(CustomerError):
    field = "emails"

    def __init__(self, address: str, other: int) -> None:
        super().__init__(f"{address} is already customer {other}'s e-mail")
        self.address, self.other = address, other


class ExternalIdTaken(CustomerError):
    field = "external_id"

    def __init__(self, external_id: str, other: int) -> None:
        super().__init__(f"external id {external_id!r} is already customer {other}'s")
        self.external_id, self.other = external_id, other


class MergeIntoItself(CustomerError):
    field = "into"

    def __init__(self, customer_id: int) -> None:
        super().__init__(f"customer {customer_id} cannot be merged into itself")


class VipNotYours(CustomerError):
    """A plain agent flags VIP only customers of tickets she sees (VIP calls jump queues)."""

    field = "vip"

    def __init__(self, customer_id: int) -> None:
        super().__init__(f"customer {customer_id} has no ticket of yours: ask a senior "
                         "agent to change the VIP flag")


class NoSuchOrganisation(CustomerError):
    field = "organisation_id"

    def __init__(self, ref: str) -> None:
        super().__init__(f"no organisation {ref}")


class OrganisationValueTaken(CustomerError):
    """Another organisation has this NIP or external id (``field`` says which)."""

    def __init__(self, field: str, value: str, other: int) -> None:
        super().__init__(f"{field} {value!r} is already organisation {other}'s")
        self.field, self.other = field, other
