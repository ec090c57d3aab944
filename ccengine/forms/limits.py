"""How often the public may post a form: per client address and form, and per form in
all. The login limiter's database-backed counter, reused: several engine processes
share it, and its sweep forgets ended windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ccengine.db import Database
from ccengine.users.ratelimit import LoginLimiter

WINDOW = timedelta(minutes=1)
PER_ADDRESS = 5  # a person sends a form once; a few retries
PER_FORM = 120  # every address together: a flood from many addresses stops here
EVERYONE = "*"


@dataclass(frozen=True, slots=True)
class FormLimits:
    per_address: LoginLimiter
    per_form: LoginLimiter

    @classmethod
    def of(cls, database: Database, per_address: int = PER_ADDRESS,
           per_form: int = PER_FORM, window: timedelta = WINDOW) -> FormLimits:
        return cls(LoginLimiter(database, per_address, window),
                   LoginLimiter(database, per_form, window))

    @property
    def retry_after(self) -> int:
        return int(self.per_address.window.total_seconds())

    async def admit(self, key: str, address: str) -> bool:
        """Count one post; False past either limit (the answer is then 429)."""
        if not await self.per_address.attempt(f"form:{key}", address):
            return False
        return await self.per_form.attempt(f"form:{key}", EVERYONE)
