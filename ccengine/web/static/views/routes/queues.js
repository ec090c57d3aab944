// The graph's own settings: description, time zone, the queues (tiers of agents:
// name and SIP interface) and the trunks external numbers are dialled through.
import { h, t } from "../../app.js";
import { bind, markIssues, removeButton, section } from "./fields.js";

const STRATEGIES = ["ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear",
                    "wrandom"];

// A queue's policy for its answered calls' tickets (routes.model.Queue.call_tickets).
const CALL_TICKETS = () => [
  ["new", t("A new ticket per call")],
  ["open_ticket", t("The caller's open ticket in this queue")],
  ["customer_only", t("Logged on the customer, resolved at wrap-up")],
];

// ctx: {graph, graphIssues: [], changed(), rerender()}
export function graphPanel(ctx) {
  const fields = bind(ctx.changed);
  const graph = ctx.graph;
  const newQueue = h("input", { type: "text", name: "new-queue", placeholder: t("queue name") });
  const newTrunk = h("input", { type: "text", name: "new-trunk", placeholder: t("trunk name") });
  const panel = h("form", { class: "graph-form", onsubmit: (event) => event.preventDefault() },
    h("h2", {}, t("Graph {name}", { name: graph.name })),
    fields.text(t("Description"), graph, "description"),
    fields.text(t("Time zone"), graph, "timezone"),
    section(t("Queues"),
      ...Object.keys(graph.queues).map((name) => h("div", { class: "queue-block" },
        h("div", { class: "row" }, h("strong", {}, name), removeButton(t("Remove"), () => {
          delete graph.queues[name];
          ctx.rerender();
        })), queueEditor(ctx, name))),
      h("div", { class: "row" }, newQueue, h("button", { type: "button", onclick: () => {
        const name = newQueue.value.trim();
        if (!name || graph.queues[name]) return;
        graph.queues[name] = { strategy: "rrmemory", ring_seconds: 15, retry_seconds: 1,
                               wrapup_seconds: 0, max_callers: 0,
                               tiers: [{ after_seconds: 0, members: [] }] };
        ctx.rerender();
      } }, t("Add queue")))),
    section(t("Trunks"),
      ...Object.entries(graph.trunks).map(([name, trunk]) => h("div", { class: "row" },
        fields.text(name, trunk, "dial", { field: `trunks.${name}.dial`,
                                           placeholder: "PJSIP/{number}@trunk" }),
        removeButton(t("Remove"), () => { delete graph.trunks[name]; ctx.rerender(); }))),
      h("div", { class: "row" }, newTrunk, h("button", { type: "button", onclick: () => {
        const name = newTrunk.value.trim();
        if (!name || graph.trunks[name]) return;
        graph.trunks[name] = { dial: `PJSIP/{number}@${name}` };
        ctx.rerender();
      } }, t("Add trunk")))));
  markIssues(panel, ctx.graphIssues);
  return panel;
}

// One queue: strategy, ringing, and its tiers of agents.
export function queueEditor(ctx, name) {
  const queue = ctx.graph.queues[name];
  const fields = bind(ctx.changed);
  const at = (field) => `queues.${name}.${field}`;
  queue.call_tickets ??= "new";  // the model's default: a graph saved without it
  return section(t("Queue {name}", { name }),
    h("div", { class: "row" },
      fields.select(t("Strategy"), queue, "strategy", STRATEGIES.map((s) => [s, s]),
                    { field: at("strategy") }),
      fields.number(t("Ring each agent (s)"), queue, "ring_seconds",
                    { field: at("ring_seconds") }),
      fields.number(t("Most callers (0: no limit)"), queue, "max_callers",
                    { field: at("max_callers") })),
    h("div", { class: "row" },
      fields.select(t("Tickets of answered calls"), queue, "call_tickets", CALL_TICKETS(),
                    { field: at("call_tickets") }),
      fields.check(t("Wrap-up needs a disposition"), queue, "disposition_required",
                   { field: at("disposition_required") })),
    ...queue.tiers.map((tier, index) => tierEditor(ctx, queue, tier, index, at)),
    h("button", { type: "button", onclick: () => {
      const last = queue.tiers[queue.tiers.length - 1];
      queue.tiers.push({ after_seconds: (last?.after_seconds || 0) + 30, members: [] });
      ctx.rerender();
    } }, t("Add tier")));
}

function tierEditor(ctx, queue, tier, index, at) {
  const fields = bind(ctx.changed);
  const where = at(`tiers.${index}`);
  return h("div", { class: "tier" },
    h("div", { class: "row" }, h("strong", {}, t("Tier {n}", { n: index + 1 })),
      fields.number(t("Opens after (s)"), tier, "after_seconds",
                    { field: `${where}.after_seconds` }),
      index > 0 ? removeButton(t("Remove"), () => { queue.tiers.splice(index, 1);
                                                    ctx.rerender(); }) : null),
    ...tier.members.map((member, m) => h("div", { class: "row member-row" },
      fields.text(t("Agent name"), member, "name", { field: `${where}.members.${m}.name` }),
      fields.text(t("SIP interface"), member, "interface",
                  { field: `${where}.members.${m}.interface`, placeholder: "PJSIP/agent1" }),
      removeButton(t("Remove"), () => { tier.members.splice(m, 1); ctx.rerender(); }))),
    h("button", { type: "button", onclick: () => {
      tier.members.push({ name: "", interface: "" });
      ctx.rerender();
    } }, t("Add agent")));
}
