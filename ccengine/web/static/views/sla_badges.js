// A ticket's SLA on the pages: the badge, its due time, the two clocks.
// The server computes the state as the page loads and also says when each
// running clock turns warning and when it falls due (those moments depend on
// business hours, which the page does not know); a 30 s timer repaints every
// SLA element on the page from them, so a badge turns amber, then red, with no
// reload. Percentages are the server's, as of the load.
import { fmtDateTime, h, t } from "../app.js";

const TICK_MS = 30_000;
const live = new Set(); // { node, paint }: what the timer repaints while it is on the page
let timer = null;

export function stateName(state) {
  return { ok: t("On time"), warning: t("Warning"), breached: t("Breached"),
           paused: t("On hold"), met: t("Met") }[state] || state;
}

const passed = (iso, now) => Boolean(iso) && now >= Date.parse(iso);

// The ticket's state at `now` (ms): the moments only ever make a running ticket worse.
export function stateAt(sla, now) {
  if (sla.resolved_at) return sla.state;
  if (passed(sla.breach_at, now)) return "breached";
  if (passed(sla.warning_at, now) && sla.state !== "breached") return "warning";
  return sla.state;
}

// One clock's state at `now`: a paused clock's due time moves, so it keeps the server's.
export function clockStateAt(clock, now) {
  if (clock.done_at || clock.state === "paused" || clock.state === "breached") {
    return clock.state;
  }
  if (passed(clock.due_at, now)) return "breached";
  if (passed(clock.warning_at, now)) return "warning";
  return clock.state;
}

function badge(state) {
  return h("span", { class: `sla-badge ${state}`, dataset: { state } },
    state === "met" ? `✓ ${stateName(state)}` : stateName(state));
}

// A node whose content is `render(now)`, repainted by the timer while it is shown.
function ticking(tag, attrs, render) {
  const node = h(tag, attrs);
  const paint = (now) => node.replaceChildren(...[render(now)].flat().filter(Boolean));
  paint(Date.now());
  live.add({ node, paint });
  if (timer === null) timer = setInterval(tick, TICK_MS);
  return node;
}

function tick() {
  const now = Date.now();
  for (const entry of [...live]) {
    if (entry.node.isConnected) entry.paint(now);
    // Off the page a whole tick after it was made: replaced or left; forget it.
    else if (entry.ticks > 0) live.delete(entry);
    entry.ticks = (entry.ticks || 0) + 1;
  }
  if (!live.size) {
    clearInterval(timer);
    timer = null;
  }
}

// The list's SLA cell: badge and the next due time in the contact center's zone.
export function slaCell(sla) {
  if (!sla) return h("span", { class: "muted" }, "—");
  const due = nextDue(sla);
  return ticking("div", { class: "sla" }, (now) => [
    badge(stateAt(sla, now)),
    due ? h("div", { class: "sla-due", title: sla.breach_at ? "" : t("if resumed now") },
      fmtDateTime(due)) : null,
  ]);
}

// The moment a running clock falls due (a paused one: if resumed now).
function nextDue(sla) {
  if (sla.resolved_at) return null;
  return sla.breach_at || sla.clocks.resolution.due_at;
}

const CLOCKS = () => [["first_response", t("First response")], ["resolution", t("Resolution")]];

// The ticket view's card: both clocks with due and done times, percent and state.
export function slaCard(sla) {
  const title = h("h2", {}, t("SLA"));
  if (!sla) return h("section", { class: "card sla-card" }, title,
    h("p", { class: "muted" }, t("No SLA policy")));
  return h("section", { class: "card sla-card" }, title,
    h("p", { class: "sla-policy" }, t("Policy"), ": ", h("strong", {}, sla.policy), " ",
      ticking("span", { class: "sla-overall" }, (now) => badge(stateAt(sla, now)))),
    h("table", { class: "sla-clocks" },
      h("thead", {}, h("tr", {}, [t("Clock"), t("State"), t("Due"), t("Done"), t("Used")]
        .map((label) => h("th", {}, label)))),
      h("tbody", {}, CLOCKS().map(([name, label]) => clockRow(name, label, sla.clocks[name])))));
}

function clockRow(name, label, clock) {
  return h("tr", { dataset: { clock: name } },
    h("th", {}, label),
    ticking("td", { class: "state" }, (now) => badge(clockStateAt(clock, now))),
    h("td", { class: "due" }, fmtDateTime(clock.due_at) || "—"),
    h("td", { class: "done" }, fmtDateTime(clock.done_at) || "—"),
    h("td", { class: "percent" }, `${clock.percent} %`));
}
