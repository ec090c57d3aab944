"""Automation rules over HTTP (admins only: list, create, replace, enable or disable,
delete, reorder, the dry run "which rules would fire for this ticket"), a ticket's time
in each status (whoever may see the ticket), and the runner's place in the app.

Rule documents are checked by the pure core: a bad one is a 400 ``invalid-rule``
naming the field (``actions[1].value``); an action whose feature this installation
lacks (category and tags without the ticket fields) a 422 ``action-unavailable``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

from aiohttp import web

from ccengine.automation import service
from ccengine.automation.actions import ACTIONS
from ccengine.automation.conditions import CONDITIONS
from ccengine.automation.errors import (
    ActionUnavailable,
    AutomationError,
    InvalidOrder,
    RuleInvalid,
    RuleNameTaken,
    RuleNotFound,
)
from ccengine.automation.fields import TicketFields, features
from ccengine.automation.model import Event, Rule, Verdict
from ccengine.automation.rules import parse_rule, spec_json
from ccengine.automation.runner import AutomationRunner, Publish
from ccengine.automation.schemas import RULE_ID, SCHEMAS
from ccengine.cancelling import cancel_and_wait
from ccengine.notifications.api import notified
from ccengine.notifications.book import RoutingQueueMembers
from ccengine.users.models import Role
from ccengine.web.auth import principal
from ccengine.web.body import InvalidBody, json_object
from ccengine.web.endpoints import Endpoint
from ccengine.web.errors import InvalidParameter, Refusal, Unauthorized
from ccengine.web.keys import CONFIG, ENGINE, SLA_BOOK, clock_of, sla_provider_of
from ccengine.web.params import DATABASE, MAX_SQL_INT
from ccengine.web.tickets_api import NUMBER, READERS, viewer_of

__all__ = ["ENDPOINTS", "FIELDS", "RUNNER", "SCHEMAS", "setup"]

ADMINS = frozenset({Role.ADMIN})
RULES = "/api/v1/automation/rules"
# Category and tags: the ticket fields' setup installs their implementation here.
FIELDS = web.AppKey("ccengine.automation_fields", TicketFields)
RUNNER = web.AppKey("ccengine.automation_runner", AutomationRunner)
T = TypeVar("T")

_ERRORS: dict[type[AutomationError], tuple[int, str]] = {
    RuleInvalid: (400, "invalid-rule"), InvalidOrder: (400, "invalid-order"),
    ActionUnavailable: (422, "action-unavailable"), RuleNotFound: (404, "rule-not-found"),
    RuleNameTaken: (409, "rule-name-taken"),
}


class Refused(Refusal):
    TABLE = _ERRORS


async def _answer(work: Awaitable[T]) -> T:
    try:
        return await work
    except AutomationError as exc:
        raise Refused(exc) from None


def rule_json(rule: Rule) -> dict[str, Any]:
    return {"id": rule.id, "position": rule.position, **spec_json(rule.spec)}


def _rule_id(request: web.Request) -> int:
    raw = request.match_info["rule_id"]
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SQL_INT:
        raise InvalidParameter("rule_id", f"expected a rule id, got {raw!r}")
    return int(raw)


async def _spec(request: web.Request) -> Any:
    try:
        return parse_rule(await json_object(request), features(request.app.get(FIELDS)))
    except AutomationError as exc:
        raise Refused(exc) from None


async def list_rules(request: web.Request) -> web.Response:
    rules = await service.list_rules(request.app[DATABASE])
    return web.json_response({"items": [rule_json(rule) for rule in rules]})


async def create_rule(request: web.Request) -> web.Response:
    spec = await _spec(request)
    rule = await _answer(service.create_rule(request.app[DATABASE], spec,
                                             clock_of(request.app).now(),
                                             request.app.get(FIELDS)))
    return web.json_response(rule_json(rule))


async def show_rule(request: web.Request) -> web.Response:
    rule = await _answer(service.get_rule(request.app[DATABASE], _rule_id(request)))
    return web.json_response(rule_json(rule))


async def replace_rule(request: web.Request) -> web.Response:
    spec = await _spec(request)  # the body first: a bad one is a 400 before any lookup
    rule_id = _rule_id(request)
    rule = await _answer(service.replace_rule(request.app[DATABASE], rule_id, spec,
                                              clock_of(request.app).now(),
                                              request.app.get(FIELDS)))
    return web.json_response(rule_json(rule))


async def enable_rule(request: web.Request) -> web.Response:
    enabled = (await json_object(request)).get("enabled")
    rule_id = _rule_id(request)
    if not isinstance(enabled, bool):
        raise InvalidBody("enabled", "expected true or false")
    rule = await _answer(service.set_enabled(request.app[DATABASE], rule_id, enabled,
                                             clock_of(request.app).now()))
    return web.json_response(rule_json(rule))


async def delete_rule(request: web.Request) -> web.Response:
    await _answer(service.delete_rule(request.app[DATABASE], _rule_id(request)))
    return web.json_response({"deleted": True})


async def reorder_rules(request: web.Request) -> web.Response:
    ids = (await json_object(request)).get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                            for i in ids):
        raise InvalidBody("ids", "expected a list of rule ids")
    rules = await _answer(service.reorder(request.app[DATABASE], ids,
                                          clock_of(request.app).now()))
    return web.json_response({"items": [rule_json(rule) for rule in rules]})


async def test_rules(request: web.Request) -> web.Response:
    number = (await json_object(request)).get("ticket")
    if not isinstance(number, str) or not number or len(number) > 64 or "\x00" in number:
        raise InvalidBody("ticket", "expected a ticket number")
    who = principal(request)
    if who is None:
        raise Unauthorized()
    books = request.app.get(SLA_BOOK)
    calendars = (await books.current()).calendars if books is not None else {}
    verdicts = await service.dry_run(request.app[DATABASE], number, viewer_of(who),
                                     request.app.get(FIELDS), calendars,
                                     clock_of(request.app).now())
    return web.json_response({"ticket": number, "rules": [_verdict(v) for v in verdicts]})


def _verdict(verdict: Verdict) -> dict[str, Any]:
    rule = verdict.rule
    return {"id": rule.id, "name": rule.spec.name, "enabled": rule.spec.enabled,
            "event": str(rule.spec.trigger.event), "triggered": verdict.triggered,
            "fires": verdict.fires,
            "checks": [{"kind": c.kind, "passed": c.passed, "detail": c.detail,
                        "code": c.code, "params": dict(c.params)}
                       for c in verdict.checks]}


async def catalog(request: web.Request) -> web.Response:
    """What the editor offers: each condition and action with its input and whether
    this installation has it."""
    have = features(request.app.get(FIELDS))
    return web.json_response({
        "events": [str(event) for event in Event],
        "conditions": [{"kind": kind, "form": entry.form, "options": list(entry.options),
                        "available": not entry.needs_fields or "fields" in have}
                       for kind, entry in CONDITIONS.items()],
        "actions": [{"kind": kind, "form": entry.form, "options": list(entry.options),
                     "available": entry.needs is None or entry.needs in have}
                    for kind, entry in ACTIONS.items()]})


async def time_in_status(request: web.Request) -> web.Response:
    who = principal(request)
    if who is None:
        raise Unauthorized()
    kept = await service.time_in_status(request.app[DATABASE], request.match_info["number"],
                                        viewer_of(who), clock_of(request.app).now())
    return web.json_response(kept.as_json())


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", RULES, list_rules, ADMINS, summary="Automation rules, in running order",
             result="AutomationRuleList"),
    Endpoint("POST", RULES, create_rule, ADMINS, body="AutomationRuleInput",
             summary="Add a rule (it runs last); 400 invalid-rule naming the field, 422 "
                     "action-unavailable, 409 rule-name-taken", result="AutomationRule"),
    Endpoint("POST", f"{RULES}/order", reorder_rules, ADMINS, body="AutomationOrder",
             summary="Set the running order (every rule's id once)",
             result="AutomationRuleList"),
    Endpoint("POST", f"{RULES}/test", test_rules, ADMINS, body="AutomationTestInput",
             summary="Dry run: which rules would fire for this ticket now, and why "
                     "(nothing is changed)", result="AutomationTestResult"),
    Endpoint("GET", "/api/v1/automation/catalog", catalog, ADMINS,
             summary="The conditions and actions a rule may use, and which are available",
             result="AutomationCatalog"),
    Endpoint("GET", RULES + "/{rule_id}", show_rule, ADMINS, summary="One rule",
             parameters=[RULE_ID], result="AutomationRule"),
    Endpoint("PUT", RULES + "/{rule_id}", replace_rule, ADMINS, body="AutomationRuleInput",
             summary="Replace a rule (its place in the order stays)", parameters=[RULE_ID],
             result="AutomationRule"),
    Endpoint("PATCH", RULES + "/{rule_id}", enable_rule, ADMINS, body="AutomationEnabled",
             summary="Enable or disable a rule", parameters=[RULE_ID],
             result="AutomationRule"),
    Endpoint("DELETE", RULES + "/{rule_id}", delete_rule, ADMINS, summary="Delete a rule",
             parameters=[RULE_ID]),
    Endpoint("GET", "/api/v1/tickets/{number}/time-in-status", time_in_status, READERS,
             summary="Seconds the ticket spent in each status (eskalacja łączna)",
             parameters=[NUMBER], result="TimeInStatus"),
)


def setup(app: web.Application) -> None:
    """The runner lives with the engine (an API-only app leaves the events to it)."""
    engine = app.get(ENGINE)
    if engine is None:
        return
    runner = AutomationRunner(
        app[DATABASE], members=RoutingQueueMembers(engine.routing)
        if engine.routing is not None else None, publish=publisher(app))
    app[RUNNER] = runner
    app.cleanup_ctx.append(lambda app: _running(app, runner))


def publisher(app: web.Application) -> Publish:
    """The runner's rows reach the bell through this process's follower, as the SLA
    alerts' do: publishing them here as well would show each twice."""
    return lambda _user_id, _message: notified(app)


async def _running(app: web.Application, runner: AutomationRunner) -> AsyncIterator[None]:
    # Read at startup: whoever builds the app sets the SLA book and the fields first.
    runner.books = app.get(SLA_BOOK)
    runner.fields = app.get(FIELDS)
    runner.sla = sla_provider_of(app)
    config = app.get(CONFIG)
    if config is not None:
        runner.tickets = config.tickets
    task = asyncio.create_task(runner.run(), name="automation")
    yield
    await cancel_and_wait([task])
