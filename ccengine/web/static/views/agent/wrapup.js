// The wrap-up form: a note, the ticket's status and the call's disposition (the
// queue's reason codes), saved to end the wrap-up. What she writes is kept as a
// draft of this call (drafts.js) from the first key.
import { api, h, session, t } from "../../app.js";
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
  // A queue whose calls are logged on the customer only: the call is done at wrap-up.
  if (pop.call_tickets === "customer_only") status.value = "resolved";
  const disposition = h("select", { name: "disposition", required: pop.disposition_required },
    h("option", { value: "" }, pop.disposition_required ? t("— choose —") : t("(none)")));
  const draft = loadDraft(pop.linkedid);
  if (draft) {
    note.value = draft.note || "";
    if (STATUSES.includes(draft.status)) status.value = draft.status;
  }
  fillDispositions(disposition, pop.queue, draft?.disposition);
  const keep = () => keepDraft(pop.linkedid, { ticket: pop.ticket?.number, note: note.value,
                                               status: status.value,
                                               disposition: disposition.value });
  note.addEventListener("input", keep);
  status.addEventListener("change", keep);
  disposition.addEventListener("change", keep);
  const error = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, t("Save and finish"));
  const form = h("form", { class: "wrapup", onsubmit: async (event) => {
    event.preventDefault();
    button.disabled = true;
    error.textContent = "";
    try {
      await save({ ticket: pop.ticket?.number, status: status.value, note: note.value,
                   disposition: disposition.value || null });
    } catch (failure) {
      error.textContent = String(failure);
      button.disabled = false;
    }
  } },
  h("h3", {}, t("Finish the call")),
  pop.ticket ? h("p", {}, t("Ticket"), " ", ticketLink(pop.ticket)) : null,
  h("label", {}, t("Note"), note),
  h("label", {}, t("Ticket status"), status),
  h("label", {}, t("Disposition"), disposition),
  h("div", { class: "row" }, button),
  error);
  return form;
}

// The queue's active dispositions, labelled in the user's language.
async function fillDispositions(select, queue, chosen) {
  let items = [];
  try {
    const query = `queue=${encodeURIComponent(queue)}&active=true`;
    items = (await api("GET", `/dispositions?${query}`)).items;
  } catch {
    return; // the form still saves; a required disposition is refused with its reason
  }
  const english = session().locale === "en";
  for (const item of items) {
    select.append(h("option", { value: item.code, selected: item.code === chosen },
                    english ? item.label_en : item.label_pl));
  }
}
