// The agent console: status bar, screen-pop and callbacks. The server is the
// truth: state comes from GET /agent/state on load and after every websocket
// reconnect, then from the socket's "agent" and "pop" messages.
import { api, fmtDuration, h, t, toast } from "../app.js";
import { connect } from "../ws.js";
import { callbackPanel } from "./agent/callbacks.js";
import { dropDraft, keepDraft, loadDraft, saveLeftDrafts } from "./agent/drafts.js";
import { errorText, startOf } from "./agent/labels.js";
import { renderIdle, renderPop } from "./agent/pop.js";
import { renderStatus } from "./agent/status.js";
import { wrapUpForm } from "./agent/wrapup.js";
import { showCrm } from "./crm.js";

const MISSED_FADE_MS = 8000; // a missed pop stays this long, fading, then goes
const CALLBACKS_EVERY_MS = 30_000; // new missed calls reach the list without a click

let current = null; // the console on screen: its socket, ticker and timers
let plainTitle = null; // the tab's title before a ringing call changed it

export async function render(root) {
  const model = { agent: null, pop: null, queues: [], pauseReasons: [], stateSeenAt: Date.now(),
                  popSeen: {}, error: "", busy: false, wrapUps: new Map(),
                  crm: new Map() }; // linkedid → the CRM card's slot and answer
  const statusSlot = h("div", { class: "agent-status-slot" });
  const live = h("span", { class: "live-badge", role: "status" });
  const popSlot = h("div", { class: "pop-slot" });
  const callbacks = callbackPanel();
  const console_ = { model, statusSlot, popSlot, callbacks, live, socket: null, ticker: null,
                     poll: null, fade: null };
  current = console_;
  root.append(h("link", { rel: "stylesheet", href: "/static/css/agent.css" }),
    h("link", { rel: "stylesheet", href: "/static/css/crm.css" }),
    h("div", { class: "agent-console" }, live, statusSlot,
      h("div", { class: "agent-columns" }, popSlot, callbacks.panel)));
  await loadState(console_);
  if (current !== console_) return; // the page was left meanwhile: no socket, no timers
  callbacks.reload();
  console_.socket = connect(["agent"], (message) => onMessage(console_, message));
  console_.ticker = setInterval(() => tick(console_, root), 1000);
  console_.poll = setInterval(() => callbacks.refresh(), CALLBACKS_EVERY_MS);
  tick(console_, root);
}

export function dispose() {
  if (!current) return;
  current.socket?.close?.();
  clearInterval(current.ticker);
  clearInterval(current.poll);
  clearTimeout(current.fade);
  current = null;
  if (plainTitle !== null) document.title = plainTitle;
  plainTitle = null;
}

async function loadState(c) {
  try {
    const data = await api("GET", "/agent/state");
    const error = data.agent ? ""
      : t("Your account has no phone (SIP interface). Ask an administrator.");
    Object.assign(c.model, { queues: data.queues || [], pauseReasons: data.pause_reasons || [],
                             error });
    setAgent(c, data.agent);
    setPop(c, data.pop || null);
    crmAfterReload(c, data.pop);
  } catch (error) {
    c.model.error = errorText(error);
    drawStatus(c);
    drawPop(c);
  }
}

function onMessage(c, message) {
  if (c !== current) return;
  if (message.type === "agent") setAgent(c, message.agent);
  else if (message.type === "pop") setPop(c, message.pop);
  else if (message.type === "crm") crmOf(c, message.linkedid, message.crm);
  else if (message.type === "callback" && message.attempt) {
    c.callbacks.attemptChanged(message.attempt);
  }
  else if (message.type === "reconnected") {
    loadState(c);
    c.callbacks.reload();
  } else if (message.type === "unauthorized") loadState(c); // its 401 leads to the login form
}

function setAgent(c, agent) {
  const before = c.model.agent;
  c.model.agent = agent;
  if (!before || before.state !== agent?.state || before.since !== agent?.since) {
    c.model.stateSeenAt = Date.now();
  }
  drawStatus(c);
  // Clocks of the card follow the agent (talk time, wrap-up left); redrawing a ringing
  // or missed card would restart its animation.
  const pop = c.model.pop;
  if (!pop || pop.state === "connected" || pop.state === "wrap_up") drawPop(c);
}

function setPop(c, pop) {
  const before = c.model.pop;
  const same = before && pop && before.linkedid === pop.linkedid;
  if (pop && !same) c.model.popSeen = { [pop.state]: Date.now() };
  else if (pop && before.state !== pop.state) c.model.popSeen[pop.state] = Date.now();
  c.model.pop = pop;
  clearTimeout(c.fade);
  if (pop?.state === "missed") {
    c.fade = setTimeout(() => { if (c.model.pop === pop) setPop(c, null); }, MISSED_FADE_MS);
    c.callbacks.reload();
  }
  // With no call on screen no wrap-up is open (not even one a ring put aside): a
  // draft left now lost its form (time ran out) and goes onto its ticket.
  if (!pop) saveLeftDrafts(null);
  drawPop(c);
}

function drawStatus(c) {
  c.statusSlot.replaceChildren(renderStatus(c.model, actions(c)));
}

