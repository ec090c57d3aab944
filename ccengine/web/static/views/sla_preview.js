// The due-time effect of the policies in force, computed by the server on its clock:
// "a P2 ticket opened now would be due for first response at ..., resolved by ...".
import { api, clear, fmtDateTime, h, showError, t } from "../app.js";
import { select } from "./sla_form.js";

export function duePreview() {
  const priority = select("preview-priority", ["P1", "P2", "P3", "P4"].map((p) => [p, p]), "P2");
  const vip = h("input", { type: "checkbox", name: "preview-vip" });
  const queue = h("input", { name: "preview-queue", maxlength: "100",
                             placeholder: t("any queue") });
  const answer = h("p", { class: "sla-preview-answer", "aria-live": "polite" });
  const refresh = async () => {
    const query = new URLSearchParams({ priority: priority.value, vip: String(vip.checked) });
    if (queue.value.trim()) query.set("queue", queue.value.trim());
    try {
      show(answer, await api("GET", `/sla/due-preview?${query}`));
    } catch (error) {
      showError(error);
    }
  };
  for (const input of [priority, vip]) input.addEventListener("change", refresh);
  queue.addEventListener("change", refresh);
  const element = h("section", { class: "card sla-preview" },
    h("h2", {}, t("Due-time preview")),
    h("div", { class: "row" }, h("label", {}, t("Priority"), " ", priority),
      h("label", {}, vip, " ", t("VIP customer")), h("label", {}, t("Queue"), " ", queue)),
    answer);
  return { element, refresh };
}

function show(answer, preview) {
  if (!preview.policy) {
    clear(answer, t("No SLA policy applies to a {priority} ticket: it has no due times.",
                    { priority: preview.priority }));
    return;
  }
  answer.dataset.opened = preview.opened_at;
  answer.dataset.policy = preview.policy;
  clear(answer,
    t("A {priority} ticket opened now ({opened}) would be due:",
      { priority: preview.priority, opened: fmtDateTime(preview.opened_at) }), " ",
    h("span", { class: "due-first", dataset: { at: preview.first_response_due_at } }, t("first response by {at}",
      { at: fmtDateTime(preview.first_response_due_at) })), ", ",
    h("span", { class: "due-resolution", dataset: { at: preview.resolution_due_at } }, t("resolution by {at}",
      { at: fmtDateTime(preview.resolution_due_at) })), " ",
    h("span", { class: "muted" }, t("(policy {policy}, calendar {calendar})",
      { policy: preview.policy, calendar: preview.calendar })));
}
