// Missed calls to call back: click-to-call (the agent's phone rings first, then
// the customer's), then the outcome of the attempt with a note.
import { api, fmtDateTime, h, t } from "../../app.js";
import { priorityBadge } from "../ticket_view.js";
import { errorText, outcomeLabel } from "./labels.js";

const OUTCOMES = ["reached", "no_answer", "busy", "wrong_number"];

export function callbackPanel() {
  const list = h("div", { class: "callback-list" }, h("p", { class: "empty" }, t("Loading…")));
  const pending = new Map(); // ticket number → attempt id being called
  const legs = new Map(); // attempt id → did the agent's phone answer (from the socket)
  const panel = h("section", { class: "card callbacks", "aria-label": t("Callbacks") },
    h("div", { class: "row callbacks-head" }, h("h2", {}, t("Callbacks")),
      h("span", { class: "spacer" }),
      h("button", { type: "button", onclick: () => reload() }, t("Refresh"))),
    list);

  async function reload() {
    try {
      const data = await api("GET", "/callbacks");
      const items = data.items || [];
      list.replaceChildren(items.length ? table(items)
        : h("p", { class: "empty" }, t("No missed calls to call back.")));
    } catch (error) {
      list.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    }
  }

  function table(items) {
    return h("ul", { class: "callback-items" }, items.map(row));
  }

  function row(item) {
    const action = h("div", { class: "callback-action" });
    showAction(action, item);
    return h("li", { class: "callback", dataset: { ticket: item.ticket } },
      h("div", { class: "callback-who" },
        h("strong", { class: "callback-name" }, item.caller_name || t("Unknown caller")),
        h("span", { class: "callback-number" }, item.caller || t("Hidden number")),
        item.vip ? h("span", { class: "badge vip" }, t("VIP")) : null,
        item.priority ? priorityBadge(item.priority) : null),
      item.title ? h("div", { class: "callback-title" }, item.title) : null,
      h("div", { class: "callback-meta muted" },
        h("a", { href: `#/tickets/${encodeURIComponent(item.ticket)}` }, item.ticket), " · ",
        t("missed {when}", { when: fmtDateTime(item.created_at) }),
        item.missed_calls > 1
          ? h("span", { class: "callback-missed" }, " · ",
            t("{count} missed calls", { count: item.missed_calls })) : null),
      voicemail(item.voicemail),
      scheduleForm(item),
      h("div", { class: "callback-holder" }, item.assignee
        ? t("Taken by {name}", { name: item.assignee }) : claimButton(item)),
      h("div", { class: "callback-attempts" }, h("span", { class: "muted" }, t("Attempts:")),
        " ", attempts(item.attempts || [])),
      action);
  }

  // "Call back at 15:00": the time agreed, in the contact center's zone.
  function scheduleForm(item) {
    const when = h("input", { type: "datetime-local", name: "callback-at",
                              "aria-label": t("Call back at") });
    const error = h("span", { class: "error", role: "alert" });
    return h("form", { class: "callback-when", onsubmit: async (event) => {
      event.preventDefault();
      try {
        await api("POST", `/callbacks/${encodeURIComponent(item.ticket)}/schedule`,
          { at: when.value || null });
        await reload();
      } catch (failure) {
        error.textContent = errorText(failure);
      }
    } },
    item.scheduled_at ? h("strong", { class: "callback-scheduled" },
      t("Call back at {when}", { when: fmtDateTime(item.scheduled_at) })) : null,
    " ", when, h("button", { type: "submit" }, t("Set the time")), error);
  }

  // One agent at a time: she takes the callback; the list shows who has it.
  function claimButton(item) {
    const error = h("span", { class: "error", role: "alert" });
    const button = h("button", { type: "button", onclick: async () => {
      button.disabled = true;
      try {
        await api("POST", `/callbacks/${encodeURIComponent(item.ticket)}/claim`, {});
        await reload();
      } catch (failure) {
        button.disabled = false;
        error.textContent = errorText(failure);
      }
    } }, t("Take it"));
    return h("span", {}, button, error);
  }

  function showAction(cell, item) {
    const attempt = pending.get(item.ticket);
    cell.replaceChildren(attempt === undefined ? callButton(cell, item)
      : outcomeForm(item, attempt));
  }

  function callButton(cell, item) {
    const error = h("span", { class: "error", role: "alert" });
    const button = h("button", { type: "button", class: "primary", onclick: async () => {
      button.disabled = true;
      button.textContent = t("Calling your phone…");
      try {
        const result = await api("POST", `/callbacks/${encodeURIComponent(item.ticket)}/call`, {});
        pending.set(item.ticket, result.attempt);
        showAction(cell, item);
      } catch (failure) {
        button.disabled = false;
        button.textContent = t("Call back");
        error.textContent = errorText(failure);
      }
    } }, t("Call back"));
    return h("div", {}, button, error);
  }

  function outcomeForm(item, attempt) {
    const outcome = h("select", { name: "outcome", "aria-label": t("Outcome") },
      OUTCOMES.map((value) => h("option", { value }, outcomeLabel(value))));
    const note = h("input", { name: "note", placeholder: t("Note"), "aria-label": t("Note") });
    const error = h("span", { class: "error", role: "alert" });
    return h("form", { class: "outcome-form", onsubmit: async (event) => {
      event.preventDefault();
      try {
        await api("POST", `/callbacks/${encodeURIComponent(item.ticket)}/outcome`,
          { attempt, outcome: outcome.value, note: note.value });
        pending.delete(item.ticket);
        await reload();
      } catch (failure) {
        error.textContent = errorText(failure);
      }
    } },
    h("span", { class: "calling" }, legText(legs.get(attempt))),
    outcome, note, h("button", { type: "submit" }, t("Save outcome")), error);
  }

  // The socket's word on an attempt: the agent's phone answered (the customer is
  // being dialled) or not. The row's outcome form shows it.
  function attemptChanged(attempt) {
    legs.set(attempt.id, attempt.agent_answered);
    for (const [ticket, id] of pending) {
      if (id !== attempt.id) continue;
      const cell = panel.querySelector(`li[data-ticket="${CSS.escape(ticket)}"] .callback-action`);
      const calling = cell?.querySelector(".calling");
      if (calling) calling.textContent = legText(attempt.agent_answered);
    }
  }

  // Now and then, unless the agent is busy with the list (a call, a note).
  function refresh() {
    if (!pending.size && !panel.contains(document.activeElement)) reload();
  }

  return { panel, reload, refresh, attemptChanged };
}

function legText(answered) {
  if (answered === true) return t("Your phone answered: the customer is being dialled.");
  if (answered === false) return t("Your phone did not answer.");
  return t("Calling your phone…");
}

// The caller's message may hold a PESEL or a card number: it plays only once the
// transcription has silenced them (the server refuses it before anyway).
function voicemail(message) {
  if (!message) return null;
  if (!message.ready) {
    return h("div", { class: "callback-voicemail muted" },
      t("Voicemail: waiting for personal data to be silenced"));
  }
  return h("div", { class: "callback-voicemail" }, h("span", {}, t("Voicemail:")), " ",
    h("audio", { controls: true, preload: "none", "aria-label": t("The caller's voicemail"),
                 src: `/api/v1/callbacks/${encodeURIComponent(message.ticket)}/voicemail` }));
}

function attempts(list) {
  if (!list.length) return h("span", { class: "muted" }, t("none yet"));
  return h("ol", { class: "attempts" }, list.map((attempt) => h("li", {},
    outcomeLabel(attempt.outcome) || t("in progress"), " · ",
    h("span", { class: "muted" }, fmtDateTime(attempt.at)),
    attempt.agent ? h("span", { class: "muted" }, ` · ${attempt.agent}`) : null)));
}
