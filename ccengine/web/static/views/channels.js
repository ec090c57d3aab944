// Channels (admins): the mailboxes of the e-mail channel, each with its state (a failing
// one red, with its error), and an editor for one (passwords are write-only: left
// empty, the stored one is kept); and the web forms (views/channels_forms.js).
import { api, clear, fmtDateTime, h, showError, t, toast } from "../app.js";
import { renderForms } from "./channels_forms.js";

const PLACEHOLDERS = ["ticket.number", "ticket.title", "ticket.queue", "ticket.sla_due",
                      "customer.name", "customer.email", "agent.name", "agent.email",
                      "mailbox.name"];
const states = () => ({ ok: t("OK"), failing: t("Failing"),
                        "never connected": t("Never connected"), inactive: t("Inactive") });

export async function render(root) {
  root.append(h("link", { rel: "stylesheet", href: "/static/css/channels.css" }));
  const page = h("div", { class: "channels" });
  const list = h("div", { class: "mailboxes" });
  const editor = h("div", { class: "mailbox-editor" });
  const reload = () => load(list, editor);
  page.append(h("h1", {}, t("Channels")), h("h2", {}, t("Mailboxes")), list,
    h("button", { type: "button", name: "new-mailbox",
                  onclick: () => clear(editor, mailboxForm(null, reload)) }, t("Add mailbox")),
    editor, h("div", { class: "forms-section" }));
  root.append(page);
  await reload();
  await renderForms(page.querySelector(".forms-section"));
}

async function load(list, editor) {
  try {
    const data = await api("GET", "/mail/mailboxes");
    clear(list, table(data.items, (item) => clear(editor, mailboxForm(item, () =>
      load(list, editor)))));
  } catch (error) {
    showError(error);
  }
}

function table(items, edit) {
  if (!items.length) return h("p", { class: "empty" }, t("No mailboxes yet."));
  return h("table", { class: "list" },
    h("thead", {}, h("tr", {}, [t("Name"), t("Queue"), t("Address"), t("State"), ""]
      .map((name) => h("th", {}, name)))),
    h("tbody", {}, items.map((item) => h("tr", { class: item.state === "failing" ? "failing" : "",
                                                dataset: { mailbox: item.name } },
      h("td", {}, item.name), h("td", {}, item.queue), h("td", {}, item.address),
      h("td", {}, stateCell(item)),
      h("td", {}, h("button", { type: "button", name: "edit", onclick: () => edit(item) },
                    t("Edit")))))));
}

function stateCell(item) {
  const cls = `state state-${item.state.replace(" ", "-")}`;
  const parts = [h("span", { class: cls }, states()[item.state] || item.state)];
  if (item.state === "failing") {
    parts.push(h("div", { class: "last-error" }, item.last_error || ""),
      h("div", { class: "muted" }, t("Since {when}; failures: {count}",
        { when: fmtDateTime(item.last_error_at), count: item.failures })));
  } else if (item.last_ok_at) {
    parts.push(h("div", { class: "muted" }, t("Last OK {when}",
      { when: fmtDateTime(item.last_ok_at) })));
  }
  return parts;
}

const input = (name, value, attrs = {}) => h("input", { name, value: value ?? "", ...attrs });
const field = (label, control) => h("label", {}, label, control);
const check = (label, name, checked) => h("label", { class: "check" },
  h("input", { type: "checkbox", name, checked: !!checked }), label);
const security = (name, value) => h("select", { name },
  ["tls", "starttls", "none"].map((v) => h("option", { value: v, selected: v === value }, v)));

function server(kind, item) {
  const p = (name) => item?.[`${kind}_${name}`];
  return h("fieldset", { class: kind },
    h("legend", {}, kind === "imap" ? t("Receiving (IMAP)") : t("Sending (SMTP)")),
    h("div", { class: "row" },
      field(t("Host"), input(`${kind}_host`, p("host"))),
      field(t("Port"), input(`${kind}_port`, p("port"),
                             { type: "number", min: 1, max: 65535 })),
      field(t("Security"), security(`${kind}_security`, p("security") ||
                                 (kind === "imap" ? "tls" : "starttls"))),
      field(t("User"), input(`${kind}_user`, p("user"))),
      field(t("Password"), input(`${kind}_password`, "", {
        type: "password", autocomplete: "new-password",
        placeholder: p("password_set") ? t("leave empty to keep") : "" }))),
    kind === "imap" ? h("div", { class: "row" },
      field(t("Folder"), input("imap_folder", p("folder") || "INBOX")),
      field(t("Move handled mail to"), input("imap_done_folder", p("done_folder")))) : null);
}

