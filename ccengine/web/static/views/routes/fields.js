// Form inputs bound to a plain object of the graph: each edit writes straight
// into the object and calls changed(). data-field carries the model's field
// path, so validation issues can be pinned on the input they concern.
import { h, t } from "../../app.js";

export function bind(changed) {
  const set = (obj, key, value, nullable) => {
    if (value === "" && nullable) obj[key] = null;
    else obj[key] = value;
    changed();
  };
  return {
    text(label, obj, key, { field = key, nullable = false, type = "text", placeholder } = {}) {
      return h("label", {}, label, h("input", {
        type, value: obj[key] ?? "", "data-field": field, name: field, placeholder,
        oninput: (event) => set(obj, key, event.target.value, nullable) }));
    },
    number(label, obj, key, { field = key, nullable = false, step = 1 } = {}) {
      return h("label", {}, label, h("input", {
        type: "number", step, value: obj[key] ?? "", "data-field": field, name: field,
        oninput: (event) => {
          const raw = event.target.value;
          set(obj, key, raw === "" ? "" : Number(raw), nullable);
        } }));
    },
    check(label, obj, key, { field = key } = {}) {
      return h("label", { class: "check" }, h("input", {
        type: "checkbox", checked: Boolean(obj[key]), "data-field": field, name: field,
        onchange: (event) => set(obj, key, event.target.checked, false) }), label);
    },
    select(label, obj, key, options, { field = key, nullable = false } = {}) {
      const current = obj[key] ?? "";
      const choices = options.map(([value, text]) =>
        h("option", { value, selected: value === current }, text));
      if (!options.some(([value]) => value === current)) {
        choices.unshift(h("option", { value: current, selected: true },
                          current === "" ? t("— choose —") : current));
      }
      return h("label", {}, label, h("select", {
        "data-field": field, name: field,
        onchange: (event) => set(obj, key, event.target.value, nullable) }, choices));
    },
    list(label, obj, key, { field = key, placeholder } = {}) {
      return h("label", {}, label, h("input", {
        type: "text", value: (obj[key] || []).join(", "), "data-field": field, name: field,
        placeholder,
        oninput: (event) => set(obj, key, event.target.value.split(",")
          .map((item) => item.trim()).filter(Boolean), false) }));
    },
  };
}

// A dropdown of the graph's nodes (a branch's target); optional ones may be empty.
export function targetSelect(fields, label, obj, key, nodeIds, { field = key, optional = false } = {}) {
  const options = nodeIds.map((id) => [id, id]);
  if (optional) options.unshift(["", t("(none)")]);
  return fields.select(label, obj, key, options, { field, nullable: optional });
}

// Pin issues on the inputs whose field they name (or a field inside it).
export function markIssues(form, issues) {
  for (const input of form.querySelectorAll("[data-field]")) {
    const field = input.dataset.field;
    const mine = issues.filter((issue) => issue.field === field
                                          || issue.field.startsWith(`${field}.`)
                                          || field.startsWith(`${issue.field}.`));
    input.classList.toggle("invalid", mine.length > 0);
    if (mine.length) input.title = mine.map((issue) => issue.message).join("\n");
  }
}

export function section(title, ...children) {
  return h("fieldset", {}, h("legend", {}, title), ...children);
}

export function removeButton(label, onclick) {
  return h("button", { type: "button", class: "danger small", title: label,
                       "aria-label": label, onclick }, "×");
}
