// The wrap-up form: a note and the ticket's status, saved to end the wrap-up.
// What she writes is kept as a draft of this call (drafts.js) from the first key.
import { h, t } from "../../app.js";
import { keepDraft, loadDraft } from "./drafts.js";
import { ticketStatusLabel } from "./labels.js";
import { ticketLink } from "./pop.js";

const STATUSES = ["closed", "resolved", "in_progress", "waiting_for_customer"];

// save({ticket, status, note}) resolves when done, rejects with an error text.
export function wrapUpForm(pop, save) {
  const note = h("textarea", { name: "note", rows: 4,
                               placeholder: t("What was the call about, what was agreed?") });
  const status = h("select", { name: "status" },
    STATUSES.map((value) => h("option", { value }, ticketStatusLabel(value))));
  const draft = loadDraft(pop.linkedid);
  if (draft) {
    note.value = draft.note || "";
    if (STATUSES.includes(draft.status)) status.value = draft.status;
  }
  const keep = () => keepDraft(pop.linkedid, { ticket: pop.ticket?.number, note: note.value,
                                               status: status.value });
  note.addEventListener("input", keep);
  status.addEventListener("change", keep);
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
