// "New ticket" on the tickets list: a small form that opens a ticket by hand for a
// phone number, an e-mail address or nobody yet (POST /api/v1/tickets), then shows it.
// Part of tickets.js.
import { api, h, navigate, showError, t, toast } from "../app.js";
import { PRIORITIES } from "./ticket_view.js";

const OPENERS = new Set(["admin", "agent", "privileged_agent"]);

// The button and its (hidden until asked) form; null for a role that may not open one.
export function newTicketControl(ctx) {
  if (!OPENERS.has(ctx.user.role)) return null;
  const form = newTicketForm();
  form.hidden = true;
  const button = h("button", { type: "button", name: "new_ticket", class: "primary" },
    t("+ New ticket"));
  button.addEventListener("click", () => {
    form.hidden = !form.hidden;
    if (!form.hidden) form.elements.title.focus();
  });
  return h("div", { class: "new-ticket" }, button, form);
}

function newTicketForm() {
  const contact = h("input", { name: "contact", disabled: true,
                               placeholder: t("Phone number or e-mail") });
  const kind = h("select", { name: "for" },
    [["", t("Nobody yet")], ["phone", t("A phone number")], ["email", t("An e-mail address")]]
      .map(([value, label]) => h("option", { value }, label)));
  kind.addEventListener("change", () => {
    contact.disabled = !kind.value;
    contact.required = Boolean(kind.value);
    contact.type = kind.value === "email" ? "email" : "text";
  });
  const fields = {
    title: h("input", { name: "title", required: true, maxlength: 300 }),
    priority: h("select", { name: "priority" },
      PRIORITIES.map((p) => h("option", { value: p, selected: p === "P3" }, p))),
    description: h("textarea", { name: "description", rows: 3, maxlength: 10000 }),
  };
  const submit = async (event) => {
    event.preventDefault();
    const body = { title: fields.title.value.trim(), priority: fields.priority.value };
    if (kind.value) body.for = { [kind.value]: contact.value.trim() };
    if (fields.description.value.trim()) body.description = fields.description.value.trim();
    try {
      const detail = await api("POST", "/tickets", body);
      toast(t("Ticket {number} opened.", { number: detail.ticket.number }));
      navigate(`/tickets/${encodeURIComponent(detail.ticket.number)}`);
    } catch (error) {
      showError(error);
    }
  };
  const form = h("form", { class: "card new-ticket-form", name: "new_ticket", onsubmit: submit },
    h("label", { class: "wide" }, t("Title"), fields.title),
    h("label", {}, t("For"), kind),
    h("label", {}, t("Phone number or e-mail"), contact),
    h("label", {}, t("Priority"), fields.priority),
    h("label", { class: "wide" }, t("Description (optional)"), fields.description),
    h("div", { class: "row buttons" },
      h("button", { type: "submit", class: "primary" }, t("Open ticket")),
      h("button", { type: "button", onclick: () => { form.hidden = true; } }, t("Cancel"))));
  return form;
}
