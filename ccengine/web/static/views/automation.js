// Automation rules (admins): the rules in running order (switch on or off, move up or
// down, edit, delete), an editor whose conditions and actions are form rows, and the
// dry run: which rules would fire for a ticket now, and why.
import { api, clear, h, showError, t, toast } from "../app.js";

const RULES = "/automation/rules";
let catalog = null;

const EVENT_NAMES = () => ({
  created: t("Ticket created"), updated: t("Ticket updated"),
  customer_replied: t("Customer replied"), sla_threshold: t("SLA threshold reached"),
  time_in_status: t("Hours in a status"),
});
const KIND_NAMES = () => ({
  channel: t("Channel"), queue: t("Queue"), priority: t("Priority"), status: t("Status"),
  subject_has: t("Words in the subject"), body_has: t("Words in the notes"),
  transcript_has: t("Words in the transcript"), vip: t("VIP customer"),
  business_hours: t("Business hours"), category: t("Category"), tags: t("Tags"),
  set_queue: t("Set the queue"), set_priority: t("Set the priority"),
  set_assignee: t("Set the assignee"), notify_user: t("Notify a user"),
  notify_leaders: t("Notify the queue's leaders"), set_category: t("Set the category"),
  add_tags: t("Add tags"), remove_tags: t("Remove tags"),
  send_reply_template: t("Send a reply template"), call_webhook: t("Call a webhook"),
});
const kindName = (kind) => KIND_NAMES()[kind] || kind;
// The dry run's explanations by their stable code (the server's English as a fallback).
const DETAILS = {
  in_list: (p) => t("{seen} in {wanted}", p), under: (p) => t("{seen} under {wanted}", p),
  found: (p) => t("found {words}", p), none_of: (p) => t("none of {words}", p),
  has_tags: (p) => t("has {tags}", p), no_tags: (p) => t("none of {tags}", p),
  vip: () => t("VIP customer"), not_vip: () => t("not a VIP customer"),
  open: (p) => t("{calendar} open", p), closed: (p) => t("{calendar} closed", p),
  no_calendar: (p) => t("no calendar {calendar}", p),
};
const detailOf = (check) => (DETAILS[check.code] ? DETAILS[check.code](check.params || {})
  : check.detail);

export async function render(root) {
  const list = h("div", { class: "automation-rules" });
  const editor = h("div", { class: "automation-editor" });
  const tester = h("section", { class: "card automation-test" });
  root.append(h("h1", {}, t("Automation rules")),
    h("button", { type: "button", name: "new-rule", onclick: () => edit(editor, null, reload) },
      t("New rule")), editor, list, tester);
  const reload = async () => {
    try {
      clear(list, rulesTable((await api("GET", RULES)).items, editor, reload));
    } catch (error) { showError(error); }
  };
  try {
    catalog = await api("GET", "/automation/catalog");
  } catch (error) { showError(error); return; }
  testForm(tester);
  await reload();
}

function rulesTable(rules, editor, reload) {
  if (!rules.length) return h("p", { class: "empty" }, t("No automation rules."));
  const move = async (index, step) => {
    const ids = rules.map((rule) => rule.id);
    [ids[index], ids[index + step]] = [ids[index + step], ids[index]];
    try { await api("POST", `${RULES}/order`, { ids }); await reload(); }
    catch (error) { showError(error); }
  };
  return h("table", { class: "automation-table" },
    h("thead", {}, h("tr", {}, ["#", t("Name"), t("When"), t("Enabled"), ""].map(
      (title) => h("th", {}, title)))),
    h("tbody", {}, rules.map((rule, index) => h("tr", { dataset: { rule: rule.name } },
      h("td", {}, rule.position), h("td", {}, rule.name),
      h("td", {}, EVENT_NAMES()[rule.trigger.event] || rule.trigger.event),
      h("td", {}, h("input", { type: "checkbox", name: "enabled", checked: rule.enabled,
        "aria-label": t("Enabled"), onchange: async (event) => {
          try { await api("PATCH", `${RULES}/${rule.id}`, { enabled: event.target.checked }); }
          catch (error) { showError(error); }
          await reload();
        } })),
      h("td", {},
        h("button", { type: "button", name: "up", disabled: index === 0,
                      onclick: () => move(index, -1) }, "↑"),
        h("button", { type: "button", name: "down", disabled: index === rules.length - 1,
                      onclick: () => move(index, 1) }, "↓"),
        h("button", { type: "button", name: "edit", onclick: () => edit(editor, rule, reload) },
          t("Edit")),
        h("button", { type: "button", name: "delete", onclick: async () => {
          if (!window.confirm(t("Delete the rule {name}?", { name: rule.name }))) return;
          try { await api("DELETE", `${RULES}/${rule.id}`); await reload(); }
          catch (error) { showError(error); }
        } }, t("Delete")))))));
}

