// Reply templates (admins): the canned replies agents insert in the ticket's composer,
// with the placeholders they may use ({{ ticket.number }} …; an unknown one is refused
// when saved), an optional queue (else every queue's) and the active flag.
import { api, clear, h, showError, t, toast } from "../app.js";

export async function render(root) {
  const list = h("div", { class: "template-list" });
  const form = h("div", { class: "template-form" });
  root.append(h("link", { rel: "stylesheet", href: "/static/css/replies.css" }),
    h("div", { class: "reply-templates" }, h("h1", {}, t("Reply templates")), list, form));
  await load(list, form);
}

async function load(list, form) {
  try {
    const data = await api("GET", "/reply-templates");
    const reload = () => load(list, form);
    clear(list, table(data.items, (item) => edit(form, data.placeholders, item, reload)));
    edit(form, data.placeholders, null, reload);
  } catch (error) {
    showError(error);
  }
}

function table(items, open) {
  if (!items.length) return h("p", { class: "empty" }, t("No reply templates yet."));
  return h("table", { class: "list" },
    h("thead", {}, h("tr", {}, [t("Name"), t("Subject"), t("Queue"), t("Active"), ""]
      .map((name) => h("th", {}, name)))),
    h("tbody", {}, items.map((item) => h("tr", { dataset: { id: String(item.id) } },
      h("td", {}, item.name), h("td", {}, item.subject),
      h("td", {}, item.queue || t("every queue")),
      h("td", {}, item.active ? t("yes") : t("no")),
      h("td", {}, h("button", { type: "button", name: "edit", onclick: () => open(item) },
        t("Edit")))))));
}

function edit(holder, placeholders, item, reload) {
  const name = h("input", { type: "text", name: "name", required: true, maxlength: "100",
                            value: item?.name || "" });
  const subject = h("input", { type: "text", name: "subject", maxlength: "300",
                               value: item?.subject || "" });
  const body = h("textarea", { name: "body_html", required: true });
  body.value = item?.body_html || "";
  const queue = h("input", { type: "text", name: "queue", placeholder: t("every queue"),
                             value: item?.queue || "" });
  const active = h("input", { type: "checkbox", name: "active", checked: item ? item.active
    : true });
  const save = async (event) => {
    event.preventDefault();
    const document = { name: name.value, subject: subject.value, body_html: body.value,
                       queue: queue.value.trim() || null, active: active.checked };
    try {
      if (item) await api("PUT", `/reply-templates/${item.id}`, document);
      else await api("POST", "/reply-templates", document);
      toast(t("Saved."));
      await reload();
    } catch (error) {
      toast(error.error === "invalid-template"
        ? t("Check the field {field}: {message}", { field: error.body?.field || "",
                                                    message: error.message })
        : error.error === "template-name-taken" ? t("A template of that name exists.")
          : `${t("Error")}: ${error.message}`, "error");
    }
  };
  const remove = async () => {
    try {
      await api("DELETE", `/reply-templates/${item.id}`);
      toast(t("Deleted."));
      await reload();
    } catch (error) {
      showError(error);
    }
  };
  clear(holder, h("form", { class: "card", name: "template", onsubmit: save },
    h("h2", {}, item ? t("Edit template") : t("New template")),
    h("label", {}, t("Name"), name), h("label", {}, t("Subject"), subject),
    h("label", {}, t("Body (HTML)"), body),
    h("p", { class: "placeholders muted" }, t("Placeholders:"), " ",
      placeholders.map((placeholder) => h("code", {}, `{{ ${placeholder} }}`))),
    h("div", { class: "row" }, h("label", {}, t("Queue"), queue),
      h("label", {}, active, " ", t("Active")),
      h("button", { type: "submit", class: "primary" }, t("Save")),
      item ? h("button", { type: "button", name: "delete", onclick: remove }, t("Delete"))
        : null)));
}
