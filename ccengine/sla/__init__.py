"""SLA clocks on the contact center's own calendar: the pure core.

calendar (hours, zone, holidays) → business_time (arithmetic on open time) →
policy (what is promised, which policy, when due) → clock (state of a ticket's clocks).
"""

from ccengine.sla.business_time import add_business_time, business_time_between
from ccengine.sla.calendar import DEFAULT_BUSINESS, BusinessCalendar, CalendarError, ClosedDay
from ccengine.sla.clock import (
    ALERT_THRESHOLDS,
    ClockStatus,
    Pause,
    SlaFacts,
    SlaState,
    SlaStatus,
    sla_status,
    threshold_moments,
)
from ccengine.sla.policy import (
    Duration,
    PolicyError,
    SlaPolicy,
    choose_policy,
    default_policies,
    due_after,
)

__all__ = [
    "ALERT_THRESHOLDS",
    "DEFAULT_BUSINESS",
    "BusinessCalendar",
    "CalendarError",
    "ClockStatus",
    "ClosedDay",
    "Duration",
    "Pause",
    "PolicyError",
    "SlaFacts",
    "SlaPolicy",
    "SlaState",
    "SlaStatus",
    "add_business_time",
    "business_time_between",
    "choose_policy",
    "default_policies",
    "due_after",
    "sla_status",
    "threshold_moments",
]