function filterRow(filter) {
  const row = h("div", { class: "row filter-row" },
    field(t("Field"), h("select", { name: "filter_field" },
      [["sender", t("Sender")], ["subject", t("Subject")], ["body", t("Body")]].map(
        ([v, label]) => h("option", { value: v, selected: v === filter?.field }, label)))),
    field(t("Contains"), input("filter_contains", filter?.contains)),
    field(t("Queue"), input("filter_queue", filter?.queue)),
    h("button", { type: "button", name: "remove-filter", onclick: () => row.remove() },
      t("Remove")));
  return row;
}

function mailboxForm(item, reload) {
  const filters = h("div", { class: "filters" }, (item?.filters || []).map(filterRow));
  const form = h("form", { class: "card editor", name: "mailbox" },
    h("h2", {}, item ? t("Mailbox {name}", { name: item.name }) : t("New mailbox")),
    h("div", { class: "row" }, field(t("Name"), input("name", item?.name, { required: true })),
      field(t("Queue"), input("queue", item?.queue, { required: true })),
      field(t("Address"), input("address", item?.address,
                                { type: "email", required: true })),
      field(t("Display name"), input("display_name", item?.display_name)),
      check(t("Active"), "active", item ? item.active : true)),
    server("imap", item), server("smtp", item),
    h("fieldset", {}, h("legend", {}, t("Routing filters (first match wins)")), filters,
      h("button", { type: "button", name: "add-filter",
                    onclick: () => filters.append(filterRow(null)) }, t("Add filter"))),
    h("div", { class: "row" },
      field(t("Grouping window (minutes, 0: off)"), input("group_window_minutes",
        item?.group_window_minutes ?? 0, { type: "number", min: 0, max: 10080 })),
      check(t("Mask PESEL and card numbers"), "mask_personal_data",
            item?.mask_personal_data)),
    h("fieldset", {}, h("legend", {}, t("Acknowledgement")),
      check(t("Send an acknowledgement to a new ticket's customer"), "ack_enabled",
            item ? item.ack_enabled : true),
      field(t("Subject"), input("ack_subject", item?.ack_subject)),
      field(t("Body"), h("textarea", { name: "ack_body" }, item?.ack_body || "")),
      h("p", { class: "placeholders muted" }, t("Placeholders:"), " ",
        PLACEHOLDERS.map((name) => h("code", {}, `{{ ${name} }}`)))),
    field(t("Queue signature (HTML)"), h("textarea", { name: "signature_html" },
                                      item?.signature_html || "")),
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, t("Save")),
      item ? h("button", { type: "button", name: "delete", onclick: () => remove(item, reload) },
               t("Delete")) : null));
  form.addEventListener("submit", (event) => save(event, form, item, reload));
  return form;
}

function collect(form) {
  const value = (name) => form.elements[name].value.trim();
  const body = {};
  for (const name of ["name", "queue", "address", "display_name", "imap_host", "imap_user",
                      "imap_folder", "imap_done_folder", "smtp_host", "smtp_user",
                      "ack_subject", "ack_body", "signature_html"]) body[name] = value(name);
  for (const name of ["imap_security", "smtp_security"]) body[name] = value(name);
  for (const name of ["imap_port", "smtp_port"]) {
    body[name] = value(name) ? Number(value(name)) : null;
  }
  body.group_window_minutes = Number(value("group_window_minutes") || 0);
  for (const name of ["active", "mask_personal_data", "ack_enabled"]) {
    body[name] = form.elements[name].checked;
  }
  for (const name of ["imap_password", "smtp_password"]) {
    if (form.elements[name].value) body[name] = form.elements[name].value;
  }
  body.filters = [...form.querySelectorAll(".filter-row")].map((row) => ({
    field: row.querySelector("[name=filter_field]").value,
    contains: row.querySelector("[name=filter_contains]").value.trim(),
    queue: row.querySelector("[name=filter_queue]").value.trim() }));
  return body;
}

async function save(event, form, item, reload) {
  event.preventDefault();
  try {
    if (item) await api("PATCH", `/mail/mailboxes/${item.id}`, collect(form));
    else await api("POST", "/mail/mailboxes", collect(form));
    toast(t("Saved."));
    form.remove();
    await reload();
  } catch (error) {
    showError(error);
  }
}

async function remove(item, reload) {
  if (!window.confirm(t("Delete mailbox {name}?", { name: item.name }))) return;
  try {
    await api("DELETE", `/mail/mailboxes/${item.id}`);
    toast(t("Deleted."));
    await reload();
  } catch (error) {
    showError(error);
  }
}
