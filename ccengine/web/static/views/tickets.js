// The ticket workspace: #/tickets is the list with filters and paging,
// #/tickets/<number> one ticket (ticket_view.js). Everything goes through the
// REST API; data reaches the page only through h() (textContent).
import { api, clear, fmtDateTime, h, showError, t } from "../app.js";
import { slaCell } from "./sla_badges.js";
import { bulkBar } from "./ticket_relations.js";
import { snoozedBadge } from "./ticket_life.js";
import { newTicketControl } from "./ticket_new.js";
import { categoryOptions, loadCategories, sortHeader, tagBadges, viewsBar }
  from "./ticket_fields.js";
import { SEARCH_EMPTY, searchFields, searchValue } from "./ticket_search.js";
import { loadAssignees, priorityBadge, renderTicket, statusName, STATUSES, PRIORITIES }
  from "./ticket_view.js";

const PER_PAGE = 25;
const EMPTY = { status: "", queue: "", priority: "", assignee: "", caller: "", text: "",
                snoozed: "", category: "", tag: "", ...SEARCH_EMPTY };
// The filters outlive a visit to a ticket: "back to the list" finds them as they were.
// atRisk: the quick filter (warning or breached now, soonest due first); sort: "" is the
// server's order (newest first; at risk: soonest due first).
// view: the saved view applied (its id; the server reads its query and sort), with the
// query it holds, kept so "Save as view" can build on it.
const state = { filters: { ...EMPTY }, page: 1, atRisk: false, sort: "", view: "",
                viewQuery: {} };
const SLA_SORTS = ["breach_at", "-breach_at"];
const EDITORS = new Set(["admin", "agent", "privileged_agent"]);

export async function render(root, ctx) {
  root.append(h("link", { rel: "stylesheet", href: "/static/css/tickets.css" }),
    h("link", { rel: "stylesheet", href: "/static/css/ticket_relations.css" }),
    h("link", { rel: "stylesheet", href: "/static/css/ticket_mail.css" }),
    h("link", { rel: "stylesheet", href: "/static/css/ticket_fields.css" }),
    h("link", { rel: "stylesheet", href: "/static/css/crm.css" }));
  if (ctx.params[0]) {
    await renderTicket(root, ctx, ctx.params[0]);
    return;
  }
  const results = h("div", { class: "ticket-results" });
  const [assignees, categories] = await Promise.all([loadAssignees(), loadCategories()]);
  ctx.selected = new Set();  // the checked tickets' numbers, for the bulk bar
  const canEdit = EDITORS.has(ctx.user.role);
  ctx.bulk = canEdit ? bulkBar(ctx.selected, {
    statuses: STATUSES.map((s) => [s, statusName(s)]),
    priorities: PRIORITIES.map((p) => [p, p]), assignees,
  }, () => refresh(results, ctx)) : null;
  root.append(h("h1", {}, t("Tickets")));
  const opener = newTicketControl(ctx);  // null for a role that may not open tickets
  if (opener) root.append(opener);
  const applyView = async (view) => {
    Object.assign(state, { filters: { ...EMPTY }, page: 1, atRisk: false, sort: "",
                           view: view ? view.id : "", viewQuery: view ? view.query : {} });
    ctx.navigate("/tickets");  // drawn again: the form shows the cleared filters
  };
  root.append(viewsBar(state, currentQuery, applyView),
    filterForm(assignees, categories, results, ctx), ctx.bulk, results);
  await refresh(results, ctx);
}

function select(name, options, value) {
  return h("select", { name },
    options.map(([optionValue, label]) =>
      h("option", { value: optionValue, selected: optionValue === value }, label)));
}

// The filters on screen as a saved view's query and sort (over the applied view's).
function currentQuery() {
  const query = { ...state.viewQuery };
  for (const [name, value] of Object.entries(state.filters)) if (value) query[name] = value;
  if (state.atRisk) query.at_risk = "true";
  return { query, sort: state.sort };
}

