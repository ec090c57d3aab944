// Calendars and SLA (admins): every named calendar with what it means over the next
// 14 days (open hours, or why a day is closed), and the SLA policies in order.
// The same calendars decide route graphs' time conditions and the SLA clocks.
import { api, clear, h, session, showError, t } from "../app.js";

const PREVIEW_DAYS = 14;

export async function render(root) {
  root.append(h("link", { rel: "stylesheet", href: "/static/css/sla.css" }));
  const calendars = h("div", { class: "sla-calendars" });
  const policies = h("div", { class: "sla-policies" });
  root.append(h("h1", {}, t("Calendars and SLA")),
    h("h2", {}, t("Calendars")), calendars, h("h2", {}, t("SLA policies")), policies);
  try {
    const [calendarList, policyList] = await Promise.all([
      api("GET", "/sla/calendars"), api("GET", "/sla/policies")]);
    const previews = await Promise.all(calendarList.items.map((calendar) => api(
      "GET", `/sla/calendars/${encodeURIComponent(calendar.name)}/preview?days=${PREVIEW_DAYS}`)));
    clear(calendars, ...calendarList.items.map((c, i) => calendarCard(c, previews[i])));
    clear(policies, policyTable(policyList.items));
  } catch (error) {
    clear(calendars, h("p", { class: "error" }, t("Calendars and SLA policies could not be loaded.")));
    showError(error);
  }
}

function calendarCard(calendar, preview) {
  const holidays = calendar.country
    ? t("public holidays: {country}", { country: calendar.country })
    : t("no public holidays");
  const closedDays = calendar.closed_days.length
    ? [t("closed days: {count}", { count: calendar.closed_days.length })] : [];
  return h("section", { class: "sla-calendar", dataset: { calendar: calendar.name } },
    h("h3", {}, calendar.name),
    h("p", { class: "muted" }, [calendar.timezone, holidays, ...closedDays].join(" · ")),
    h("ol", { class: "sla-strip" }, preview.days.map(dayCell)));
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

function policyTable(policies) {
  if (!policies.length) return h("p", { class: "empty" }, t("No SLA policies."));
  return h("table", { class: "sla-policy-table" },
    h("thead", {}, h("tr", {}, [t("Name"), t("Priority"), t("Applies to"),
      t("First response (FRT)"), t("Resolution (TTR)"), t("Calendar")].map((title) => h("th", {}, title)))),
    h("tbody", {}, policies.map((p) => h("tr", { dataset: { policy: p.name } },
      h("td", {}, p.name), h("td", {}, h("span", { class: `badge ${p.priority}` }, p.priority)),
      h("td", {}, appliesTo(p)), h("td", {}, duration(p.first_response)),
      h("td", {}, duration(p.resolution)), h("td", {}, p.calendar)))));
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
