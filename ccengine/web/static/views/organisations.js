// Organisations: #/organisations is the list with search (name with or without Polish
// letters, or NIP); #/organisations/<id> one organisation: its card (name, NIP,
// address, notes; editable by agents and admins), its customers and their open
// tickets (those the user may see, as in the ticket list), and VIP for all its people
// at once (each customer's own VIP flag: the one the SLA policies and queues read).
import { ApiError, api, clear, fmtDateTime, h, session, showError, t, toast } from "../app.js";
import { priorityBadge, statusName } from "./ticket_view.js";

const EDITORS = new Set(["admin", "agent", "privileged_agent"]);
const FIELDS = () => [["name", t("Name")], ["nip", t("NIP")], ["address", t("Address")]];
const state = { q: "" };

export async function render(root, ctx) {
  root.append(h("link", { rel: "stylesheet", href: "/static/css/tickets.css" }));
  if (ctx.params[0]) await renderOne(root, ctx.params[0]);
  else await renderList(root);
}

const editable = () => EDITORS.has(session().user?.role);

async function renderList(root) {
  const results = h("div", { class: "organisation-results" });
  const q = h("input", { name: "q", type: "search", value: state.q,
                         placeholder: t("Name or NIP") });
  const search = async (event) => {
    event?.preventDefault();
    state.q = q.value.trim();
    await refresh(results);
  };
  const creating = h("div", {});
  root.append(h("h1", {}, t("Organisations")),
    h("form", { class: "card row organisation-search", name: "search", onsubmit: search },
      q, h("button", { type: "submit", class: "primary" }, t("Search")),
      editable() ? h("button", { type: "button", class: "new-organisation",
                                 onclick: () => clear(creating, organisationForm(null)) },
        t("New organisation")) : null),
    creating, results);
  await refresh(results);
}

async function refresh(results) {
  try {
    const query = new URLSearchParams({ per_page: "50" });
    if (state.q) query.set("q", state.q);
    const page = await api("GET", `/organisations?${query}`);
    clear(results, page.items.length ? organisationTable(page.items)
      : h("p", { class: "empty" }, t("No organisations found.")));
  } catch (error) {
    showError(error);
  }
}

function organisationTable(items) {
  return h("table", { class: "organisations" },
    h("thead", {}, h("tr", {}, [t("Name"), t("NIP"), t("Address")]
      .map((label) => h("th", {}, label)))),
    h("tbody", {}, items.map((o) => h("tr", { dataset: { id: o.id } },
      h("td", {}, h("a", { href: `#/organisations/${o.id}`, class: "organisation-link" }, o.name)),
      h("td", {}, o.nip || ""), h("td", {}, o.address || "")))));
}

async function renderOne(root, id) {
  const body = h("div", { class: "organisation" });
  root.append(h("a", { href: "#/organisations", class: "back" }, `← ${t("Organisations")}`),
    body);
  await load(body, id);
}

async function load(body, id) {
  try {
    show(body, await api("GET", `/organisations/${encodeURIComponent(id)}`));
  } catch (error) {
    clear(body, h("p", { class: "empty" }, error.status === 404
      ? t("This organisation does not exist.") : t("The organisation could not be loaded.")));
    if (error.status !== 404) showError(error);
  }
}

function show(body, detail) {
  const reload = () => load(body, detail.organisation.id);
  clear(body, h("h1", {}, detail.organisation.name),
    organisationForm(detail.organisation, reload),
    vipCard(detail.customers, reload),
    h("section", { class: "card" }, h("h2", {}, t("Customers")),
      detail.customers.length ? peopleTable(detail.customers)
        : h("p", { class: "empty" }, t("No customers linked yet."))));
}

// The card: a new organisation (then its page opens) or an existing one's fields.
function organisationForm(organisation, reload) {
  const given = organisation || {};
  const inputs = Object.fromEntries(FIELDS().map(([name]) =>
    [name, h("input", { name, value: given[name] || "", disabled: !editable() })]));
  const notes = h("textarea", { name: "notes", disabled: !editable() }, given.notes || "");
  const problem = h("p", { class: "error", role: "alert" });
  const save = async (event) => {
    event.preventDefault();
    clear(problem);
    const values = { notes: notes.value };
    for (const [name, input] of Object.entries(inputs)) values[name] = input.value;
    try {
      if (!organisation) {
        const created = await api("POST", "/organisations", values);
        location.hash = `#/organisations/${created.id}`;
        return;
      }
      await api("PATCH", `/organisations/${organisation.id}`, values);
      toast(t("Saved."));
      await reload();
    } catch (error) {
      refused(problem, inputs, error);
    }
  };
  return h("form", { class: "card organisation-card", name: "organisation", onsubmit: save },
    FIELDS().map(([name, label]) => h("label", {}, label, inputs[name])),
    h("label", {}, t("Notes"), notes), problem,
    editable() ? h("button", { type: "submit", class: "primary" }, t("Save")) : null);
}

// A refused save: the message beside the form, the field the server named marked.
function refused(problem, inputs, error) {
  if (!(error instanceof ApiError)) { showError(error); return; }
  const input = inputs[error.body?.field];
  if (input) { input.classList.add("invalid"); input.focus(); }
  clear(problem, `${t("Error")}: ${error.message}`);
}

function vipCard(customers, reload) {
  const vips = customers.filter((c) => c.vip).length;
  const setAll = async (vip) => {
    try {
      for (const customer of customers.filter((c) => c.vip !== vip)) {
        await api("PATCH", `/customers/${customer.id}`, { vip });
      }
      toast(t("Saved."));
    } catch (error) {
      showError(error); // a plain agent may flag only customers of tickets she sees
    }
    await reload();
  };
  return h("section", { class: "card organisation-vip", dataset: { vips: String(vips) } },
    h("h2", {}, t("VIP")),
    h("p", {}, t("{vips} of {count} customers are VIP.", { vips, count: customers.length })),
    editable() && customers.length ? h("div", { class: "row" },
      h("button", { type: "button", class: "vip-all", disabled: vips === customers.length,
                    onclick: () => setAll(true) }, t("Make every customer VIP")),
      h("button", { type: "button", class: "vip-none", disabled: vips === 0,
                    onclick: () => setAll(false) }, t("No customer VIP"))) : null);
}

function peopleTable(customers) {
  return h("table", { class: "organisation-people" },
    h("thead", {}, h("tr", {}, [t("Full name"), t("Phone"), t("Open tickets")]
      .map((label) => h("th", {}, label)))),
    h("tbody", {}, customers.map((c) => h("tr", { dataset: { id: c.id } },
      h("td", {}, h("a", { href: `#/customers/${c.id}`, class: "customer-link" },
        c.name || t("Unknown caller")),
        c.vip ? [" ", h("span", { class: "badge vip" }, t("VIP"))] : null),
      h("td", {}, c.phone || ""),
      h("td", {}, c.open_tickets.length ? h("ul", { class: "open-tickets" },
        c.open_tickets.map(ticketItem)) : h("span", { class: "muted" }, t("none")))))));
}

function ticketItem(ticket) {
  return h("li", { dataset: { number: ticket.number } },
    h("a", { href: `#/tickets/${encodeURIComponent(ticket.number)}` }, ticket.number), " ",
    priorityBadge(ticket.priority), " ", ticket.title, " · ", statusName(ticket.status), " · ",
    h("time", { datetime: ticket.created_at }, fmtDateTime(ticket.created_at)));
}
