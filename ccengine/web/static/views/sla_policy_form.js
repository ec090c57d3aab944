// The SLA policy editor (admins): priority, optionally a queue and VIP customers,
// first response (FRT) and resolution (TTR) times, the calendar they count on, and
// what happens at 100 % (raise the priority, hand to the queue's leader, move queue).
import { api, h, t } from "../app.js";
import { buttons, clearErrors, field, generalError, select, showRefusal } from "./sla_form.js";

const UNITS = () => [["minutes", t("minutes")], ["hours", t("hours")],
                     ["business_days", t("business days")]];

export function policyForm(policy, calendars, { onSaved, onCancel }) {
  const creating = !policy;
  const given = policy || { name: "", priority: "P2", queue: null, vip: null,
                            category: null, calendar: calendars[0]?.name || "",
                            first_response: { amount: 1, unit: "hours" },
                            resolution: { amount: 8, unit: "hours" }, escalation: [] };
  const moveTo = given.escalation.find((action) => typeof action === "object");
  const inputs = {
    name: h("input", { name: "name", required: true, maxlength: "100", value: given.name }),
    priority: select("priority", ["P1", "P2", "P3", "P4"].map((p) => [p, p]), given.priority),
    queue: h("input", { name: "queue", maxlength: "100", value: given.queue || "",
                        placeholder: t("any queue") }),
    vip: select("vip", [["", t("VIP or not")], ["true", t("VIP customers")],
                        ["false", t("customers who are not VIP")]],
                given.vip === null ? "" : String(given.vip)),
    frtAmount: amount("first-response-amount", given.first_response.amount),
    frtUnit: select("first-response-unit", UNITS(), given.first_response.unit),
    ttrAmount: amount("resolution-amount", given.resolution.amount),
    ttrUnit: select("resolution-unit", UNITS(), given.resolution.unit),
    calendar: select("calendar", calendars.map((c) => [c.name, c.name]), given.calendar),
    raise: h("input", { type: "checkbox", name: "raise-priority",
                        checked: given.escalation.includes("raise_priority") }),
    leader: h("input", { type: "checkbox", name: "assign-leader",
                         checked: given.escalation.includes("assign_leader") }),
    move: h("input", { name: "move-queue", maxlength: "100", value: moveTo?.move_queue || "",
                       placeholder: t("no move") }),
  };
  const form = h("form", { class: "card sla-policy-form", name: "policy",
                           dataset: { policy: given.name }, onsubmit: (e) => save(e) },
    h("h3", {}, creating ? t("New SLA policy") : t("Edit policy {name}", { name: given.name })),
    creating ? field(t("Name"), inputs.name, "name") : null,
    h("div", { class: "row" }, field(t("Priority"), inputs.priority, "priority"),
      field(t("Queue"), inputs.queue, "queue"), field(t("Customers"), inputs.vip, "vip")),
    h("div", { class: "row" },
      field(t("First response (FRT)"), inputs.frtAmount, "first_response.amount"),
      field(t("Unit"), inputs.frtUnit, "first_response.unit"),
      field(t("Resolution (TTR)"), inputs.ttrAmount, "resolution.amount"),
      field(t("Unit"), inputs.ttrUnit, "resolution.unit"),
      field(t("Calendar"), inputs.calendar, "calendar")),
    h("fieldset", { class: "sla-escalation" },
      h("legend", {}, t("At 100 %")),
      h("label", {}, inputs.raise, " ", t("raise the priority")),
      h("label", {}, inputs.leader, " ", t("hand to the queue's leader")),
      field(t("move to queue"), inputs.move, "escalation")),
    generalError(),
    buttons(onCancel, creating ? null : h("button", { type: "button", class: "danger delete",
                                                       onclick: () => remove() }, t("Delete"))));

  async function save(event) {
    event.preventDefault();
    clearErrors(form);
    const body = {
      priority: inputs.priority.value, queue: inputs.queue.value.trim() || null,
      vip: inputs.vip.value === "" ? null : inputs.vip.value === "true",
      first_response: { amount: Number(inputs.frtAmount.value), unit: inputs.frtUnit.value },
      resolution: { amount: Number(inputs.ttrAmount.value), unit: inputs.ttrUnit.value },
      calendar: inputs.calendar.value, category: given.category, escalation: escalation(),
    };
    try {
      const saved = creating
        ? await api("POST", "/sla/policies", { name: inputs.name.value.trim(), ...body })
        : await api("PUT", `/sla/policies/${encodeURIComponent(given.name)}`, body);
      await onSaved(saved);
    } catch (error) {
      showRefusal(form, error);
    }
  }

  function escalation() {
    const actions = [];
    if (inputs.raise.checked) actions.push("raise_priority");
    if (inputs.leader.checked) actions.push("assign_leader");
    if (inputs.move.value.trim()) actions.push({ move_queue: inputs.move.value.trim() });
    return actions;
  }

  async function remove() {
    if (!window.confirm(t("Delete the policy {name}?", { name: given.name }))) return;
    try {
      await api("DELETE", `/sla/policies/${encodeURIComponent(given.name)}`);
      await onSaved(null);
    } catch (error) {
      showRefusal(form, error);
    }
  }
  return form;
}

function amount(name, value) {
  return h("input", { name, type: "number", min: "0", max: "100000", step: "1", required: true,
                      value: String(value) });
}
