// The wallboard: one big tile per queue and a totals tile, live over the websocket.
// The board comes whole from GET /wallboard and from topic "wallboard" (the server
// sends it on subscribe and whenever it changes); after a reconnect it is fetched
// again. Between two boards the waits count up here, every second.
import { api, clear, fmtDuration, fmtNumber, fmtPercent, fmtTime, h, showError, svg, t }
  from "../app.js";
import { connect } from "../ws.js";
import { stateLabel } from "./agent/labels.js";

const STATES = ["available", "ringing", "in_call", "wrap_up", "paused", "logged_out"];
const SL_GOOD = 0.8; // the usual 80/20 target: at or above it the gauge is green
const SL_WARN = 0.6; // below it red, between the two amber
const RING = 2 * Math.PI * 42; // the gauge's circumference (r = 42 in a 100×100 box)

let current = null; // { socket, ticker, waits: [{node, base}], receivedAt }

export async function render(root) {
  const board = h("div", { class: "wb-board", "aria-live": "polite" });
  const stamp = h("span", { class: "wb-stamp muted" });
  const rule = h("span", { class: "wb-rule muted" });
  const view = { board, stamp, rule, waits: [], receivedAt: Date.now(), socket: null,
                 ticker: null };
  current = view;
  root.append(h("link", { rel: "stylesheet", href: "/static/css/wallboard.css" }),
    h("div", { class: "wb-head" }, h("h1", {}, t("Wallboard")), rule, stamp), board);
  await load(view);
  if (current !== view) return; // the page was left meanwhile: no socket, no ticker
  view.socket = connect(["wallboard"], (message) => onMessage(view, message));
  view.ticker = setInterval(() => tick(view), 1000);
}

export function dispose() {
  if (!current) return;
  current.socket?.close?.();
  clearInterval(current.ticker);
  current = null;
}

async function load(view) {
  try {
    show(view, await api("GET", "/wallboard"));
  } catch (error) {
    clear(view.board, h("p", { class: "error" }, t("The wallboard could not be loaded.")));
    showError(error);
  }
}

function onMessage(view, message) {
  if (view !== current) return;
  if (message.type === "wallboard") show(view, message.wallboard);
  else if (message.type === "reconnected") load(view);
}

function show(view, data) {
  view.receivedAt = Date.now();
  view.waits = [];
  const seconds = fmtNumber(data.sl_threshold_seconds);
  view.rule.textContent = t("SL: answered within {seconds} s", { seconds });
  view.rule.title = t("Calls answered within {seconds} s, as a share of all answered calls and of the calls that left the queue unanswered after more than {seconds} s.", { seconds });
  view.stamp.textContent = t("Updated {time}", { time: fmtTime(data.generated_at) });
  const tiles = data.queues.map((queue) => tile(view, queue, queue.queue));
  clear(view.board,
    tile(view, data.totals, t("All queues"), "wb-totals"),
    tiles.length ? h("div", { class: "wb-grid" }, tiles)
      : h("p", { class: "empty" }, t("No queue has calls or agents yet.")));
  view.board.dataset.generatedAt = data.generated_at;
}

function tick(view) {
  if (view !== current) return;
  const elapsed = (Date.now() - view.receivedAt) / 1000;
  for (const wait of view.waits) wait.node.textContent = fmtDuration(wait.base + elapsed);
}

function tile(view, figures, title, extra = "") {
  return h("section", { class: `wb-tile ${extra}`, dataset: { queue: figures.queue ?? "" } },
    h("h2", {}, title),
    h("div", { class: "wb-main" }, waiting(view, figures), gauge(figures)),
    counts(figures),
    agents(figures.agents));
}

function waiting(view, figures) {
  const longest = figures.longest_wait_seconds;
  const wait = h("span", { class: "wb-wait" }, longest === null ? "—" : fmtDuration(longest));
  if (longest !== null) view.waits.push({ node: wait, base: longest });
  const late = longest !== null && longest > figures.sl_threshold_seconds;
  return h("div", { class: `wb-waiting${figures.waiting ? " wb-busy" : ""}${late ? " wb-late" : ""}` },
    h("span", { class: "wb-big", dataset: { field: "waiting" } }, fmtNumber(figures.waiting)),
    h("span", { class: "wb-label" }, t("Calls waiting")),
    h("span", { class: "wb-label" }, t("Longest wait"), " ", wait));
}

function slClass(level) {
  if (level === null || level === undefined) return "wb-sl-none";
  if (level >= SL_GOOD) return "wb-sl-good";
  return level >= SL_WARN ? "wb-sl-warn" : "wb-sl-bad";
}

function gauge(figures) {
  const level = figures.service_level;
  const shown = level === null ? 0 : Math.max(0, Math.min(1, level));
  const text = level === null ? "—" : fmtPercent(level);
  const picture = svg("svg", { viewBox: "0 0 100 100", class: "wb-gauge", role: "img",
                               "aria-label": `${t("Service level")}: ${text}` },
    svg("circle", { cx: 50, cy: 50, r: 42, class: "wb-gauge-track" }),
    svg("circle", { cx: 50, cy: 50, r: 42, class: "wb-gauge-arc",
                    "stroke-dasharray": `${(shown * RING).toFixed(2)} ${RING.toFixed(2)}`,
                    transform: "rotate(-90 50 50)" }),
    svg("text", { x: 50, y: 50, class: "wb-gauge-text", "text-anchor": "middle",
                  "dominant-baseline": "central" }, text));
  return h("div", { class: `wb-sl ${slClass(level)}`, dataset: { field: "service_level" } },
    picture, h("span", { class: "wb-label" }, t("Service level")));
}

function counts(figures) {
  const item = (label, value, field) => h("div", { class: "wb-count" },
    h("span", { class: "wb-num", dataset: { field } }, fmtNumber(value)),
    h("span", { class: "wb-label" }, label));
  return h("div", { class: "wb-counts" },
    item(t("Answered today"), figures.answered, "answered"),
    item(t("Abandoned"), figures.abandoned, "abandoned"),
    item(t("Queue timeouts"), figures.timed_out ?? 0, "timed_out"));
}

function agents(byState) {
  const total = STATES.reduce((sum, state) => sum + (byState[state] || 0), 0);
  let x = 0;
  const bars = STATES.filter((state) => byState[state]).map((state) => {
    const width = (100 * byState[state]) / total;
    const bar = svg("rect", { x: x.toFixed(2), y: 0, width: width.toFixed(2), height: 10,
                              class: `wb-state-${state}` },
      svg("title", {}, `${stateLabel(state)}: ${fmtNumber(byState[state])}`));
    x += width;
    return bar;
  });
  return h("div", { class: "wb-agents" },
    h("span", { class: "wb-label" }, t("Agents")),
    svg("svg", { viewBox: "0 0 100 10", preserveAspectRatio: "none", class: "wb-bar",
                 role: "img", "aria-label": t("Agents") },
      total ? bars : svg("rect", { x: 0, y: 0, width: 100, height: 10, class: "wb-bar-empty" })),
    h("ul", { class: "wb-legend" }, STATES.map((state) =>
      h("li", { class: byState[state] ? "" : "wb-zero", dataset: { state } },
        h("span", { class: `wb-dot wb-state-${state}` }), stateLabel(state), " ",
        h("strong", {}, fmtNumber(byState[state] || 0))))));
}