function filterForm(assignees, categories, results, ctx) {
  const f = state.filters;
  const advanced = searchFields(f);
  const fields = {
    ...advanced.fields,
    status: select("status", [["", t("Any status")],
      ...STATUSES.map((s) => [s, statusName(s)])], f.status),
    queue: h("input", { name: "queue", value: f.queue, placeholder: t("e.g. reklamacje") }),
    priority: select("priority", [["", t("Any priority")],
      ...PRIORITIES.map((p) => [p, p])], f.priority),
    assignee: select("assignee", [["", t("Anyone")], ["me", t("Me")], ["none", t("Nobody")],
      ...assignees.map((name) => [name, name])], f.assignee),
    caller: h("input", { name: "caller", value: f.caller, type: "search",
                         placeholder: t("Phone number") }),
    text: h("input", { name: "text", value: f.text, type: "search",
                       placeholder: t("Words in title, notes, caller's name") }),
    // Snoozed tickets are hidden until they wake, unless asked for.
    snoozed: select("snoozed", [["", t("Not snoozed")], ["true", t("Snoozed only")],
      ["all", t("Snoozed or not")]], f.snoozed),
    category: h("select", { name: "category" },
      categoryOptions(categories, f.category || null, t("Any category"))),
    tag: h("input", { name: "tag", value: f.tag, type: "search", placeholder: t("e.g. invoice") }),
  };
  const apply = async (event) => {
    event.preventDefault();
    for (const [name, field] of Object.entries(fields)) state.filters[name] = field.value.trim();
    state.page = 1;
    await refresh(results, ctx);
  };
  const reset = async () => {
    state.filters = { ...EMPTY };
    Object.assign(state, { page: 1, atRisk: false, sort: "", view: "", viewQuery: {} });
    for (const [name, field] of Object.entries(fields)) field.value = state.filters[name];
    await refresh(results, ctx);
  };
  return h("form", { class: "card ticket-filters", name: "filters", onsubmit: apply },
    h("label", {}, t("Status"), fields.status),
    h("label", {}, t("Queue"), fields.queue),
    h("label", {}, t("Priority"), fields.priority),
    h("label", {}, t("Assignee"), fields.assignee),
    h("label", {}, t("Caller number"), fields.caller),
    h("label", {}, t("Snoozed"), fields.snoozed),
    h("label", {}, t("Category"), fields.category),
    h("label", {}, t("Tag"), fields.tag),
    h("label", { class: "wide" }, t("Text"), fields.text),
    advanced.block,
    h("div", { class: "row buttons" },
      atRiskToggle(results, ctx),
      h("button", { type: "submit", class: "primary" }, t("Search")),
      h("button", { type: "button", onclick: reset }, t("Clear"))));
}

// "Zagrożone SLA": open tickets whose SLA is warning or breached, soonest due first.
function atRiskToggle(results, ctx) {
  const button = h("button", { type: "button", name: "at_risk", class: "at-risk",
                               "aria-pressed": String(state.atRisk) }, t("At risk"));
  button.addEventListener("click", async () => {
    state.atRisk = !state.atRisk;
    state.page = 1;
    button.setAttribute("aria-pressed", String(state.atRisk));
    await refresh(results, ctx);
  });
  return button;
}

function query() {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(state.filters)) {
    if (value) params.set(name, searchValue(name, value));
  }
  if (state.atRisk) params.set("at_risk", "true");
  if (state.sort) params.set("sort", state.sort);
  if (state.view) params.set("view", state.view);
  params.set("page", String(state.page));
  params.set("per_page", String(PER_PAGE));
  return params.toString();
}

async function refresh(results, ctx) {
  results.setAttribute("aria-busy", "true");
  try {
    const page = await api("GET", `/tickets?${query()}`);
    ctx.selected.clear();  // what is checked is what is on screen
    ctx.bulk?.update();
    clear(results, ticketTable(page.items, results, ctx), pager(page, results, ctx));
  } catch (error) {
    clear(results, h("p", { class: "error" }, t("The tickets could not be loaded.")));
    showError(error);
  } finally {
    results.setAttribute("aria-busy", "false");
  }
}

