"""The feature modules of the web application, each a list of ``Endpoint`` values.

A feature module exposes ``ENDPOINTS`` and ``SCHEMAS`` (OpenAPI component
schemas its endpoints name), and may expose ``setup(app)`` for what is not an
API operation (a websocket, a startup hook). Adding a feature is one line here.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

from aiohttp import web

from ccengine.agents import api as agent_api
from ccengine.agents import callbacks_api
from ccengine.automation import api as automation_api
from ccengine.crm import api as crm_api
from ccengine.csat import api as csat_api
from ccengine.customers import api as customers_api
from ccengine.customers import organisations_api
from ccengine.dispositions import api as dispositions_api
from ccengine.forms import api as forms_api
from ccengine.mail import api as mail_api
from ccengine.mail import mailboxes_api
from ccengine.mail import worker as mail_worker
from ccengine.notifications import api as notifications_api
from ccengine.qa import api as qa_api
from ccengine.replies import api as replies_api
from ccengine.replies import templates_api as reply_templates_api
from ccengine.sla import api as sla_api
from ccengine.sla import preview_api as sla_preview_api
from ccengine.ticket_fields import api as ticket_fields_api
from ccengine.ticket_fields import views_api as ticket_views_api
from ccengine.tickets import life_api, manual_api, relations_api
from ccengine.users.models import Role
from ccengine.web import i18n, routes_api, tickets_api, wallboard
from ccengine.web.endpoints import Endpoint, register
from ccengine.webhooks import api as webhooks_api

FEATURES: tuple[ModuleType, ...] = (
    i18n, tickets_api, customers_api, organisations_api, agent_api, callbacks_api, routes_api,
    qa_api, sla_api, wallboard, notifications_api, relations_api, life_api, manual_api,
    sla_preview_api, automation_api, ticket_fields_api, ticket_views_api, dispositions_api,
    mailboxes_api, forms_api, csat_api, webhooks_api, mail_worker, mail_api, crm_api,
    replies_api, reply_templates_api)


def feature_endpoints() -> Iterator[Endpoint]:
    for feature in FEATURES:
        yield from feature.ENDPOINTS


def feature_schemas() -> dict[str, dict[str, Any]]:
    schemas: dict[str, dict[str, Any]] = {}
    for feature in FEATURES:
        schemas.update(feature.SCHEMAS)
    return schemas


def feature_permissions() -> dict[tuple[str, str], frozenset[Role]]:
    """The roles allowed on each feature endpoint that is not public."""
    return {e.key: e.roles for e in feature_endpoints() if not e.public}


def feature_public() -> frozenset[tuple[str, str]]:
    """The feature endpoints that need no authentication."""
    return frozenset(e.key for e in feature_endpoints() if e.public)


def setup_features(app: web.Application) -> None:
    register(app, feature_endpoints())
    for feature in FEATURES:
        setup = getattr(feature, "setup", None)
        if setup is not None:
            setup(app)
