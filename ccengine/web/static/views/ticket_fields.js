// A ticket's own fields (title, description, category, tags, custom fields) on its
// page, and the list's pieces for them: the category picker, sortable column headers
// and the saved-views selector. Part of tickets.js and ticket_view.js.
import { api, clear, h, session, showError, t, toast } from "../app.js";

const SHARERS = new Set(["admin", "privileged_agent"]);

// The tree, depth first, as <option>s indented by depth; a retired category is
// offered only where it is the current value (it stays on old tickets).
export function categoryOptions(categories, current, emptyLabel) {
  const wanted = current == null ? "" : String(current);
  return [h("option", { value: "", selected: wanted === "" }, emptyLabel),
    ...categories.filter((c) => !c.retired || String(c.id) === wanted).map((c) =>
      h("option", { value: String(c.id), selected: String(c.id) === wanted },
        `${"\u00a0\u00a0".repeat(c.depth)}${c.name}${c.retired ? ` (${t("retired")})` : ""}`))];
}

export async function loadCategories() {
  try {
    return (await api("GET", "/ticket-categories")).items;
  } catch (error) {
    showError(error);
    return [];
  }
}

function label(field) {
  return session().locale === "en" ? field.label_en : field.label_pl;
}

function choiceLabel(field, key) {
  const choice = field.choices.find((c) => c.key === key);
  return choice ? label(choice) : key;
}

function shownValue(field, value) {
  return field.kind === "choice" ? choiceLabel(field, value) : String(value);
}

// One input per custom field, as its kind takes it.
function customInput(field, value) {
  const name = `custom-${field.key}`;
  const current = value == null ? "" : String(value);
  if (field.kind === "choice") {
    return h("select", { name, dataset: { key: field.key } },
      h("option", { value: "", selected: current === "" }, "—"),
      field.choices.map((c) => h("option", { value: c.key, selected: c.key === current },
        label(c))));
  }
  const type = { number: "number", date: "date" }[field.kind] || "text";
  return h("input", { name, type, value: current, step: field.kind === "number" ? "any" : null,
                      maxlength: field.kind === "text" ? "500" : null,
                      dataset: { key: field.key } });
}

export async function fieldsCard(detail, editable, redraw) {
  const [categories, fields] = await Promise.all([
    loadCategories(), api("GET", "/ticket-fields").then((r) => r.items).catch(() => [])]);
  return editable ? editForm(detail, categories, fields, redraw) : readOnly(detail, fields);
}

function readOnly(detail, fields) {
  const values = detail.custom_fields || {};
  return h("section", { class: "card ticket-fields" },
    h("h2", {}, t("Details")),
    detail.description ? h("p", { class: "description" }, detail.description) : null,
    h("dl", { class: "facts" },
      h("div", {}, h("dt", {}, t("Category")),
        h("dd", { class: "category" }, detail.category?.path.join(" / ") || "—")),
      h("div", {}, h("dt", {}, t("Tags")), h("dd", { class: "tags" }, tagBadges(detail.tags))),
      fields.filter((f) => values[f.key] != null).map((f) => h("div", {},
        h("dt", {}, label(f)), h("dd", {}, shownValue(f, values[f.key]))))));
}

export function tagBadges(tags) {
  return (tags || []).map((tag) => h("span", { class: "badge tag" }, tag));
}

function editForm(detail, categories, fields, redraw) {
  const ticket = detail.ticket;
  const values = detail.custom_fields || {};
  const title = h("input", { name: "title", value: ticket.title, required: true,
                             maxlength: "300" });
  const description = h("textarea", { name: "description", maxlength: "20000",
                                      placeholder: t("What the customer needs") });
  description.value = detail.description || "";
  const category = h("select", { name: "category" },
    categoryOptions(categories, detail.category?.id, t("No category")));
  const tags = h("input", { name: "tags", value: (detail.tags || []).join(", "),
                            list: "tags-in-use", autocomplete: "off",
                            placeholder: t("comma-separated, e.g. invoice, urgent") });
  const suggestions = h("datalist", { id: "tags-in-use" });
  tags.addEventListener("focus", () => suggestTags(suggestions), { once: true });
  const live = fields.filter((f) => !f.retired || values[f.key] != null);
  const inputs = live.map((f) => [f, customInput(f, values[f.key])]);
  const save = async (event) => {
    event.preventDefault();
    const changes = fieldChanges(detail, { title, description, category, tags }, inputs);
    if (!Object.keys(changes).length) return;
    try {
      redraw(await api("PATCH", `/tickets/${encodeURIComponent(ticket.number)}`, changes));
      toast(t("Saved."));
    } catch (error) {
      showFieldError(error, fields);
    }
  };
  return h("form", { class: "card ticket-fields", name: "fields", onsubmit: save },
    h("h2", {}, t("Details")),
    h("label", { class: "wide" }, t("Title"), title),
    h("label", { class: "wide" }, t("Description"), description),
    h("div", { class: "row" },
      h("label", {}, t("Category"), category),
      h("label", { class: "tags-field" }, t("Tags"), tags, suggestions)),
    inputs.length ? h("div", { class: "row custom-fields" }, inputs.map(([f, input]) =>
      h("label", {}, `${label(f)}${f.required ? " *" : ""}`, input))) : null,
    h("button", { type: "submit", class: "primary" }, t("Save details")));
}

