"""Every ORM model module, imported once so ``Base.metadata`` knows all tables.

Alembic's environment and the migration tests import this; a new model
module is added here and nowhere else.
"""

from __future__ import annotations

from ccengine.agents import storage_models as agent_models
from ccengine.automation import storage_models as automation_models
from ccengine.csat import storage_models as csat_models
from ccengine.customers import storage_models as customer_models
from ccengine.dispositions import storage_models as disposition_models
from ccengine.forms import storage_models as form_models
from ccengine.mail import storage_models as mail_models
from ccengine.notifications import storage_models as notification_models
from ccengine.qa import storage_models as qa_models
from ccengine.replies import storage_models as reply_models
from ccengine.routes import storage_models as route_models
from ccengine.sla import storage_models as sla_models
from ccengine.ticket_fields import storage_models as ticket_field_models
from ccengine.tickets import relations_models as ticket_relation_models
from ccengine.tickets.models import Base
from ccengine.transcribe import storage_models as transcription_models
from ccengine.users import models as user_models
from ccengine.webhooks import storage_models as webhook_models

MODEL_MODULES = (agent_models, customer_models, notification_models, qa_models, route_models,
                 automation_models, sla_models, ticket_relation_models, transcription_models,
                 user_models, ticket_field_models,
                 disposition_models, mail_models, form_models, csat_models, webhook_models,
                 reply_models)

__all__ = ["MODEL_MODULES", "Base"]
