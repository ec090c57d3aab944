// The screen-pop card: who is calling, what they chose in the IVR, their recent
// tickets and the ticket this call opened; then the active call, then wrap-up.
import { fmtDateTime, fmtDuration, h, t } from "../../app.js";
import { priorityBadge } from "../ticket_view.js";
import { clock, countdown } from "./labels.js";
import { customerActions } from "./pop_customer.js";

const HEADINGS = {
  ringing: () => t("Incoming call"),
  connected: () => t("Active call"),
  wrap_up: () => t("Call ended: wrap-up"),
  missed: () => t("Missed call"),
};

// pop: the server's pop; clocks: {waitFrom, talkFrom, wrapUntil?} in epoch ms; wrapUp: its form
export function renderPop(pop, clocks, wrapUp, crmSlot) {
  const heading = (HEADINGS[pop.state] || (() => pop.state))();
  return h("section", { class: `card pop pop-${pop.state}`, "aria-live": "assertive",
                        "aria-label": heading, dataset: { linkedid: pop.linkedid } },
    h("header", { class: "pop-head" },
      h("span", { class: "pop-kind" }, heading),
      pop.customer?.vip ? h("span", { class: "badge vip pop-vip" }, t("VIP")) : null,
      h("span", { class: "spacer" }),
      callClock(pop, clocks)),
    caller(pop),
    facts(pop),
    crmSlot || null,
    history(pop.recent_tickets || []),
    pop.state === "wrap_up" ? wrapUp : null,
    pop.state === "missed" ? h("p", { class: "pop-note" },
      t("The caller hung up or another agent took the call.")) : null);
}

function callClock(pop, clocks) {
  if (pop.state === "ringing") {
    return h("span", { class: "pop-clock" }, t("Waiting"), " ",
      clock(clocks.waitFrom));
  }
  if (pop.state === "connected") {
    return h("span", { class: "pop-clock talk" }, t("Talking"), " ",
      clock(clocks.talkFrom));
  }
  if (pop.state === "wrap_up" && clocks.wrapUntil) {
    return h("span", { class: "pop-clock" }, t("Time left"), " ", countdown(clocks.wrapUntil));
  }
  return null;
}

function caller(pop) {
  const name = pop.customer?.name || pop.caller_name || t("Unknown caller");
  const heading = h("h2", { class: "pop-name" }, name);
  // Named here, the pop shows it at once; the next pop reads it from the customer.
  const unknown = pop.customer ? null
    : h("span", { class: "muted pop-unknown" }, t("not a known customer"));
  const named = (given) => { heading.textContent = given; unknown?.remove(); };
  return h("div", { class: "pop-caller" }, heading,
    h("span", { class: "pop-number" }, pop.caller_number || t("Hidden number")),
    unknown, customerActions(pop, named));
}

function fact(label, ...value) {
  return [h("dt", {}, label), h("dd", {}, ...value)];
}

function facts(pop) {
  const path = pop.ivr_summary || (pop.ivr_path || []).join(" → ");
  return h("dl", { class: "pop-facts" },
    fact(t("IVR choice"), h("span", { class: "pop-ivr" }, path || t("none"))),
    fact(t("Queue"), h("span", { class: "pop-queue" }, pop.queue || "—")),
    pop.state === "ringing" ? null
      : fact(t("Waited"), fmtDuration(pop.wait_seconds)),
    fact(t("This call's ticket"), pop.ticket ? ticketLink(pop.ticket) : t("not opened yet")),
    pop.did ? fact(t("Number dialled"), pop.did) : null);
}

export function ticketLink(ticket) {
  return h("span", { class: "pop-ticket" },
    h("a", { href: `#/tickets/${encodeURIComponent(ticket.number)}` }, ticket.number),
    ticket.priority ? priorityBadge(ticket.priority) : null);
}

function history(tickets) {
  return h("div", { class: "pop-history" },
    h("h3", {}, t("Recent tickets")),
    tickets.length ? h("ul", {}, tickets.map((ticket) => h("li", {},
      h("a", { href: `#/tickets/${encodeURIComponent(ticket.number)}` }, ticket.number),
      ticket.priority ? [" ", priorityBadge(ticket.priority)] : null,
      " ", h("span", { class: "pop-ticket-title" }, ticket.title || ""),
      " ", h("span", { class: "muted" }, fmtDateTime(ticket.created_at)))))
      : h("p", { class: "empty" }, t("No earlier tickets.")));
}

// Between calls: a calm card that says the console is listening.
export function renderIdle(agentState) {
  const text = agentState === "available" ? t("Waiting for the next call…")
    : agentState === "logged_out" ? t("Log in to your queues to take calls.")
      : agentState === "paused" ? t("You are paused: no calls will ring you.")
        : t("No call right now.");
  return h("section", { class: "card pop-idle" }, h("p", { class: "empty" }, text));
}
