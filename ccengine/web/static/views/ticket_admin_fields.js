// The custom-field definitions on the "Categories and fields" page: the list, a new
// field (key, kind, Polish and English labels, choices for a choice field, required)
// and an edit of labels, choices, required and retired. Choices are written one a
// line, "key | Polish label | English label"; a choice on tickets cannot be left out
// (409 choice-in-use, shown on the choices).
import { api, clear, h, session, showError, t, toast } from "../app.js";
import { clearErrors, field, generalError, select, showRefusal } from "./sla_form.js";

const KINDS = () => [["text", t("text")], ["number", t("number")], ["choice", t("choice")],
                     ["date", t("date")]];

export async function fieldsSection() {
  const section = h("div", { class: "custom-field-definitions" });
  const list = h("div", {});
  const editor = h("div", {});
  const reload = async () => {
    try {
      const items = (await api("GET", "/ticket-fields")).items;
      clear(list, table(items, (item) => clear(editor, editForm(item, editor, reload))));
    } catch (error) {
      showError(error);
    }
  };
  section.append(list, editor, addForm(reload));
  await reload();
  return section;
}

// The refusals an admin meets here, in the page's language (the server's English
// message for any other), shown on the input the server names.
export function refuse(form, error) {
  const known = {
    "category-name-taken": t("Another category at this level already has this name."),
    "category-cycle": t("A category cannot move under itself or its subcategories."),
    "category-parent-retired": t("That parent is retired; bring it back first."),
    "custom-field-exists": t("A field with this key already exists."),
    "choice-in-use": t("A choice on tickets cannot be left out; retire the field instead."),
  }[error?.error];
  if (known && error.body) error.body = { ...error.body, message: known };
  showRefusal(form, error);
}

const label = (item) => (session().locale === "en" ? item.label_en : item.label_pl);

function table(items, edit) {
  if (!items.length) return h("p", { class: "empty" }, t("No custom fields yet."));
  const kinds = Object.fromEntries(KINDS());
  return h("table", { class: "list" },
    h("thead", {}, h("tr", {}, [t("Key"), t("Kind"), t("Polish label"), t("English label"),
      t("Choices"), t("Required"), ""].map((name) => h("th", {}, name)))),
    h("tbody", {}, items.map((item) => h("tr", { dataset: { key: item.key },
                                                 class: item.retired ? "retired" : null },
      h("td", {}, item.key), h("td", { class: "kind" }, kinds[item.kind] || item.kind),
      h("td", {}, item.label_pl), h("td", {}, item.label_en),
      h("td", { class: "choices" }, item.choices.map(label).join(", ") || "—"),
      h("td", {}, item.required ? t("yes") : t("no"),
        item.retired ? ` (${t("retired")})` : ""),
      h("td", {}, h("button", { type: "button", name: "edit", onclick: () => edit(item) },
        t("Edit")))))));
}

function choicesText(choices) {
  return choices.map((c) => `${c.key} | ${c.label_pl} | ${c.label_en}`).join("\n");
}

// "gold | Złoty | Gold" per line; a line with only a key uses it as both labels.
function parseChoices(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const [key, pl, en] = line.split("|").map((part) => part.trim());
    return { key, label_pl: pl || key, label_en: en || pl || key };
  });
}

function choicesInput(choices) {
  return h("textarea", { name: "choices", placeholder: "gold | Złoty | Gold" },
    choicesText(choices || []));
}

function addForm(reload) {
  const text = (name, placeholder) => h("input", { type: "text", name, placeholder,
                                                   required: true });
  const key = text("key", "contract");
  const kind = select("kind", KINDS(), "text");
  const pl = text("label_pl", "Umowa");
  const en = text("label_en", "Contract");
  const choices = choicesInput([]);
  const required = h("input", { type: "checkbox", name: "required" });
  const choicesField = field(t("Choices (key | Polish | English, one a line)"), choices,
                             "choices");
  const showChoices = () => { choicesField.hidden = kind.value !== "choice"; };
  kind.addEventListener("change", showChoices);
  showChoices();
  const form = h("form", { class: "card row", name: "new-custom-field" },
    field(t("Key"), key, "key"), field(t("Kind"), kind, "kind"),
    field(t("Polish label"), pl, "label_pl"), field(t("English label"), en, "label_en"),
    choicesField, field(t("Required"), required, "required"),
    h("button", { type: "submit", class: "primary" }, t("Add field")), generalError());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = { key: key.value.trim(), kind: kind.value, label_pl: pl.value,
                   label_en: en.value, required: required.checked };
    if (kind.value === "choice") body.choices = parseChoices(choices.value);
    try {
      await api("POST", "/ticket-fields", body);
      for (const input of [key, pl, en, choices]) input.value = "";
      required.checked = false;
      toast(t("Saved."));
      await reload();
    } catch (error) {
      refuse(form, error);
    }
  });
  return form;
}

function editForm(item, editor, reload) {
  const pl = h("input", { type: "text", name: "label_pl", value: item.label_pl, required: true });
  const en = h("input", { type: "text", name: "label_en", value: item.label_en, required: true });
  const choices = item.kind === "choice" ? choicesInput(item.choices) : null;
  const required = h("input", { type: "checkbox", name: "required", checked: item.required });
  const retired = h("input", { type: "checkbox", name: "retired", checked: item.retired });
  const close = () => clear(editor);
  const form = h("form", { class: "card row", name: "edit-custom-field",
                           dataset: { key: item.key } },
    h("strong", {}, item.key), field(t("Polish label"), pl, "label_pl"),
    field(t("English label"), en, "label_en"),
    choices ? field(t("Choices (key | Polish | English, one a line)"), choices, "choices")
      : null,
    field(t("Required"), required, "required"), field(t("Retired"), retired, "retired"),
    h("button", { type: "submit", class: "primary" }, t("Save")),
    h("button", { type: "button", onclick: close }, t("Cancel")), generalError());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = { label_pl: pl.value, label_en: en.value, required: required.checked,
                   retired: retired.checked };
    if (choices) body.choices = parseChoices(choices.value);
    try {
      await api("PATCH", `/ticket-fields/${encodeURIComponent(item.key)}`, body);
      toast(t("Saved."));
      close();
      await reload();
    } catch (error) {
      refuse(form, error);
    }
  });
  return form;
}