function ticketTable(items, results, ctx) {
  if (!items.length) return h("p", { class: "empty" }, t("No tickets match."));
  const again = () => refresh(results, ctx);
  return h("table", { class: "tickets" },
    h("thead", {}, h("tr", {},
      ctx.bulk ? h("th", { class: "pick" }, "") : null,
      [[t("Number"), "number"], [t("Title"), "title"], [t("Caller"), "caller"],
        [t("Queue"), "queue"], [t("Category"), "category"], [t("Priority"), "priority"],
        [t("Status"), "status"]].map(([label, column]) => sortHeader(label, column, state, again)),
      h("th", { class: "sla" }, slaSortButton(results, ctx)),
      [[t("Assignee"), "assignee"], [t("Created"), "created_at"]]
        .map(([label, column]) => sortHeader(label, column, state, again)))),
    h("tbody", {}, items.map((ticket) => ticketRow(ticket, ctx))));
}

// The SLA column sorts by the next due time: soonest first, then latest first, then off.
function slaSortButton(results, ctx) {
  const arrow = { breach_at: " ↑", "-breach_at": " ↓" }[state.sort] || "";
  return h("button", { type: "button", name: "sort_sla", class: "sla-sort",
                       title: t("Sort by SLA due time"),
                       onclick: async () => {
                         const next = SLA_SORTS.indexOf(state.sort) + 1;
                         state.sort = SLA_SORTS[next] || "";
                         await refresh(results, ctx);
                       } }, `${t("SLA")}${arrow}`);
}

function ticketRow(ticket, ctx) {
  const open = () => ctx.navigate(`/tickets/${encodeURIComponent(ticket.number)}`);
  return h("tr", { class: "clickable", tabindex: "0", dataset: { number: ticket.number },
                   onclick: open,
                   onkeydown: (event) => { if (event.key === "Enter") open(); } },
    ctx.bulk ? h("td", { class: "pick" }, pickBox(ticket, ctx)) : null,
    h("td", { class: "number" }, ticket.number),
    h("td", {}, ticket.title, ticket.tags?.length
      ? h("div", { class: "tags" }, tagBadges(ticket.tags)) : null),
    h("td", {}, callerCell(ticket)),
    h("td", {}, ticket.queue || "—"),
    h("td", { class: "category" }, ticket.category ? ticket.category.path.join(" / ") : "—"),
    h("td", {}, priorityBadge(ticket.priority)),
    h("td", {}, h("span", { class: `status ${ticket.status}` }, statusName(ticket.status)),
      " ", snoozedBadge(ticket)),
    h("td", { class: "sla" }, slaCell(ticket.sla)),
    h("td", {}, ticket.assignee || h("span", { class: "muted" }, t("nobody"))),
    h("td", { class: "when" }, fmtDateTime(ticket.created_at)));
}

// A row's checkbox for the bulk bar; checking it does not open the ticket.
function pickBox(ticket, ctx) {
  const box = h("input", { type: "checkbox", name: "pick", "aria-label": ticket.number,
                           onclick: (event) => event.stopPropagation(),
                           onkeydown: (event) => event.stopPropagation() });
  box.addEventListener("change", () => {
    if (box.checked) ctx.selected.add(ticket.number);
    else ctx.selected.delete(ticket.number);
    ctx.bulk.update();
  });
  return box;
}

function callerCell(ticket) {
  return [
    ticket.caller_name ? h("div", { class: "caller-name" }, ticket.caller_name) : null,
    h("div", { class: "muted" }, ticket.caller || t("hidden number")),
    ticket.vip ? h("span", { class: "badge vip" }, t("VIP")) : null,
  ];
}

// A count past the server's limit is inexact ("1000+"): the last page is then unknown,
// and a next page exists (the server counted beyond this one).
function pager(page, results, ctx) {
  const exact = page.total_exact !== false;
  const pages = exact ? Math.max(1, Math.ceil(page.total / page.per_page)) : page.page + 1;
  const go = (delta) => async () => {
    state.page = Math.min(Math.max(1, state.page + delta), pages);
    await refresh(results, ctx);
  };
  return h("div", { class: "pager" },
    h("button", { type: "button", name: "previous", disabled: page.page <= 1, onclick: go(-1) },
      t("Previous")),
    h("span", { class: "page-of" }, exact
      ? t("Page {page} of {pages} · {total} tickets",
        { page: page.page, pages, total: page.total })
      : t("Page {page} · {total}+ tickets", { page: page.page, total: page.total })),
    h("button", { type: "button", name: "next", disabled: page.page >= pages, onclick: go(1) },
      t("Next")));
}