function edit(editor, rule, reload) {
  const name = h("input", { name: "name", required: true, maxlength: "200",
                            value: rule?.name || "" });
  const trigger = rule?.trigger || { event: "created" };
  const event = h("select", { name: "event" }, Object.entries(EVENT_NAMES()).map(
    ([value, label]) => h("option", { value, selected: value === trigger.event }, label)));
  const status = h("select", { name: "status" }, ["new", "in_progress", "waiting_for_customer",
    "resolved", "closed"].map((value) => h("option", { value, selected: value === trigger.status },
    value)));
  const hours = h("input", { name: "hours", type: "number", min: "0.1", step: "0.1",
                             value: trigger.hours ?? 24 });
  const threshold = h("select", { name: "threshold" }, ["", "50", "80", "100"].map((value) =>
    h("option", { value, selected: String(trigger.threshold ?? "") === value },
      value ? `${value} %` : t("any"))));
  const timed = h("span", { class: "timed" }, t("Status"), " ", status, " ", t("Hours"), " ", hours);
  const sla = h("span", { class: "sla" }, t("Threshold"), " ", threshold);
  const showParams = () => { timed.hidden = event.value !== "time_in_status";
                             sla.hidden = event.value !== "sla_threshold"; };
  event.addEventListener("change", showParams);
  showParams();
  const conditions = h("div", { class: "rows conditions" });
  const actions = h("div", { class: "rows actions" });
  for (const item of rule?.conditions || []) conditions.append(row(catalog.conditions, item));
  for (const item of rule?.actions || [{ kind: "set_priority", value: "P1" }]) {
    actions.append(row(catalog.actions, item));
  }
  const save = async (submit) => {
    submit.preventDefault();
    const body = { name: name.value.trim(), enabled: rule ? rule.enabled : true,
                   trigger: triggerOf(event.value, status.value, hours.value, threshold.value),
                   conditions: rowsOf(conditions), actions: rowsOf(actions) };
    try {
      await (rule ? api("PUT", `${RULES}/${rule.id}`, body) : api("POST", RULES, body));
      toast(t("Rule saved."));
      clear(editor);
      await reload();
    } catch (error) { showError(error); }
  };
  clear(editor, h("form", { class: "card rule-form", onsubmit: save },
    h("label", {}, t("Name"), " ", name),
    h("p", {}, t("When"), " ", event, " ", timed, sla),
    h("h3", {}, t("Conditions (all must hold)")), conditions,
    h("button", { type: "button", name: "add-condition",
                  onclick: () => conditions.append(row(catalog.conditions, null)) },
      t("Add condition")),
    h("h3", {}, t("Actions")), actions,
    h("button", { type: "button", name: "add-action",
                  onclick: () => actions.append(row(catalog.actions, null)) }, t("Add action")),
    h("p", {}, h("button", { type: "submit", name: "save" }, t("Save")), " ",
      h("button", { type: "button", name: "cancel", onclick: () => clear(editor) },
        t("Cancel")))));
}

function triggerOf(event, status, hours, threshold) {
  if (event === "time_in_status") return { event, status, hours: Number(hours) };
  if (event === "sla_threshold" && threshold) return { event, threshold: Number(threshold) };
  return { event };
}

// One condition or action: its kind and an input fitting its value.
function row(kinds, item) {
  const kind = h("select", { name: "kind" }, kinds.map((entry) => h("option",
    { value: entry.kind, selected: entry.kind === item?.kind, disabled: !entry.available },
    entry.available ? kindName(entry.kind) : `${kindName(entry.kind)} (${t("not available")})`)));
  const holder = h("span", { class: "value" });
  const line = h("div", { class: "rule-row" }, kind, " ", holder, " ",
    h("button", { type: "button", name: "remove", onclick: () => line.remove() }, "✕"));
  const fill = (value) => {
    const entry = kinds.find((candidate) => candidate.kind === kind.value);
    line.dataset.form = entry.form;
    clear(holder, valueInput(entry, value));
  };
  kind.addEventListener("change", () => fill(null));
  fill(item?.value);
  return line;
}

function valueInput(entry, value) {
  if (entry.form === "none") return null;
  if (entry.form === "flag") {
    return h("input", { type: "checkbox", name: "value", checked: value !== false });
  }
  if (entry.form === "calendar") {
    return h("input", { name: "value", placeholder: t("Calendar"), value: value?.calendar || "" });
  }
  if (entry.form === "choice") {
    return h("select", { name: "value" }, entry.options.map((option) =>
      h("option", { value: option, selected: option === value }, option)));
  }
  const text = Array.isArray(value) ? value.join(", ") : value || "";
  return h("input", { name: "value", value: text,
    placeholder: entry.form === "list" ? t("values, comma-separated") : "" });
}

function rowsOf(container) {
  return [...container.querySelectorAll(".rule-row")].map((line) => {
    const kind = line.querySelector("select[name=kind]").value;
    const input = line.querySelector("[name=value]");
    const form = line.dataset.form;
    if (form === "none" || !input) return { kind };
    if (form === "flag") return { kind, value: input.checked };
    if (form === "calendar") return { kind, value: { calendar: input.value.trim(), open: true } };
    return { kind, value: input.value };
  });
}

function testForm(tester) {
  const number = h("input", { name: "ticket", required: true, maxlength: "64",
                              placeholder: t("Ticket number") });
  const results = h("div", { class: "test-results" });
  const run = async (submit) => {
    submit.preventDefault();
    try {
      const answer = await api("POST", `${RULES}/test`, { ticket: number.value.trim() });
      clear(results, answer.rules.length ? h("ul", {}, answer.rules.map(verdict))
        : h("p", { class: "empty" }, t("No automation rules.")));
    } catch (error) { showError(error); }
  };
  clear(tester, h("h2", {}, t("Which rules would fire for this ticket?")),
    h("form", { onsubmit: run }, number, " ",
      h("button", { type: "submit", name: "test" }, t("Test"))), results);
}

function verdict(rule) {
  const why = !rule.enabled ? t("disabled") : !rule.triggered ? t("not yet its time") : null;
  return h("li", { class: rule.fires ? "fires" : "idle", dataset: { rule: rule.name } },
    h("strong", {}, rule.fires ? `✔ ${rule.name}` : `✘ ${rule.name}`),
    why ? h("span", { class: "muted" }, ` (${why})`) : null,
    h("ul", {}, rule.checks.map((check) => h("li", { class: check.passed ? "passed" : "failed" },
      `${check.passed ? "✔" : "✘"} ${kindName(check.kind)}: ${detailOf(check)}`))));
}