// A ringing call shows in the tab's title too: the agent may be in another tab.
function flagTitle(pop) {
  if (plainTitle === null) plainTitle = document.title;
  const who = pop?.customer?.name || pop?.caller_name || pop?.caller_number || "";
  document.title = pop?.state === "ringing"
    ? `☎ ${t("Incoming call")}: ${who}` : plainTitle;
}

function drawPop(c) {
  const { pop, agent, popSeen } = c.model;
  flagTitle(pop);
  if (!pop) {
    c.popSlot.replaceChildren(renderIdle(agent?.state || "logged_out"));
    return;
  }
  const now = Date.now();
  const clocks = {
    waitFrom: (popSeen.ringing || now) - (pop.wait_seconds || 0) * 1000,
    talkFrom: agent?.state === "in_call" ? startOf(agent.since, popSeen.connected || now)
      : popSeen.connected || now,
    wrapUntil: wrapUpEnd(agent, now),
  };
  c.popSlot.replaceChildren(renderPop(pop, clocks, wrapUpFor(c, pop),
                                     crmOf(c, pop.linkedid).slot));
}

// The CRM's answer follows the pop as its own message (the pop never waits for it);
// it fills a slot kept across the pop's redraws. Only the current call's is kept.
function crmOf(c, linkedid, answer) {
  let entry = c.model.crm.get(linkedid);
  if (!entry) {
    entry = { slot: h("div", { class: "crm-slot" }), answer: null };
    c.model.crm.set(linkedid, entry);
  }
  for (const key of [...c.model.crm.keys()]) {
    if (key !== linkedid && key !== c.model.pop?.linkedid) c.model.crm.delete(key);
  }
  if (answer) showCrm(entry.slot, (entry.answer = answer));
  return entry;
}

// A page opened during a call missed the socket's CRM message: the ticket's answer
// (from the server's cache) stands in.
async function crmAfterReload(c, pop) {
  if (!pop?.ticket || crmOf(c, pop.linkedid).answer) return;
  try {
    const answer = await api("GET", `/tickets/${encodeURIComponent(pop.ticket.number)}/crm`);
    if (!crmOf(c, pop.linkedid).answer) crmOf(c, pop.linkedid, answer);
  } catch {
    // the card stays away; the pop itself is what matters
  }
}

// When the PBX will end the wrap-up by itself; only when that clock agrees with ours.
function wrapUpEnd(agent, now) {
  const until = agent?.state === "wrap_up" ? Date.parse(agent.wrap_up_until || "") : NaN;
  return Number.isFinite(until) && until > now && until - now < 3600 * 1000 ? until : null;
}

// One form per call, kept across redraws so a half-written note survives.
function wrapUpFor(c, pop) {
  if (pop.state !== "wrap_up") return null;
  if (!c.model.wrapUps.has(pop.linkedid)) {
    c.model.wrapUps.set(pop.linkedid, wrapUpForm(pop, (body) => saveWrapUp(c, pop, body)));
  }
  return c.model.wrapUps.get(pop.linkedid);
}

async function saveWrapUp(c, pop, body) {
  // The draft goes before the request: the socket's "pop: null" may come before the
  // answer, and must not find a draft to save as a second note.
  const draft = loadDraft(pop.linkedid);
  dropDraft(pop.linkedid);
  try {
    await api("POST", "/agent/wrapup", body);
  } catch (error) {
    if (draft) keepDraft(pop.linkedid, draft);
    throw errorText(error);
  }
  c.model.wrapUps.delete(pop.linkedid);
  if (c.model.pop?.linkedid === pop.linkedid) setPop(c, null);
  toast(t("Wrap-up saved."));
  c.callbacks.reload();
}

function actions(c) {
  const run = (method, path, body) => perform(c, method, path, body);
  return {
    login: (queues) => run("POST", "/agent/login", { queues }),
    pause: (reason) => run("POST", "/agent/pause", { reason }),
    resume: () => run("POST", "/agent/resume", {}),
    logout: () => run("POST", "/agent/logout", {}),
  };
}

// A command; its answer (when it carries the agent) or the next socket message shows it.
async function perform(c, method, path, body) {
  Object.assign(c.model, { busy: true, error: "" });
  drawStatus(c);
  try {
    const data = await api(method, path, body);
    if (data?.agent && c === current) setAgent(c, data.agent);
  } catch (error) {
    c.model.error = errorText(error);
  } finally {
    c.model.busy = false;
    if (c === current) drawStatus(c);
  }
}

function tick(c, root) {
  const now = Date.now();
  const connected = c.socket ? c.socket.connected !== false : false;
  if (c.live.dataset.connected !== String(connected)) {
    c.live.dataset.connected = String(connected);
    c.live.textContent = connected ? t("Live") : t("Reconnecting…");
  }
  for (const clock of root.querySelectorAll(".clock[data-from]")) {
    clock.textContent = fmtDuration((now - Number(clock.dataset.from)) / 1000);
  }
  for (const clock of root.querySelectorAll(".clock[data-until]")) {
    clock.textContent = fmtDuration(Math.max(0, Number(clock.dataset.until) - now) / 1000);
  }
}
