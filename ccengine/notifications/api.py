"""The bell: a user's own notifications (list, mark read) and their websocket topic; and
the SLA alert scheduler's place in the app (it lives with the engine).

Every operation is about the caller's own notifications: nobody, not even an admin,
reads or marks another user's.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from ccengine.cancelling import cancel_and_wait
from ccengine.config import AlertsConfig
from ccengine.notifications import service
from ccengine.notifications.book import BuiltInBookProvider, RoutingQueueMembers
from ccengine.notifications.follower import FOLLOW_EVERY, NotificationFollower
from ccengine.notifications.model import AlertBookProvider
from ccengine.notifications.scheduler import AlertScheduler
from ccengine.notifications.schemas import (
    DEFAULT_LIMIT,
    LIST_PARAMETERS,
    MAX_LIMIT,
    NOTIFICATION_ID,
    SCHEMAS,
)
from ccengine.users.models import HUMAN_ROLES
from ccengine.users.service import Principal
from ccengine.web.auth import principal
from ccengine.web.endpoints import Endpoint
from ccengine.web.errors import ApiError, InvalidParameter
from ccengine.web.hub import setup_hub
from ccengine.web.keys import CONFIG, ENGINE, SLA_BOOK
from ccengine.web.params import DATABASE, MAX_SQL_INT, integer

__all__ = ["ALERT_BOOKS", "ENDPOINTS", "FOLLOWER", "FOLLOW_SECONDS", "SCHEMAS", "TOPIC",
           "notified", "setup"]

log = logging.getLogger(__name__)

TOPIC = "notifications"
# Another SLA book for the alerts than the app's stored one (SLA_BOOK), e.g. in tests.
ALERT_BOOKS = web.AppKey("ccengine.sla_alert_books", AlertBookProvider)
SCHEDULER = web.AppKey("ccengine.sla_alert_scheduler", AlertScheduler)
# Every process's bell feed (see follower): writers nudge it, it publishes on the hub.
FOLLOWER = web.AppKey("ccengine.notification_follower", NotificationFollower)
# Another poll interval than FOLLOW_EVERY (tests), read at startup.
FOLLOW_SECONDS = web.AppKey("ccengine.notification_follow_seconds", float)
_CURSOR = re.compile(r"^([ur])([0-9]{1,10})$")


class NotificationMissing(ApiError):
    status, error_id = 404, "notification-not-found"


def _user_id(request: web.Request) -> int:
    who = principal(request)
    if who is None or who.user_id is None:  # roles let only users through
        raise web.HTTPForbidden()
    return who.user_id


def _cursor(request: web.Request) -> service.Cursor | None:
    raw = request.query.get("cursor")
    if not raw:
        return None
    found = _CURSOR.match(raw)
    if found is None or int(found.group(2)) > MAX_SQL_INT:
        raise InvalidParameter("cursor", "expected the next_cursor of a previous page")
    return service.Cursor(found.group(1) == "r", int(found.group(2)))


async def list_notifications(request: web.Request) -> web.Response:
    limit = integer(request, "limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    page = await service.list_own(request.app[DATABASE], _user_id(request), limit,
                                  _cursor(request))
    return web.json_response({
        "items": [item.as_api() for item in page.items], "unread": page.unread,
        "next_cursor": page.next_cursor.text() if page.next_cursor else None})


def _notification_id(request: web.Request) -> int:
    raw = request.match_info["notification_id"]
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SQL_INT:
        raise InvalidParameter("notification_id", f"expected a notification id, got {raw!r}")
    return int(raw)


async def read_one(request: web.Request) -> web.Response:
    wanted = _notification_id(request)
    try:
        view = await service.mark_read(request.app[DATABASE], _user_id(request), wanted,
                                       datetime.now(UTC))
    except service.NotificationNotFound as exc:
        raise NotificationMissing(str(exc)) from None
    return web.json_response(view.as_api())


async def read_all(request: web.Request) -> web.Response:
    marked = await service.mark_all_read(request.app[DATABASE], _user_id(request),
                                         datetime.now(UTC))
    return web.json_response({"marked": marked, "unread": 0})


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/notifications", list_notifications, HUMAN_ROLES,
             summary="Your own notifications (SLA alerts ...), unread first, newest first; "
                     "with the unread count", parameters=LIST_PARAMETERS,
             result="NotificationPage"),
    Endpoint("POST", "/api/v1/notifications/{notification_id}/read", read_one, HUMAN_ROLES,
             summary="Mark one of your notifications read (404 notification-not-found "
                     "for another user's)", parameters=[NOTIFICATION_ID],
             result="Notification"),
    Endpoint("POST", "/api/v1/notifications/read-all", read_all, HUMAN_ROLES,
             summary="Mark all your notifications read", result="NotificationsMarked"),
)


async def _unread_message(app: web.Application, who: Principal) -> list[dict[str, Any]]:
    """What a tab gets on subscribing: the bell's count."""
    if who.user_id is None:
        return []
    async with app[DATABASE].sessions() as session:
        unread = await service.unread_count(session, who.user_id)
    return [{"type": "notifications", "unread": unread}]


def notified(app: web.Application) -> None:
    """This process committed notifications: its follower publishes them now (every
    other process's follower finds them on its next poll)."""
    follower = app.get(FOLLOWER)
    if follower is not None:
        follower.nudge()


def setup(app: web.Application) -> None:
    hub = setup_hub(app)
    hub.topic(TOPIC, lambda who: _unread_message(app, who))
    follower = app[FOLLOWER] = NotificationFollower(
        app[DATABASE], lambda user_id, view: hub.publish(
            TOPIC, {"type": "notification", "notification": view.as_api()}, user_id),
        lambda user_id: hub.clients_of(user_id) > 0)
    app.cleanup_ctx.append(lambda app: _following(app, follower))
    engine = app.get(ENGINE)
    config = app.get(CONFIG)
    alerts = config.alerts if config is not None else AlertsConfig()
    if engine is None or not alerts.enabled:
        return  # an API-only app: the engine's process sends the alerts
    # The bell only: users have no e-mail address yet. Once they do, an AlertMail
    # (model.py) passed as ``mail=`` here writes its outbox row in the alert's transaction.
    scheduler = AlertScheduler(
        app[DATABASE], BuiltInBookProvider(),
        RoutingQueueMembers(engine.routing) if engine.routing is not None else None,
        lambda _user_id, _message: follower.nudge(), batch=alerts.batch)
    app[SCHEDULER] = scheduler
    app.cleanup_ctx.append(lambda app: _scheduling(app, scheduler, alerts.every_seconds))


async def _scheduling(app: web.Application, scheduler: AlertScheduler,
                      every: float) -> AsyncIterator[None]:
    # Read at startup, so whoever builds the app may set ALERT_BOOKS after setup_api;
    # by default the stored book the API edits and the route walk reads.
    scheduler.books = app.get(ALERT_BOOKS) or app.get(SLA_BOOK) or scheduler.books
    task = asyncio.create_task(scheduler.run(every), name="sla-alerts")
    yield
    await cancel_and_wait([task])



async def _following(app: web.Application,
                     follower: NotificationFollower) -> AsyncIterator[None]:
    follower.every = app.get(FOLLOW_SECONDS, FOLLOW_EVERY)
    try:  # here, so what is written once the app answers is delivered
        await follower.start()
    except Exception:  # the database away: the app starts, the follower tries again
        log.exception("notifications: cannot read where to follow from; retrying")
    task = asyncio.create_task(follower.run(), name="notification-follower")
    yield
    await cancel_and_wait([task])
