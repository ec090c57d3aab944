// The calendar editor (admins): weekly hours per day ("08:00-12:00, 13:00-18:00"),
// the time zone, whose public holidays close it (the year's list from the server's
// `holidays`), and custom closed days. The server checks what the hours mean: an
// overlap comes back naming "hours.mon[1]" and is shown on Monday's hours.
import { api, clear, h, t } from "../app.js";
import { buttons, clearErrors, field, generalError, select, showRefusal } from "./sla_form.js";

const DAYS = [["mon", "Monday"], ["tue", "Tuesday"], ["wed", "Wednesday"], ["thu", "Thursday"],
              ["fri", "Friday"], ["sat", "Saturday"], ["sun", "Sunday"]];

export function calendarForm(calendar, { onSaved, onCancel }) {
  const creating = !calendar;
  const given = calendar || { name: "", timezone: "Europe/Warsaw", country: "PL", hours: {},
                              closed_days: [] };
  const closed = given.closed_days.map((day) => ({ ...day }));
  const inputs = {
    name: h("input", { name: "name", required: true, maxlength: "100", value: given.name }),
    timezone: h("input", { name: "timezone", required: true, maxlength: "64",
                           value: given.timezone }),
    country: select("country", [["PL", t("Poland (PL)")], ["", t("none")]],
                    given.country || ""),
    hours: Object.fromEntries(DAYS.map(([day]) => [day, h("input", {
      name: `hours-${day}`, placeholder: t("closed"), value: (given.hours[day] || []).join(", "),
    })])),
  };
  const closedList = h("div", { class: "sla-closed-days" });
  const holidays = h("div", { class: "sla-holidays" });
  const form = h("form", { class: "card sla-calendar-form", name: "calendar",
                           dataset: { calendar: given.name }, onsubmit: (e) => save(e) },
    h("h3", {}, creating ? t("New calendar") : t("Edit calendar {name}", { name: given.name })),
    creating ? field(t("Name"), inputs.name, "name") : null,
    h("div", { class: "row" }, field(t("Time zone"), inputs.timezone, "timezone"),
      field(t("Public holidays"), inputs.country, "country")),
    h("fieldset", { class: "sla-hours" }, h("legend", {}, t("Weekly hours")),
      DAYS.map(([day, label]) => field(t(label), inputs.hours[day], `hours.${day}`))),
    h("fieldset", {}, h("legend", {}, t("Closed days")), closedList),
    holidays, generalError(), buttons(onCancel));

  const readClosed = () => closed.forEach((day, index) => {
    const row = closedList.querySelectorAll(".sla-closed-day")[index];
    day.name = row.querySelector("[name=closed-name]").value.trim();
    day.from = row.querySelector("[name=closed-from]").value;
    day.to = row.querySelector("[name=closed-to]").value || day.from;
  });
  const drawClosed = () => clear(closedList,
    closed.map((day, index) => closedRow(day, index, () => {
      readClosed();
      closed.splice(index, 1);
      drawClosed();
    })),
    h("button", { type: "button", class: "add-closed-day", onclick: () => {
      readClosed();
      closed.push({ name: "", from: "", to: "" });
      drawClosed();
    } }, t("Add a closed day")));
  drawClosed();
  if (!creating) showHolidays(holidays, given);

  async function save(event) {
    event.preventDefault();
    clearErrors(form);
    readClosed();
    const body = {
      timezone: inputs.timezone.value.trim(), country: inputs.country.value || null,
      hours: Object.fromEntries(DAYS.map(([day]) => [day, ranges(inputs.hours[day].value)])
        .filter(([, list]) => list.length)),
      closed_days: closed.map((day) => ({ name: day.name, from: day.from, to: day.to || day.from })),
    };
    try {
      const saved = creating
        ? await api("POST", "/sla/calendars", { name: inputs.name.value.trim(), ...body })
        : await api("PUT", `/sla/calendars/${encodeURIComponent(given.name)}`, body);
      await onSaved(saved);
    } catch (error) {
      showRefusal(form, error);
    }
  }
  return form;
}

function ranges(text) {
  return text.split(/[,;]/).map((part) => part.trim()).filter(Boolean);
}

function closedRow(day, index, onRemove) {
  const at = `closed_days[${index}]`;
  return h("div", { class: "row sla-closed-day" },
    field(t("Name"), h("input", { name: "closed-name", required: true, maxlength: "200",
                                  value: day.name }), `${at}.name`),
    field(t("From"), h("input", { name: "closed-from", type: "date", required: true,
                                  value: day.from }), `${at}.from`),
    field(t("To"), h("input", { name: "closed-to", type: "date", value: day.to }), `${at}.to`),
    h("button", { type: "button", class: "link remove-closed-day", onclick: onRemove },
      t("Remove")));
}

// The public holidays that close it this year, as the server's `holidays` names them.
async function showHolidays(holder, calendar) {
  if (!calendar.country) return;
  try {
    const found = await api("GET",
      `/sla/calendars/${encodeURIComponent(calendar.name)}/holidays`);
    clear(holder, h("h4", {}, t("Public holidays {year}", { year: found.year })),
      h("ul", { class: "sla-holiday-list" }, found.items.map((item) =>
        h("li", { dataset: { date: item.date } }, h("time", { datetime: item.date }, item.date),
          " ", item.name))));
  } catch (error) {
    clear(holder, h("p", { class: "muted" }, t("Public holidays could not be loaded.")));
  }
}
