"""The receiver's way into ``mail.parsing``: big messages are parsed off the event loop."""

from __future__ import annotations

import asyncio

from ccengine.mail.model import ParsedMail
from ccengine.mail.parsing import parse_message

__all__ = ["parse"]


async def parse(raw: bytes) -> ParsedMail:
    return await asyncio.to_thread(parse_message, raw)
