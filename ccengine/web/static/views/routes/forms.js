// One form per node kind: every field of that kind, targets as dropdowns of
// the graph's nodes. Edits go straight into the graph (a plain JSON object).
import { h, t } from "../../app.js";
import { bind, markIssues, removeButton, section, targetSelect } from "./fields.js";
import { kindName } from "./names.js";
import { queueEditor } from "./queues.js";
import { fromZoned, toZoned } from "./zones.js";

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const PRIORITIES = ["P1", "P2", "P3", "P4"];

// ctx: {graph, issues: Map, changed(), rerender(), deleteNode(id)}
export function nodeForm(ctx, id) {
  const node = ctx.graph.nodes[id];
  const fields = bind(ctx.changed);
  const ids = Object.keys(ctx.graph.nodes).filter((other) => other !== id);
  const target = (label, key, optional = false) =>
    targetSelect(fields, label, node, key, ids, { optional });
  const issues = ctx.issues.get(id) || [];
  const form = h("form", { class: "node-form", "data-node": id,
                           onsubmit: (event) => event.preventDefault() },
    h("h2", {}, node.label || id, " ", h("span", { class: "badge" }, kindName(node.kind))),
    h("p", { class: "muted" }, t("Node id: {id}", { id })),
    issues.length ? h("ul", { class: "node-issues" }, issues.map((issue) =>
      h("li", {}, h("strong", {}, issue.field), ": ", issue.message))) : null,
    fields.text(t("Label"), node, "label", { nullable: true }),
    ...(KIND_FORMS[node.kind] || (() => []))(node, fields, target, ctx),
    h("div", { class: "row" }, h("button", {
      type: "button", class: "danger", onclick: () => ctx.deleteNode(id) }, t("Delete node"))));
  markIssues(form, issues);
  return form;
}

const prompt = (fields, node, key = "prompt", optional = false) =>
  fields.text(key === "goodbye" ? t("Goodbye prompt") : t("Prompt"), node, key,
              { nullable: optional, placeholder: t("prompt name, e.g. welcome") });

const KIND_FORMS = {
  entry: (node, fields, target) => [
    fields.list(t("Numbers dialled (E.164 patterns, comma separated)"), node, "dids",
                { placeholder: "+48221110000, +4822111XXXX" }),
    fields.list(t("Only these callers (patterns; empty: any)"), node, "callers"),
    target(t("Next"), "next"), target(t("Callers without a number"), "anonymous", true)],
  time_condition: (node, fields, target, ctx) => [
    fields.text(t("Calendar (empty: the hours below)"), node, "calendar",
                { nullable: true, placeholder: t("e.g. business") }),
    hoursTable(node, ctx), overrideEditor(node, fields, ctx),
    fields.text(t("Time zone (empty: the graph's)"), node, "timezone", { nullable: true }),
    target(t("When open"), "open"), target(t("When closed"), "closed")],
  holiday: (node, fields, target, ctx) => [
    fields.text(t("Calendar (empty: the holidays below)"), node, "calendar",
                { nullable: true, placeholder: t("e.g. business") }),
    fields.text(t("Country"), node, "country"),
    fields.check(t("The country's public holidays count"), node, "public"),
    customHolidays(node, fields, ctx),
    target(t("On a holiday"), "holiday"), target(t("On a regular day"), "regular")],
  vip: (node, fields, target) => [
    fields.list(t("VIP numbers (comma separated)"), node, "numbers",
                { placeholder: "+48604777888" }),
    fields.check(t("Customers flagged VIP count"), node, "customers"),
    fields.number(t("Queue priority of a VIP"), node, "priority"),
    target(t("VIP callers"), "vip"), target(t("Other callers"), "other")],
  menu: (node, fields, target, ctx) => [
    prompt(fields, node), menuOptions(node, fields, ctx),
    fields.number(t("Seconds to wait for a key"), node, "timeout_seconds", { step: 0.5 }),
    fields.number(t("Digits per choice"), node, "max_digits"),
    fields.number(t("Attempts"), node, "attempts"),
    fields.text(t("Invalid key prompt"), node, "invalid_prompt", { nullable: true }),
    fields.text(t("No key prompt"), node, "timeout_prompt", { nullable: true }),
    target(t("After the attempts"), "fallback")],
  announcement: (node, fields, target) => [prompt(fields, node), target(t("Next"), "next")],
  queue: (node, fields, target, ctx) => [
    fields.select(t("Queue"), node, "queue",
                  Object.keys(ctx.graph.queues).map((name) => [name, name])),
    prompt(fields, node, "prompt", true),
    fields.number(t("Longest wait (seconds)"), node, "max_wait_seconds"),
    fields.number(t("Queue priority"), node, "priority", { nullable: true }),
    fields.select(t("Ticket priority"), node, "ticket_priority",
                  [["", t("(default)")], ...PRIORITIES.map((p) => [p, p])], { nullable: true }),
    target(t("On timeout"), "on_timeout", true), target(t("When full"), "on_full", true),
    target(t("When no agent is logged in"), "on_empty", true),
    target(t("Survey after the agent hangs up"), "survey", true),
    ctx.graph.queues[node.queue] ? queueEditor(ctx, node.queue) : null],
  transfer: (node, fields, target, ctx) => [
    fields.select(t("Trunk"), node, "trunk",
                  Object.keys(ctx.graph.trunks).map((name) => [name, name])),
    fields.text(t("Number (E.164)"), node, "number", { placeholder: "+48225550000" }),
    prompt(fields, node, "prompt", true),
    fields.number(t("Ring for (seconds)"), node, "ring_seconds"),
    target(t("No answer"), "on_no_answer", true), target(t("Busy"), "on_busy", true)],
  voicemail: (node, fields) => [
    prompt(fields, node), fields.number(t("Longest message (seconds)"), node, "max_seconds"),
    prompt(fields, node, "goodbye", true)],
  callback: (node, fields, target) => [
    prompt(fields, node), fields.text(t("Key that confirms"), node, "confirm_digit"),
    prompt(fields, node, "goodbye", true),
    target(t("Declined"), "declined", true), target(t("Callers without a number"),
                                                   "anonymous", true)],
  hangup: (node, fields) => [prompt(fields, node, "prompt", true)],
  survey: (node, fields) => [
    prompt(fields, node),
    fields.number(t("Seconds to wait for a key"), node, "timeout_seconds", { step: 0.5 }),
    fields.number(t("Attempts"), node, "attempts"),
    fields.text(t("Invalid key prompt"), node, "invalid_prompt", { nullable: true }),
    prompt(fields, node, "goodbye", true)],
};

