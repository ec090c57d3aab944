// Customers: #/customers is the directory with search (any number form, e-mail, name
// with or without Polish letters, company); #/customers/<id> one customer: the card
// (editable by agents and admins) and every call, ticket, transcript and callback the
// user may see. Data reaches the page only through h() (textContent).
import { api, clear, fmtDateTime, fmtDuration, h, session, showError, t, toast }
  from "../app.js";

const EDITORS = new Set(["admin", "agent", "privileged_agent"]);
const TEXTS = () => [["name", t("Full name")], ["company", t("Company")], ["nip", t("NIP")],
                     ["address", t("Address")], ["external_id", t("External id")]];
const state = { q: "" };

export async function render(root, ctx) {
  root.append(h("link", { rel: "stylesheet", href: "/static/css/tickets.css" }));
  if (ctx.params[0]) await renderCustomer(root, ctx.params[0]);
  else await renderList(root);
}

async function renderList(root) {
  const results = h("div", { class: "customer-results" });
  const q = h("input", { name: "q", type: "search", value: state.q,
                         placeholder: t("Number, e-mail, name or company") });
  const search = async (event) => {
    event?.preventDefault();
    state.q = q.value.trim();
    await refresh(results);
  };
  root.append(h("h1", {}, t("Customers")),
    h("form", { class: "card row customer-search", name: "search", onsubmit: search },
      q, h("button", { type: "submit", class: "primary" }, t("Search"))),
    results);
  await refresh(results);
}

async function refresh(results) {
  try {
    const query = state.q ? `?q=${encodeURIComponent(state.q)}&per_page=50` : "?per_page=50";
    const page = await api("GET", `/customers${query}`);
    clear(results, page.items.length ? customerTable(page.items)
      : h("p", { class: "empty" }, t("No customers found.")));
  } catch (error) {
    showError(error);
  }
}

function customerTable(items) {
  return h("table", { class: "customers" },
    h("thead", {}, h("tr", {}, [t("Full name"), t("Company"), t("Phones"), t("E-mails")]
      .map((label) => h("th", {}, label)))),
    h("tbody", {}, items.map((c) => h("tr", { dataset: { id: c.id } },
      h("td", {}, h("a", { href: `#/customers/${c.id}`, class: "customer-link" },
        c.name || t("Unknown caller")),
        c.vip ? [" ", h("span", { class: "badge vip" }, t("VIP"))] : null),
      h("td", {}, c.company || ""),
      h("td", {}, c.phones.join(", ")),
      h("td", {}, c.emails.join(", "))))));
}

async function renderCustomer(root, id) {
  const body = h("div", { class: "customer" });
  root.append(h("a", { href: "#/customers", class: "back" }, `← ${t("Customers")}`), body);
  try {
    show(body, await api("GET", `/customers/${encodeURIComponent(id)}`));
  } catch (error) {
    clear(body, h("p", { class: "empty" }, error.status === 404
      ? t("This customer does not exist.") : t("The customer could not be loaded.")));
    if (error.status !== 404) showError(error);
  }
}

function show(body, detail) {
  const redraw = (next) => show(body, next);
  const editable = EDITORS.has(session().user?.role);
  clear(body,
    h("h1", {}, detail.customer.name || t("Unknown caller"),
      detail.customer.vip ? [" ", h("span", { class: "badge vip" }, t("VIP"))] : null),
    detail.customer.organisation_id ? h("p", {}, h("a", { class: "organisation-link",
      href: `#/organisations/${detail.customer.organisation_id}` }, t("Their organisation")))
      : null,
    card(detail.customer, editable, redraw),
    section(t("Calls"), detail.calls, callRow),
    section(t("Tickets"), detail.tickets, ticketRow),
    section(t("Callbacks"), detail.callbacks, ticketRow),
    section(t("Transcripts"), detail.transcripts, transcriptRow));
}

function card(customer, editable, redraw) {
  const fields = Object.fromEntries(TEXTS().map(([name]) =>
    [name, h("input", { name, value: customer[name] || "", disabled: !editable })]));
  const notes = h("textarea", { name: "notes", disabled: !editable }, customer.notes || "");
  const phones = h("input", { name: "phones", value: customer.phones.join(", "),
                              disabled: !editable });
  const emails = h("input", { name: "emails", value: customer.emails.join(", "),
                              disabled: !editable });
  const vip = h("input", { type: "checkbox", name: "vip", checked: customer.vip,
                           disabled: !editable });
  const save = async (event) => {
    event.preventDefault();
    const changes = { notes: notes.value, phones: list(phones.value),
                      emails: list(emails.value) };
    if (vip.checked !== customer.vip) changes.vip = vip.checked; // agents: their callers'

    for (const [name, input] of Object.entries(fields)) changes[name] = input.value;
    try {
      await api("PATCH", `/customers/${customer.id}`, changes);
      redraw(await api("GET", `/customers/${customer.id}`));
      toast(t("Saved."));
    } catch (error) {
      showError(error);
    }
  };
  return h("form", { class: "card customer-card", name: "customer", onsubmit: save },
    TEXTS().map(([name, label]) => h("label", {}, label, fields[name])),
    h("label", {}, t("Phones"), phones), h("label", {}, t("E-mails"), emails),
    h("label", {}, t("Notes"), notes),
    h("label", { class: "vip-switch" }, vip, " ", t("VIP customer")),
    editable ? h("button", { type: "submit", class: "primary" }, t("Save")) : null);
}

const list = (text) => text.split(/[,;\n]/).map((part) => part.trim()).filter(Boolean);

function section(title, rows, row) {
  return h("section", { class: "card" }, h("h2", {}, title),
    rows.length ? h("ul", { class: "history" }, rows.map(row))
      : h("p", { class: "empty" }, t("Nothing yet.")));
}

const ticketLink = (number) => (number
  ? h("a", { href: `#/tickets/${encodeURIComponent(number)}` }, number) : null);

function callRow(call) {
  return h("li", { class: "call", dataset: { id: call.id } },
    h("time", { datetime: call.started_at }, fmtDateTime(call.started_at)), " ",
    h("span", { class: `badge outcome ${call.outcome}` }, call.outcome), " ",
    call.agent ? t("answered by {agent}", { agent: call.agent }) : "", " ",
    call.talk_seconds != null ? fmtDuration(call.talk_seconds) : "", " ",
    ticketLink(call.ticket));
}

function ticketRow(ticket) {
  return h("li", { class: "ticket" }, ticketLink(ticket.number), " ", ticket.title, " · ",
    fmtDateTime(ticket.created_at));
}

function transcriptRow(transcript) {
  return h("li", { class: "transcript" },
    h("time", { datetime: transcript.started_at }, fmtDateTime(transcript.started_at)), " ",
    ticketLink(transcript.ticket));
}
