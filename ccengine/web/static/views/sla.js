// Calendars and SLA: every named calendar with what it means over the next 14 days
// (open hours, or why a day is closed), the SLA policies in order, and what a ticket
// opened now would be due under them. Admins edit calendars and policies in place
// (sla_calendar_form.js, sla_policy_form.js); the preview follows every save.
// The same calendars decide route graphs' time conditions and the SLA clocks.
import { api, clear, h, session, showError, t, toast } from "../app.js";
import { calendarForm } from "./sla_calendar_form.js";
import { policyForm } from "./sla_policy_form.js";
import { duePreview } from "./sla_preview.js";

const PREVIEW_DAYS = 14;
let shown = null; // the page on screen: unsaved() asks its editor

// An editor with changes not saved: the shell asks before the page is left.
export function unsaved() {
  return shown?.editor?.dataset.dirty === "true";
}

export async function render(root, ctx) {
  root.append(h("link", { rel: "stylesheet", href: "/static/css/sla.css" }));
  const page = { admin: ctx?.user?.role === "admin", calendars: h("div", { class: "sla-calendars" }),
                 policies: h("div", { class: "sla-policies" }), editor: null,
                 preview: duePreview(), calendarList: [] };
  shown = page;
  root.append(h("h1", {}, t("Calendars and SLA")), page.preview.element,
    h("h2", {}, t("Calendars")), page.calendars, h("h2", {}, t("SLA policies")), page.policies);
  await load(page);
}

async function load(page) {
  page.editor = null;
  try {
    const [calendarList, policyList] = await Promise.all([
      api("GET", "/sla/calendars"), api("GET", "/sla/policies")]);
    const previews = await Promise.all(calendarList.items.map((calendar) => api(
      "GET", `/sla/calendars/${encodeURIComponent(calendar.name)}/preview?days=${PREVIEW_DAYS}`)));
    page.calendarList = calendarList.items;
    clear(page.calendars, calendarList.items.map((c, i) => calendarCard(page, c, previews[i])),
      page.admin ? h("button", { type: "button", class: "new-calendar",
                                 onclick: () => editCalendar(page, null, page.calendars) },
        t("New calendar")) : null);
    clear(page.policies, policyTable(page, policyList.items),
      page.admin ? h("button", { type: "button", class: "new-policy",
                                 onclick: () => editPolicy(page, null, page.policies) },
        t("New SLA policy")) : null);
    await page.preview.refresh();
  } catch (error) {
    clear(page.calendars, h("p", { class: "error" }, t("Calendars and SLA policies could not be loaded.")));
    showError(error);
  }
}

// One editor at a time, shown where it was asked for; saving reloads the whole page's data.
function openEditor(page, form, where) {
  page.editor?.remove();
  page.editor = form;
  form.addEventListener("input", () => { form.dataset.dirty = "true"; });
  where.append(form);
  form.querySelector("input:not([type=hidden]), select")?.focus();
}

const closeEditor = (page) => () => { page.editor?.remove(); page.editor = null; };

function editCalendar(page, calendar, where) {
  openEditor(page, calendarForm(calendar, { onCancel: closeEditor(page), onSaved: async () => {
    toast(t("Calendar saved."));
    await load(page);
  } }), where);
}

function editPolicy(page, policy, where) {
  openEditor(page, policyForm(policy, page.calendarList, { onCancel: closeEditor(page),
    onSaved: async (saved) => {
      toast(saved ? t("SLA policy saved.") : t("SLA policy deleted."));
      await load(page);
    } }), where);
}

function calendarCard(page, calendar, preview) {
  const holidays = calendar.country
    ? t("public holidays: {country}", { country: calendar.country })
    : t("no public holidays");
  const closedDays = calendar.closed_days.length
    ? [t("closed days: {count}", { count: calendar.closed_days.length })] : [];
  const card = h("section", { class: "sla-calendar", dataset: { calendar: calendar.name } },
    h("h3", {}, calendar.name, page.admin ? h("button", { type: "button", class: "link edit",
      onclick: () => editCalendar(page, calendar, card) }, t("Edit")) : null),
    h("p", { class: "muted" }, [calendar.timezone, holidays, ...closedDays].join(" · ")),
    h("ol", { class: "sla-strip" }, preview.days.map(dayCell)));
  return card;
}

function dayCell(day) {
  const label = dayLabel(day.date);
  if (day.closed) {
    return h("li", { class: "sla-day closed", title: day.closed, dataset: { date: day.date } },
      h("span", { class: "sla-date" }, label), h("span", { class: "sla-why" }, closedText(day)));
  }
  const hours = day.open.map((interval) => `${clock(interval.start, day.date)}–${clock(interval.end, day.date)}`);
  return h("li", { class: "sla-day open", title: hours.join(", "), dataset: { date: day.date } },
    h("span", { class: "sla-date" }, label), ...hours.map((text) => h("span", {}, text)));
}

function closedText(day) {
  return day.closed === "no opening hours" ? t("closed") : day.closed;
}

// "2026-12-21T08:00:00+01:00" → "08:00": the calendar's own local time; an interval
// ending at the next midnight ends at 24:00.
function clock(iso, date) {
  return iso.slice(0, 10) === date ? iso.slice(11, 16) : "24:00";
}

function dayLabel(date) {
  const format = new Intl.DateTimeFormat(session().locale,
    { weekday: "short", day: "numeric", month: "numeric", timeZone: "UTC" });
  return format.format(new Date(`${date}T00:00:00Z`));
}

function policyTable(page, policies) {
  if (!policies.length) return h("p", { class: "empty" }, t("No SLA policies."));
  const holder = h("div", {});
  const table = h("table", { class: "sla-policy-table" },
    h("thead", {}, h("tr", {}, [t("Name"), t("Priority"), t("Applies to"),
      t("First response (FRT)"), t("Resolution (TTR)"), t("Calendar"), t("At 100 %"),
      page.admin ? "" : null].filter((title) => title !== null)
      .map((title) => h("th", {}, title)))),
    h("tbody", {}, policies.map((p) => h("tr", { dataset: { policy: p.name } },
      h("td", {}, p.name), h("td", {}, h("span", { class: `badge ${p.priority}` }, p.priority)),
      h("td", {}, appliesTo(p)), h("td", {}, duration(p.first_response)),
      h("td", {}, duration(p.resolution)), h("td", {}, p.calendar),
      h("td", { class: "escalation" }, p.escalation.map(escalationText).join(", ")),
      page.admin ? h("td", {}, h("button", { type: "button", class: "link edit",
        onclick: () => editPolicy(page, p, holder) }, t("Edit"))) : null))));
  return clear(holder, table);
}

function escalationText(action) {
  if (action === "raise_priority") return t("raise the priority");
  if (action === "assign_leader") return t("hand to the queue's leader");
  return t("move to queue {queue}", { queue: action.move_queue });
}

function appliesTo(policy) {
  const parts = [];
  if (policy.queue) parts.push(t("queue {queue}", { queue: policy.queue }));
  if (policy.category) parts.push(t("category {category}", { category: policy.category }));
  if (policy.vip === true) parts.push(t("VIP customers"));
  if (policy.vip === false) parts.push(t("customers who are not VIP"));
  return parts.length ? parts.join(", ") : t("every ticket of this priority");
}

function duration({ amount, unit }) {
  if (unit === "minutes") return t("{amount} min", { amount });
  if (unit === "hours") return t("{amount} h", { amount });
  return amount === 1 ? t("1 business day") : t("{amount} business days", { amount });
}