function hoursTable(node, ctx) {
  node.hours ||= {};
  const rows = WEEKDAYS.map((day) => h("tr", {},
    h("th", {}, dayName(day)),
    h("td", {}, h("input", {
      type: "text", name: `hours.${day}`, "data-field": "hours",
      value: (node.hours[day] || []).join(", "), placeholder: t("closed"),
      oninput: (event) => {
        const ranges = event.target.value.split(",").map((r) => r.trim()).filter(Boolean);
        if (ranges.length) node.hours[day] = ranges;
        else delete node.hours[day];
        ctx.changed();
      } }))));
  return section(t("Opening hours (HH:MM-HH:MM, comma separated)"),
                 h("table", { class: "hours" }, h("tbody", {}, rows)));
}

function dayName(day) {
  return { mon: t("Monday"), tue: t("Tuesday"), wed: t("Wednesday"), thu: t("Thursday"),
           fri: t("Friday"), sat: t("Saturday"), sun: t("Sunday") }[day];
}

function overrideEditor(node, fields, ctx) {
  const zone = node.timezone || ctx.graph.timezone;
  const mode = h("select", { name: "override.mode", "data-field": "override.mode",
    onchange: (event) => {
      node.override = event.target.value
        ? { mode: event.target.value, until: node.override?.until ?? null } : null;
      ctx.rerender();
    } },
    [["", t("none: follow the hours")], ["open", t("force open")],
     ["closed", t("force closed")]].map(([value, text]) =>
      h("option", { value, selected: (node.override?.mode ?? "") === value }, text)));
  const until = h("input", {
    type: "datetime-local", name: "override.until", "data-field": "override.until",
    disabled: !node.override, value: node.override?.until ? toZoned(node.override.until, zone) : "",
    oninput: (event) => {
      node.override.until = event.target.value ? fromZoned(event.target.value, zone) : null;
      ctx.changed();
    } });
  return section(t("Override"), h("label", {}, t("Mode"), mode),
                 h("label", {}, t("Until ({zone}; empty: until lifted)", { zone }), until));
}

function customHolidays(node, fields, ctx) {
  node.custom ||= [];
  const rows = node.custom.map((day, index) => h("div", { class: "row holiday-row" },
    fields.text(t("Name"), day, "name", { field: `custom.${index}.name` }),
    fields.text(t("Date"), day, "date", { field: `custom.${index}.date`, type: "date",
                                          nullable: true }),
    fields.text(t("From"), day, "from", { field: `custom.${index}.from`, type: "date",
                                          nullable: true }),
    fields.text(t("To"), day, "to", { field: `custom.${index}.to`, type: "date",
                                      nullable: true }),
    removeButton(t("Remove"), () => { node.custom.splice(index, 1); ctx.rerender(); })));
  return section(t("Own holidays (a date, or from and to)"), ...rows,
    h("button", { type: "button", class: "add-holiday", onclick: () => {
      node.custom.push({ name: "", date: null, from: null, to: null });
      ctx.rerender();
    } }, t("Add date")));
}

function menuOptions(node, fields, ctx) {
  const ids = Object.keys(ctx.graph.nodes);
  const entries = () => Object.entries(node.options || {});
  const rows = entries().map(([digits, goesTo], index) => h("div", { class: "row option-row" },
    h("label", {}, t("Keys"), h("input", {
      type: "text", value: digits, size: 4, name: `option-key-${index}`,
      "data-field": `options.${digits}`,
      onchange: (event) => {
        const list = entries();
        list[index][0] = event.target.value.trim();
        node.options = Object.fromEntries(list);
        ctx.rerender();
      } })),
    targetSelect(fields, t("Goes to"), node.options, digits, ids,
                 { field: `options.${digits}` }),
    removeButton(t("Remove"), () => { delete node.options[digits]; ctx.rerender(); })));
  return section(t("Options"), ...rows, h("button", { type: "button", onclick: () => {
    const free = [..."1234567890*#"].find((key) => !(key in node.options));
    if (free) node.options[free] = "";
    ctx.rerender();
  } }, t("Add option")));
}
