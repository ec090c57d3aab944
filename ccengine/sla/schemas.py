"""Request bodies (pydantic, with limits) and OpenAPI schemas of the SLA endpoints.

The pydantic models check shapes and sizes only; what the hours *mean*
(overlaps, 'HH:MM-HH:MM', time zones, countries) is the core's to check, so
its errors name the field the way the core does ('hours.mon[1]').
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ccengine.sla.hours import MAX_NAME, NAME_PATTERN, WEEKDAYS
from ccengine.web.endpoints import nullable, ref

Schema = dict[str, Any]
MAX_RANGES_PER_DAY = 8
MAX_CLOSED_DAYS = 366
MAX_ESCALATIONS = 5
MAX_AMOUNT = 100_000
PREVIEW_DAYS, MAX_PREVIEW_DAYS = 14, 62

Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME, pattern=NAME_PATTERN)]
RangeText = Annotated[str, Field(max_length=11)]  # "HH:MM-HH:MM"; the core reads it
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Unit = Literal["minutes", "hours", "business_days"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ClosedDayInput(_Input):
    name: str = Field(min_length=1, max_length=200)
    start: date = Field(alias="from")
    end: date | None = Field(default=None, alias="to")  # default: the one day


class CalendarInput(_Input):
    name: Name | None = None  # required on create; on replace the path's name
    timezone: str = Field(min_length=1, max_length=64)
    hours: dict[Weekday, Annotated[list[RangeText], Field(max_length=MAX_RANGES_PER_DAY)]]
    country: str | None = Field(default="PL", max_length=8)
    closed_days: list[ClosedDayInput] = Field(default=[], max_length=MAX_CLOSED_DAYS)


class DurationInput(_Input):
    amount: int = Field(ge=0, le=MAX_AMOUNT)
    unit: Unit


class MoveQueue(_Input):
    move_queue: str = Field(min_length=1, max_length=MAX_NAME)


class PolicyInput(_Input):
    name: Name | None = None
    priority: Literal["P1", "P2", "P3", "P4"]
    queue: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    category: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    vip: bool | None = None
    first_response: DurationInput
    resolution: DurationInput
    calendar: Name
    escalation: list[Literal["raise_priority", "assign_leader"] | MoveQueue] = Field(
        default=[], max_length=MAX_ESCALATIONS)


# -- OpenAPI ----------------------------------------------------------------------------

NAME: Schema = {"type": "string", "minLength": 1, "maxLength": MAX_NAME,
                "pattern": NAME_PATTERN}
RANGES: Schema = {"type": "array", "maxItems": MAX_RANGES_PER_DAY,
                  "items": {"type": "string", "maxLength": 11, "example": "08:00-18:00"}}
DAY: Schema = {"type": "string", "format": "date"}
DURATION: Schema = {"type": "object", "required": ["amount", "unit"], "properties": {
    "amount": {"type": "integer", "minimum": 0, "maximum": MAX_AMOUNT},
    "unit": {"type": "string", "enum": ["minutes", "hours", "business_days"]}}}
ESCALATION: Schema = {"oneOf": [
    {"type": "string", "enum": ["raise_priority", "assign_leader"]},
    {"type": "object", "required": ["move_queue"], "properties": {
        "move_queue": {"type": "string", "minLength": 1, "maxLength": MAX_NAME}}}]}
STAMPS: Schema = {"version": {"type": "integer"},
                  "updated_at": {"type": "string", "format": "date-time"}}

CALENDAR_FIELDS: Schema = {
    "name": NAME,
    "timezone": {"type": "string", "maxLength": 64, "example": "Europe/Warsaw"},
    "hours": {"type": "object", "properties": {day: RANGES for day in WEEKDAYS},
              "additionalProperties": False,
              "description": "open ranges per weekday (24:00 ends at midnight); "
                             "a missing day is closed; ranges must not overlap"},
    "country": nullable("string", maxLength=8,
                        description="whose public holidays close the calendar (PL); null: none"),
    "closed_days": {"type": "array", "maxItems": MAX_CLOSED_DAYS, "items": {
        "type": "object", "required": ["name", "from"], "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "from": DAY, "to": {**DAY, "description": "last day, included; default: from"}}}},
}
POLICY_FIELDS: Schema = {
    "name": NAME,
    "priority": {"type": "string", "enum": ["P1", "P2", "P3", "P4"]},
    "queue": nullable("string", maxLength=MAX_NAME, description="null: any queue"),
    "category": nullable("string", maxLength=MAX_NAME, description="null: any category"),
    "vip": nullable("boolean", description="null: VIP or not"),
    "first_response": DURATION, "resolution": DURATION, "calendar": NAME,
    "escalation": {"type": "array", "maxItems": MAX_ESCALATIONS, "items": ESCALATION},
}
INTERVAL: Schema = {"type": "object", "properties": {
    "start": {"type": "string", "format": "date-time"},
    "end": {"type": "string", "format": "date-time"}}}

SCHEMAS: dict[str, Schema] = {
    "SlaCalendarInput": {"type": "object", "required": ["timezone", "hours"],
                         "additionalProperties": False, "properties": CALENDAR_FIELDS,
                         "description": "name is required on create; on replace it is "
                                        "the path's (a different one is refused)"},
    "SlaCalendar": {"type": "object", "properties": {**CALENDAR_FIELDS, **STAMPS}},
    "SlaCalendarList": {"type": "object", "properties": {
        "items": {"type": "array", "items": ref("SlaCalendar")}}},
    "SlaCalendarPreview": {"type": "object", "properties": {
        "name": NAME, "timezone": {"type": "string"},
        "days": {"type": "array", "items": {"type": "object", "properties": {
            "date": DAY, "weekday": {"type": "string"},
            "closed": nullable("string", description="why the whole day is closed"),
            "open": {"type": "array", "items": INTERVAL,
                     "description": "open intervals, local times with offsets"}}}}}},
    "SlaPolicyInput": {"type": "object",
                       "required": ["priority", "first_response", "resolution", "calendar"],
                       "additionalProperties": False, "properties": POLICY_FIELDS},
    "SlaPolicy": {"type": "object", "properties": {
        **POLICY_FIELDS, "position": {"type": "integer"}, **STAMPS}},
    "SlaPolicyList": {"type": "object", "properties": {
        "items": {"type": "array", "items": ref("SlaPolicy")}}},
}
