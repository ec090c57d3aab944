// Web forms (admins, on the Channels page): the list, an editor (fields in rows: name,
// Polish and English labels, kind, required, max length, choices), and the HTML snippet
// a customer's site pastes in, with a button that copies it.
import { api, clear, h, showError, t, toast } from "../app.js";

const kinds = () => [["text", t("Text")], ["email", t("E-mail")], ["phone", t("Phone")],
                     ["textarea", t("Long text")], ["choice", t("Choice")]];

export async function renderForms(section) {
  const list = h("div", { class: "web-forms" });
  const editor = h("div", { class: "web-form-editor" });
  const snippet = h("div", { class: "web-form-snippet" });
  const reload = () => load(list, editor, snippet);
  section.append(h("h2", {}, t("Web forms")), list,
    h("button", { type: "button", name: "new-form",
                  onclick: () => clear(editor, formEditor(null, reload, snippet)) },
      t("Add form")), editor, snippet);
  await reload();
}

async function load(list, editor, snippet) {
  try {
    const data = await api("GET", "/web-forms");
    clear(list, table(data.items, (item) => clear(editor, formEditor(item, () =>
      load(list, editor, snippet), snippet)), (item) => showSnippet(snippet, item)));
  } catch (error) {
    showError(error);
  }
}

function table(items, edit, embed) {
  if (!items.length) return h("p", { class: "empty" }, t("No web forms yet."));
  return h("table", { class: "list" },
    h("thead", {}, h("tr", {}, [t("Key"), t("Name"), t("Queue"), t("Active"),
                                t("Spam posts"), ""].map((name) => h("th", {}, name)))),
    h("tbody", {}, items.map((item) => h("tr", { dataset: { form: item.key } },
      h("td", {}, item.key), h("td", {}, item.name), h("td", {}, item.queue),
      h("td", {}, item.active ? t("yes") : t("no")), h("td", {}, String(item.spam_count)),
      h("td", {}, h("button", { type: "button", name: "edit", onclick: () => edit(item) },
                    t("Edit")), " ",
        h("button", { type: "button", name: "embed", onclick: () => embed(item) },
          t("Embed code")))))));
}

const input = (name, value, attrs = {}) => h("input", { name, value: value ?? "", ...attrs });
const field = (label, control) => h("label", {}, label, control);

function fieldRow(spec) {
  const row = h("div", { class: "row field-row" },
    field(t("Field name"), input("field_name", spec?.name, { required: true, size: 12 })),
    field(t("Polish label"), input("label_pl", spec?.label_pl, { required: true })),
    field(t("English label"), input("label_en", spec?.label_en, { required: true })),
    field(t("Kind"), h("select", { name: "kind" }, kinds().map(([value, label]) =>
      h("option", { value, selected: value === (spec?.kind || "text") }, label)))),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "required",
                                                checked: !!spec?.required }), t("Required")),
    field(t("Max length"), input("max_length", spec?.max_length ?? "", { type: "number",
                                                                     min: 1, max: 10000 })),
    field(t("Choices (comma-separated)"), input("choices", (spec?.choices || []).join(", "))),
    h("button", { type: "button", name: "remove-field", onclick: () => row.remove() },
      t("Remove")));
  return row;
}

function formEditor(item, reload, snippet) {
  const rows = h("div", { class: "field-rows" }, (item?.fields || [null]).map(fieldRow));
  const form = h("form", { class: "card editor", name: "web-form" },
    h("h2", {}, item ? t("Form {name}", { name: item.name }) : t("New web form")),
    h("div", { class: "row" },
      field(t("Key (in the address)"), input("key", item?.key, { required: true,
                                                              disabled: !!item })),
      field(t("Name"), input("name", item?.name, { required: true })),
      field(t("Queue"), input("queue", item?.queue, { required: true })),
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "active",
                                                  checked: item ? item.active : true }),
        t("Active"))),
    h("fieldset", {}, h("legend", {}, t("Fields")), rows,
      h("button", { type: "button", name: "add-field", onclick: () => rows.append(fieldRow()) },
        t("Add field"))),
    h("div", { class: "row" },
      field(t("Allowed origins (one a line, e.g. https://shop.example)"),
            h("textarea", { name: "allowed_origins" }, (item?.allowed_origins || []).join("\n"))),
      field(t("Thank-you page address"), input("thank_you_url", item?.thank_you_url,
                                            { size: 40 }))),
    h("button", { type: "submit", class: "primary" }, t("Save")));
  form.addEventListener("submit", (event) => save(event, form, item, reload, snippet));
  return form;
}

function collect(form) {
  const value = (name) => form.elements[name].value.trim();
  const body = {
    name: value("name"), queue: value("queue"), active: form.elements.active.checked,
    allowed_origins: value("allowed_origins").split("\n").map((s) => s.trim()).filter(Boolean),
    thank_you_url: value("thank_you_url") || null,
    fields: [...form.querySelectorAll(".field-row")].map((row) => {
      const get = (name) => row.querySelector(`[name=${name}]`);
      const spec = { name: get("field_name").value.trim(), label_pl: get("label_pl").value.trim(),
                     label_en: get("label_en").value.trim(), kind: get("kind").value,
                     required: get("required").checked };
      if (get("max_length").value) spec.max_length = Number(get("max_length").value);
      if (spec.kind === "choice") {
        spec.choices = get("choices").value.split(",").map((s) => s.trim()).filter(Boolean);
      }
      return spec;
    }),
  };
  return body;
}

async function save(event, form, item, reload, snippet) {
  event.preventDefault();
  try {
    const body = collect(form);
    const saved = item ? await api("PUT", `/web-forms/${encodeURIComponent(item.key)}`, body)
      : await api("POST", "/web-forms", { ...body, key: form.elements.key.value.trim() });
    toast(t("Saved."));
    form.remove();
    await reload();
    await showSnippet(snippet, saved);
  } catch (error) {
    showError(error);
  }
}

async function showSnippet(snippet, item) {
  if (!item.active) {
    clear(snippet, h("p", { class: "empty" }, t("An inactive form cannot be embedded.")));
    return;
  }
  try {
    const data = await api("GET", `/forms/${encodeURIComponent(item.key)}/embed`);
    const text = h("textarea", { name: "snippet", readonly: true }, data.html);
    const copy = async () => {
      try {
        await navigator.clipboard.writeText(data.html);
      } catch (error) {
        text.select();
        document.execCommand("copy");
      }
      toast(t("Copied."));
    };
    clear(snippet, h("div", { class: "card", dataset: { form: item.key } },
      h("h2", {}, t("Embed code of {name}", { name: item.name })),
      h("p", { class: "muted" }, t("Paste this into the page where the form should appear.")),
      text, h("button", { type: "button", name: "copy-snippet", onclick: copy }, t("Copy"))));
  } catch (error) {
    showError(error);
  }
}
