// What the SLA page's two editors share: labelled inputs that know the server's name
// for them (data-field, e.g. "hours.mon" or "first_response.amount"), and a refused
// save shown on the input the server named ("hours.mon[1]" lands on Monday's hours).
import { ApiError, h, showError, t } from "../app.js";

export function field(label, input, name) {
  input.dataset.field = name;
  return h("label", { class: "sla-field" }, h("span", {}, label), input,
    h("span", { class: "sla-field-error", role: "alert", hidden: true }));
}

export function clearErrors(form) {
  for (const node of form.querySelectorAll(".invalid")) node.classList.remove("invalid");
  for (const note of form.querySelectorAll(".sla-field-error")) {
    note.hidden = true;
    note.textContent = "";
  }
  const general = form.querySelector(".sla-form-error");
  if (general) { general.hidden = true; general.textContent = ""; }
}

// The input whose name is the server's field or the longest prefix of it.
function inputFor(form, name) {
  let best = null;
  for (const input of form.querySelectorAll("[data-field]")) {
    const own = input.dataset.field;
    const matches = name === own || name.startsWith(`${own}[`) || name.startsWith(`${own}.`);
    if (matches && (!best || own.length > best.dataset.field.length)) best = input;
  }
  return best;
}

export function showRefusal(form, error) {
  if (!(error instanceof ApiError) || !error.body) { showError(error); return; }
  const named = error.body.field;
  const raw = error.body.message || error.message;
  // "hours.mon[1]: 11:00-18:00 overlaps another range": the input says where already.
  const message = named && raw.startsWith(`${named}: `) ? raw.slice(named.length + 2) : raw;
  const input = named ? inputFor(form, named) : null;
  const note = input?.closest(".sla-field")?.querySelector(".sla-field-error");
  if (note) {
    input.classList.add("invalid");
    note.textContent = message;
    note.hidden = false;
    input.focus();
  } else {
    const general = form.querySelector(".sla-form-error");
    general.textContent = `${t("Error")}: ${message}`;
    general.hidden = false;
  }
}

export function generalError() {
  return h("p", { class: "sla-form-error error", role: "alert", hidden: true });
}

export function select(name, options, chosen) {
  return h("select", { name }, options.map(([value, label]) =>
    h("option", { value, selected: value === chosen }, label)));
}

export function buttons(onCancel, extra) {
  return h("div", { class: "row sla-form-buttons" },
    h("button", { type: "submit", class: "primary" }, t("Save")),
    h("button", { type: "button", onclick: onCancel }, t("Cancel")), extra || null);
}
