// The wrap-up form: a note and the ticket's status, saved to end the wrap-up.
import { h, t } from "../../app.js";
import { ticketStatusLabel } from "./labels.js";
import { ticketLink } from "./pop.js";

const STATUSES = ["closed", "in_progress", "waiting_for_customer"];

// save({ticket, status, note}) resolves when done, rejects with an error text.
export function wrapUpForm(pop, save) {
  const note = h("textarea", { name: "note", rows: 4,
                               placeholder: t("What was the call about, what was agreed?") });
  const status = h("select", { name: "status" },
    STATUSES.map((value) => h("option", { value }, ticketStatusLabel(value))));
  const error = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, t("Save and finish"));
  const form = h("form", { class: "wrapup", onsubmit: async (event) => {
    event.preventDefault();
    button.disabled = true;
    error.textContent = "";
    try {
      await save({ ticket: pop.ticket?.number, status: status.value, note: note.value });
    } catch (failure) {
      error.textContent = String(failure);
      button.disabled = false;
    }
  } },
  h("h3", {}, t("Finish the call")),
  pop.ticket ? h("p", {}, t("Ticket"), " ", ticketLink(pop.ticket)) : null,
  h("label", {}, t("Note"), note),
  h("label", {}, t("Ticket status"), status),
  h("div", { class: "row" }, button),
  error);
  return form;
}
