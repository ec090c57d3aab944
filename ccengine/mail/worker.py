"""The e-mail receiver's place in the app: a feature module without endpoints whose
``setup`` starts ``MailReceiver`` with the engine (an API-only app leaves the
mailboxes to the engine's process), as the automation runner is started."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from ccengine.cancelling import cancel_and_wait
from ccengine.mail.ingest import Intake
from ccengine.mail.receiver import MailReceiver
from ccengine.web.endpoints import Endpoint
from ccengine.web.keys import CONFIG, ENGINE, sla_provider_of
from ccengine.web.params import DATABASE

__all__ = ["ENDPOINTS", "RECEIVER", "SCHEMAS", "setup"]

ENDPOINTS: tuple[Endpoint, ...] = ()
SCHEMAS: dict[str, dict[str, Any]] = {}
RECEIVER = web.AppKey("ccengine.mail_receiver", MailReceiver)


def setup(app: web.Application) -> None:
    config = app.get(CONFIG)
    if app.get(ENGINE) is None or config is None or not config.mail.receive:
        return
    receiver = MailReceiver(app[DATABASE], config.mail, Intake(tickets=config.tickets))
    app[RECEIVER] = receiver
    app.cleanup_ctx.append(lambda app: _running(app, receiver))


async def _running(app: web.Application, receiver: MailReceiver) -> AsyncIterator[None]:
    # Read at startup: whoever builds the app sets the SLA book first.
    receiver.intake = Intake(tickets=receiver.intake.tickets, sla=sla_provider_of(app))
    task = asyncio.create_task(receiver.run(), name="mail-receiver")
    yield
    await cancel_and_wait([task])