function fieldChanges(detail, form, inputs) {
  const changes = {};
  const title = form.title.value.trim();
  if (title && title !== detail.ticket.title) changes.title = title;
  if (form.description.value !== (detail.description || "")) {
    changes.description = form.description.value;
  }
  const category = form.category.value ? Number(form.category.value) : null;
  if (category !== (detail.category?.id ?? null)) changes.category = category;
  const tags = form.tags.value.split(",").map((tag) => tag.trim()).filter(Boolean);
  if (tags.join(",") !== (detail.tags || []).join(",")) changes.tags = tags;
  const custom = {};
  for (const [field, input] of inputs) {
    const before = detail.custom_fields?.[field.key];
    const now = input.value.trim();
    if (now === (before == null ? "" : String(before))) continue;
    custom[field.key] = now === "" ? null : now;
  }
  if (Object.keys(custom).length) changes.custom_fields = custom;
  return changes;
}

async function suggestTags(list) {
  try {
    const found = await api("GET", "/ticket-tags?limit=50");
    clear(list, found.items.map((item) => h("option", { value: item.tag })));
  } catch (error) {
    showError(error);
  }
}

// The server names the field to blame; say which one in the user's words.
function showFieldError(error, fields) {
  const key = (error.body?.field || "").replace(/^custom_fields\./, "");
  const field = fields.find((f) => f.key === key);
  const messages = {
    "custom-field-required": t("{field} is required.", { field: field ? label(field) : key }),
    "invalid-custom-field-value": t("{field}: this value does not fit.",
      { field: field ? label(field) : key }),
    "invalid-tag": t("A tag may hold letters, digits and - . : + # only."),
    "category-retired": t("This category is retired; choose another."),
  };
  if (messages[error.error]) toast(messages[error.error], "error");
  else showError(error);
}

export function fieldChangeContent(data) {
  const name = { title: t("Title"), description: t("Description"), category: t("Category"),
                 tags: t("Tags") }[data.field] || data.field.replace(/^custom_fields\./, "");
  const shown = (value) => (Array.isArray(value) ? value.join(", ") : value) || "—";
  return `${name}: ${shown(data.from)} → ${shown(data.to)}`;
}

// -- the list ---------------------------------------------------------------------

// A column header that sorts: ascending, then descending, then the server's order.
export function sortHeader(text, column, state, refresh) {
  const arrow = { [column]: " ↑", [`-${column}`]: " ↓" }[state.sort] || "";
  return h("th", { "aria-sort": arrow ? (arrow === " ↑" ? "ascending" : "descending") : null },
    h("button", { type: "button", class: "column-sort", dataset: { sort: column },
                  onclick: async () => {
                    state.sort = state.sort === column ? `-${column}`
                      : (state.sort === `-${column}` ? "" : column);
                    state.page = 1;
                    await refresh();
                  } }, `${text}${arrow}`));
}

export function viewName(view) {
  return view.built_in ? t(view.name) : view.name;
}

// The saved views: choosing one applies its filter and sort; "Save as view" stores
// the filters and sort on screen under a name (shared if the user may share).
export function viewsBar(state, currentQuery, applyView) {
  const holder = h("div", { class: "row saved-views" });
  const redraw = async () => {
    let views = [];
    try {
      views = (await api("GET", "/ticket-views")).items;
    } catch (error) {
      showError(error);
    }
    const picker = h("select", { name: "view", onchange: async () => {
      await applyView(views.find((v) => v.id === picker.value) || null);
    } }, h("option", { value: "", selected: !state.view }, t("All tickets")),
    views.map((v) => h("option", { value: v.id, selected: v.id === state.view },
      `${viewName(v)}${v.shared && !v.built_in ? ` · ${t("shared")}` : ""}`)));
    clear(holder, h("label", {}, t("View"), picker), saveForm(currentQuery, redraw));
  };
  redraw();
  return holder;
}

function saveForm(currentQuery, redraw) {
  const name = h("input", { name: "view-name", maxlength: "100",
                            placeholder: t("Name of the view") });
  const canShare = SHARERS.has(session().user?.role);
  const shared = h("input", { type: "checkbox", name: "view-shared" });
  const save = async (event) => {
    event.preventDefault();
    if (!name.value.trim()) return;
    const { query, sort } = currentQuery();
    try {
      await api("POST", "/ticket-views", { name: name.value.trim(), query, sort: sort || null,
                                           shared: canShare && shared.checked });
      toast(t("View saved."));
      await redraw();
    } catch (error) {
      if (error.error === "view-name-taken") toast(t("You have a view of that name."), "error");
      else showError(error);
    }
  };
  return h("form", { class: "inline", name: "save-view", onsubmit: save }, name,
    canShare ? h("label", { class: "inline" }, shared, t("shared")) : null,
    h("button", { type: "submit" }, t("Save as view")));
}
