// A ticket's life after the work, on the ticket page: the "Snoozed until …" badge,
// the "Snooze until…" control (a date-time picker and presets, read in the contact
// center's time zone, whatever the browser's) and the follow-up links both ways.
// Part of ticket_view.js.
import { api, fmtDateTime, h, session, showError, t, toast } from "../app.js";

export function snoozedBadge(ticket) {
  if (!ticket.snoozed_until) return null;
  return h("span", { class: "badge snoozed", dataset: { until: ticket.snoozed_until } },
    t("Snoozed until {when}", { when: fmtDateTime(ticket.snoozed_until) }));
}

function ticketLink(number) {
  return h("a", { href: `#/tickets/${encodeURIComponent(number)}`, class: "ticket-link" },
    number);
}

// [label, value] facts for the header: what this ticket follows up, and its follow-ups.
export function followUpFacts(detail) {
  const facts = [];
  if (detail.follow_up_of) {
    facts.push([t("Follow-up of"), h("span", { class: "follow-up-of" },
      ticketLink(detail.follow_up_of))]);
  }
  if (detail.follow_ups?.length) {
    facts.push([t("Follow-ups"), h("span", { class: "follow-ups" },
      detail.follow_ups.flatMap((number, i) => (i ? [", ", ticketLink(number)]
        : [ticketLink(number)])))]);
  }
  return facts;
}

export function lifeKindName(kind) {
  return { snooze: t("Snooze"), follow_up: t("Follow-up"), automation: t("Automation") }[kind];
}

const FINISHED = new Set(["resolved", "closed"]);

export function snoozeCard(detail, redraw) {
  const ticket = detail.ticket;
  if (FINISHED.has(ticket.status)) return null;
  const number = encodeURIComponent(ticket.number);
  const picker = h("input", { type: "datetime-local", name: "until", required: true });
  const send = async (until) => {
    try {
      redraw(await api("POST", `/tickets/${number}/snooze`, { until }));
      toast(t("Snoozed."));
    } catch (error) {
      if (error.error === "snooze-in-the-past") toast(t("Pick a moment in the future."), "error");
      else showError(error);
    }
  };
  const submit = (event) => {
    event.preventDefault();
    if (picker.value) send(zonedToUtc(picker.value).toISOString());
  };
  const wake = async () => {
    try {
      redraw(await api("DELETE", `/tickets/${number}/snooze`));
      toast(t("Back to work."));
    } catch (error) {
      showError(error);
    }
  };
  const preset = (label, name, moment) => h("button", { type: "button", class: "preset",
    dataset: { preset: name }, onclick: () => send(moment().toISOString()) }, label);
  return h("form", { class: "card row ticket-snooze", name: "snooze", onsubmit: submit },
    h("label", {}, t("Snooze until…"), picker),
    h("button", { type: "submit" }, t("Snooze")),
    preset(t("1 h"), "hour", () => new Date(Date.now() + 3600_000)),
    preset(t("tomorrow 8:00"), "tomorrow", () => atEight(1)),
    preset(t("next Monday 8:00"), "monday", () => atEight(daysToMonday())),
    ticket.snoozed_until ? h("button", { type: "button", name: "wake", onclick: wake },
      t("Wake now")) : null);
}

// -- the contact center's wall clock ----------------------------------------------------

function wallParts(date) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: session().timezone, hourCycle: "h23", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", weekday: "short",
  }).formatToParts(date);
  const value = Object.fromEntries(parts.map((p) => [p.type, p.value]));
  return { year: +value.year, month: +value.month, day: +value.day, hour: +value.hour,
           minute: +value.minute, second: +value.second, weekday: value.weekday };
}

// The zone's offset from UTC at that moment, in milliseconds.
function offsetAt(ms) {
  const p = wallParts(new Date(ms));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - ms;
}

// A wall-clock time in the contact center's zone → the moment (DST-safe: the offset is
// read again at the first guess).
function wallToUtc(year, month, day, hour, minute) {
  const naive = Date.UTC(year, month - 1, day, hour, minute);
  const first = naive - offsetAt(naive);
  return new Date(naive - offsetAt(first));
}

// The picker's "YYYY-MM-DDTHH:MM" read in the contact center's zone.
export function zonedToUtc(local) {
  const [date, time] = local.split("T");
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  return wallToUtc(year, month, day, hour, minute);
}

function atEight(daysAhead) {
  const today = wallParts(new Date());
  const day = new Date(Date.UTC(today.year, today.month - 1, today.day + daysAhead));
  return wallToUtc(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), 8, 0);
}

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function daysToMonday() {
  const index = WEEKDAYS.indexOf(wallParts(new Date()).weekday);
  return 7 - index;  // Monday → next Monday (7), Sunday → tomorrow (1)
}
