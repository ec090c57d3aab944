// The simulate panel: a call (when, who, which number, keys, VIP, how queues
// end) walked through the graph being edited; the path lights up in the picture.
import { h, t } from "../../app.js";
import { branchName, kindName } from "./names.js";

const QUEUE_ENDS = () => [["answered", t("answered")], ["timeout", t("timeout")],
                          ["full", t("full")], ["empty", t("no agents")],
                          ["agent_hung_up", t("answered, the agent hung up")]];

// ctx: {graph, form: remembered values, path: last result or null, run(values)}
export function simulatePanel(ctx) {
  const values = ctx.form;
  const input = (label, key, attrs = {}) => h("label", {}, label, h("input", {
    name: `sim-${key}`, value: values[key] ?? "", ...attrs,
    oninput: (event) => { values[key] = event.target.value; } }));
  const form = h("form", { class: "simulate-form", onsubmit: (event) => {
    event.preventDefault();
    ctx.run(values);
  } },
    h("h2", {}, t("Simulate a call")),
    h("div", { class: "row" },
      input(t("Date"), "date", { type: "date", required: true }),
      input(t("Time"), "time", { type: "time", required: true })),
    h("div", { class: "row" },
      input(t("Number dialled (DID)"), "did", { required: true }),
      input(t("Caller (empty: anonymous)"), "caller")),
    h("div", { class: "row" },
      input(t("Keys pressed"), "digits", { pattern: "[0-9*#]*" }),
      h("label", {}, t("Queues end"), h("select", {
        name: "sim-queue", onchange: (event) => { values.queue = event.target.value; } },
        QUEUE_ENDS().map(([value, text]) =>
          h("option", { value, selected: values.queue === value }, text))))),
    h("label", { class: "check" }, h("input", {
      type: "checkbox", name: "sim-vip", checked: Boolean(values.vip),
      onchange: (event) => { values.vip = event.target.checked; } }),
      t("The caller is a VIP customer")),
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary" },
                                 t("Simulate"))),
    ctx.path ? result(ctx.path) : null);
  return form;
}

function result(found) {
  const outcome = found.outcome || {};
  return h("div", { class: "simulation" },
    h("h2", {}, t("Path taken")),
    found.path.length ? h("ol", { class: "sim-steps" }, found.path.map((step) =>
      h("li", { "data-node": step.node },
        h("strong", {}, step.node), ` · ${kindName(step.kind)} → `,
        h("span", { class: "branch" }, branchName(step.branch)),
        h("div", { class: "reason" }, step.reason))))
      : h("p", { class: "empty" }, t("No entry node takes this call.")),
    h("p", { class: "outcome" }, t("Ends by: {how}", { how: outcome.ended_by || "" }),
      outcome.queue ? " · " : "", outcome.queue ? t("queue {name}", { name: outcome.queue }) : ""));
}

export function defaultSimulation(graph) {
  const entry = Object.values(graph.nodes).find((node) => node.kind === "entry");
  const did = (entry?.dids?.[0] || "").replace(/X/g, "0").replace(/\*$/, "");
  return { date: new Date().toISOString().slice(0, 10), time: "10:00", did,
           caller: "", digits: "", vip: false, queue: "answered" };
}
