// The status bar: the agent's live state and since when, and what she can do
// next (log in to queues, pause with a reason, resume, log out).
import { fmtTime, h, t } from "../../app.js";
import { clock, reasonLabel, startOf, stateLabel } from "./labels.js";

// model: {agent, queues, pauseReasons, stateSeenAt, error, busy}; act: {login, pause, resume, logout}
export function renderStatus(model, act) {
  const agent = model.agent || { state: "logged_out", queues: [] };
  return h("section", { class: "card agent-status", "aria-label": t("Your status") },
    h("div", { class: "agent-status-main" },
      statePill(agent, model.stateSeenAt),
      agent.interface ? h("span", { class: "muted agent-phone" },
        t("Phone: {interface}", { interface: agent.interface })) : null),
    agent.state === "logged_out" ? loginForm(model, act) : loggedIn(agent, model, act),
    h("p", { class: "error agent-error", role: "alert" }, model.error || ""));
}

function statePill(agent, seenAt) {
  const reason = agent.state === "paused" && agent.pause_reason
    ? h("span", { class: "agent-reason" }, reasonLabel(agent.pause_reason)) : null;
  const since = agent.since && agent.state !== "logged_out"
    ? h("span", { class: "agent-since" }, t("since {time}", { time: fmtTime(agent.since) }),
      " · ", clock(startOf(agent.since, seenAt)))
    : null;
  return h("div", { class: `agent-state state-${agent.state}`, dataset: { state: agent.state } },
    h("span", { class: "dot", "aria-hidden": "true" }),
    h("strong", { class: "agent-state-label" }, stateLabel(agent.state)),
    reason, since);
}

function tierText(queue) {
  const tier = queue.tier ?? (Number(queue.penalty) || 0) + 1;
  return t("tier {tier}", { tier });
}

function loginForm(model, act) {
  const choices = (model.queues || []).map((queue) => h("label", { class: "queue-choice" },
    h("input", { type: "checkbox", name: "queue", value: queue.queue, checked: true }),
    h("span", {}, queue.queue), h("span", { class: "muted" }, tierText(queue))));
  const form = h("form", { class: "agent-actions", onsubmit: (event) => {
    event.preventDefault();
    const picked = [...form.querySelectorAll("input[name=queue]:checked")].map((i) => i.value);
    act.login(picked);
  } },
  choices.length ? h("fieldset", { class: "queue-choices" },
    h("legend", {}, t("Your queues")), choices)
    : h("span", { class: "muted" }, t("You are in no queue of the published routes.")),
  h("button", { type: "submit", class: "primary", disabled: model.busy || !choices.length },
    t("Log in to queues")));
  return form;
}

function loggedIn(agent, model, act) {
  return h("div", { class: "agent-actions" },
    h("ul", { class: "queue-chips", "aria-label": t("Your queues") },
      (agent.queues || []).map((queue) => h("li", { class: queue.paused ? "paused" : "" },
        h("span", {}, queue.queue), " ", h("span", { class: "muted" }, tierText(queue))))),
    agent.state === "paused" ? resumeButton(model, act) : pauseForm(model, act),
    h("button", { type: "button", class: "danger", disabled: model.busy,
                  onclick: () => act.logout() }, t("Log out of queues")));
}

function resumeButton(model, act) {
  return h("button", { type: "button", class: "primary", disabled: model.busy,
                       onclick: () => act.resume() }, t("Resume work"));
}

function pauseForm(model, act) {
  const reasons = model.pauseReasons?.length ? model.pauseReasons : ["break"];
  const select = h("select", { name: "reason", "aria-label": t("Pause reason") },
    reasons.map((reason) => h("option", { value: reason }, reasonLabel(reason))));
  return h("form", { class: "pause-form", onsubmit: (event) => {
    event.preventDefault();
    act.pause(select.value);
  } }, select, h("button", { type: "submit", disabled: model.busy }, t("Start a pause")));
}
