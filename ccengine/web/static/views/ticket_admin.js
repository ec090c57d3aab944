// Categories and fields (admins): the ticket category tree (add, rename, move, reorder,
// retire and bring back; never deleted: old tickets keep pointing at a retired one)
// and the custom-field definitions (views/ticket_admin_fields.js). A refusal lands on
// the input the server names (sla_form.js), e.g. a sibling's name on "name".
import { api, clear, h, showError, t, toast } from "../app.js";
import { clearErrors, field, generalError } from "./sla_form.js";
import { fieldsSection, refuse } from "./ticket_admin_fields.js";

export async function render(root) {
  const tree = h("div", { class: "category-tree" });
  const editor = h("div", { class: "category-editor" });
  const page = { tree, editor, categories: [] };
  page.reload = () => load(page);
  page.adder = addForm(page);
  root.append(h("link", { rel: "stylesheet", href: "/static/css/sla.css" }),
    h("link", { rel: "stylesheet", href: "/static/css/ticket_admin.css" }),
    h("h1", {}, t("Categories and fields")), h("h2", {}, t("Categories")),
    tree, editor, page.adder.form, h("h2", {}, t("Custom fields")), await fieldsSection());
  await page.reload();
}

async function load(page) {
  try {
    page.categories = (await api("GET", "/ticket-categories")).items;
  } catch (error) {
    showError(error);
    return;
  }
  clear(page.tree, page.categories.length ? page.categories.map((c) => node(page, c))
    : h("p", { class: "empty" }, t("No categories yet.")));
  page.adder.refresh();
}

function node(page, category) {
  const button = (text, action, name) => h("button", { type: "button", name,
    onclick: () => act(page, action) }, text);
  const siblings = page.categories.filter((c) => c.parent_id === category.parent_id);
  const index = siblings.indexOf(category);
  return h("div", { class: `category-node${category.retired ? " retired" : ""}`,
                    dataset: { id: String(category.id), name: category.name },
                    style: `padding-left: ${category.depth * 24}px` },
    h("span", { class: "category-name" }, category.name),
    category.retired ? h("span", { class: "badge" }, t("retired")) : null,
    h("span", { class: "category-actions" },
      category.retired ? null : button(t("Add subcategory"),
        () => page.adder.under(category), "add-child"),
      button(t("Edit"), () => openEditor(page, category), "edit"),
      index > 0 ? button("↑", () => reorder(siblings, index, index - 1), "up") : null,
      index < siblings.length - 1
        ? button("↓", () => reorder(siblings, index, index + 1), "down") : null,
      button(category.retired ? t("Bring back") : t("Retire"), () => api("PATCH",
        `/ticket-categories/${category.id}`, { retired: !category.retired }),
        category.retired ? "bring-back" : "retire")));
}

async function act(page, action) {
  try {
    const done = await action();
    if (done !== false) { toast(t("Saved.")); await page.reload(); }
  } catch (error) {
    showError(error);
  }
}

// Swap two siblings, then number the siblings 0, 1, 2... (positions may tie at first).
async function reorder(siblings, from, to) {
  const order = [...siblings];
  [order[from], order[to]] = [order[to], order[from]];
  for (const [position, category] of order.entries()) {
    if (category.position !== position) {
      await api("PATCH", `/ticket-categories/${category.id}`, { position });
    }
  }
}

// <option>s for a parent: top level, then the tree (a retired one only where it is the
// current parent; the server refuses a cycle on parent_id).
function parentOptions(categories, chosen, except) {
  const wanted = chosen == null ? "" : String(chosen);
  return [h("option", { value: "", selected: wanted === "" }, t("(top level)")),
    ...categories.filter((c) => c.id !== except && (!c.retired || String(c.id) === wanted))
      .map((c) => h("option", { value: String(c.id), selected: String(c.id) === wanted },
        `${"\u00a0\u00a0".repeat(c.depth)}${c.name}`))];
}

const parentOf = (select) => (select.value ? Number(select.value) : null);

function addForm(page) {
  const name = h("input", { type: "text", name: "name", required: true, maxlength: 100 });
  const parent = h("select", { name: "parent_id" });
  const form = h("form", { class: "card row", name: "new-category" },
    field(t("Name"), name, "name"), field(t("Parent"), parent, "parent_id"),
    h("button", { type: "submit", class: "primary" }, t("Add category")), generalError());
  const refresh = (chosen = parentOf(parent)) => clear(parent,
    parentOptions(page.categories, chosen));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      await api("POST", "/ticket-categories", { name: name.value, parent_id: parentOf(parent) });
      name.value = "";
      toast(t("Saved."));
      await page.reload();
    } catch (error) {
      refuse(form, error);
    }
  });
  const under = (category) => { refresh(category.id); name.focus(); };
  return { form, refresh, under };
}

function openEditor(page, category) {
  const name = h("input", { type: "text", name: "name", value: category.name, required: true,
                            maxlength: 100 });
  const parent = h("select", { name: "parent_id" },
    parentOptions(page.categories, category.parent_id, category.id));
  const close = () => clear(page.editor);
  const form = h("form", { class: "card row", name: "edit-category",
                           dataset: { id: String(category.id) } },
    h("strong", {}, category.path.join(" / ")),
    field(t("Name"), name, "name"), field(t("Parent"), parent, "parent_id"),
    h("button", { type: "submit", class: "primary" }, t("Save")),
    h("button", { type: "button", onclick: close }, t("Cancel")), generalError());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const changes = {};
    if (name.value !== category.name) changes.name = name.value;
    if (parentOf(parent) !== category.parent_id) changes.parent_id = parentOf(parent);
    try {
      if (Object.keys(changes).length) {
        await api("PATCH", `/ticket-categories/${category.id}`, changes);
      }
      toast(t("Saved."));
      close();
      await page.reload();
    } catch (error) {
      refuse(form, error);
    }
  });
  clear(page.editor, form);
  name.focus();
}
