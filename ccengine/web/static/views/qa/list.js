// The QA call list: filters, the "flagged" queue, paging. Filters are kept while the
// user opens a call and comes back.
import { api, clear, fmtDateTime, fmtDuration, fmtNumber, h, showError, t } from "../../app.js";
import { OUTCOME_IDS, outcomeName } from "./labels.js";
import { highlighted } from "./text.js";

const PER_PAGE = 25;
const EMPTY = { from: "", to: "", queue: "", agent: "", outcome: "", has_transcript: "",
                reviewed: "", q: "" };
const state = { tab: "all", page: 1, filters: { ...EMPTY } };

export async function render(root, { navigate }) {
  const facets = await api("GET", "/qa/facets").catch(() => ({ queues: [], agents: [] }));
  const results = h("div", { class: "qa-results" });
  const tabs = h("div", { class: "qa-tabs", role: "tablist" });
  const reload = () => load(results, tabs, navigate, reload);
  root.append(h("h1", {}, t("QA review")), tabs, filterForm(facets, reload), results);
  await reload();
}

function filterForm(facets, reload) {
  const f = state.filters;
  const field = (name, label, control) => h("label", {}, label, control);
  const input = (name, attrs) => h("input", { name, value: f[name], ...attrs });
  const select = (name, options) => h("select", { name },
    options.map(([value, label]) => h("option", { value, selected: f[name] === value }, label)));
  const any = ["", t("Any")];
  const yesNo = [any, ["true", t("Yes")], ["false", t("No")]];
  const form = h("form", { class: "card qa-filters", onsubmit: (event) => {
    event.preventDefault();
    for (const [name, value] of new FormData(form)) state.filters[name] = value.trim();
    state.page = 1;
    reload();
  } },
  field("q", t("Words in transcript"),
        input("q", { type: "search", placeholder: t("e.g. zwrot"), maxlength: 200 })),
  field("from", t("From"), input("from", { type: "date" })),
  field("to", t("To"), input("to", { type: "date" })),
  field("queue", t("Queue"), select("queue", [any, ...facets.queues.map((q) => [q, q])])),
  field("agent", t("Agent"), select("agent", [any, ...facets.agents.map((a) => [a, a])])),
  field("outcome", t("Outcome"),
        select("outcome", [any, ...OUTCOME_IDS.map((o) => [o, outcomeName(o)])])),
  field("has_transcript", t("Transcript"), select("has_transcript", yesNo)),
  field("reviewed", t("Reviewed"), select("reviewed", yesNo)),
  h("div", { class: "qa-filter-buttons" },
    h("button", { type: "submit", class: "primary" }, t("Search")),
    h("button", { type: "button", onclick: () => {
      state.filters = { ...EMPTY };
      for (const control of form.elements) if (control.name) control.value = "";
      state.page = 1;
      reload();
    } }, t("Clear"))));
  return form;
}

function query() {
  const params = new URLSearchParams({ page: state.page, per_page: PER_PAGE });
  for (const [name, value] of Object.entries(state.filters)) if (value) params.set(name, value);
  return params.toString();
}

async function load(results, tabs, navigate, reload) {
  const path = state.tab === "flagged" ? "/qa/flagged" : "/qa/calls";
  try {
    const [page, flagged] = await Promise.all([
      api("GET", `${path}?${query()}`), api("GET", "/qa/flagged?per_page=1")]);
    renderTabs(tabs, flagged.total, reload);
    clear(results, table(page, navigate), pager(page, reload));
  } catch (error) {
    clear(results, h("p", { class: "error" }, t("The calls could not be loaded.")));
    showError(error);
  }
}

function renderTabs(tabs, flaggedCount, reload) {
  const tab = (name, label) => h("button", {
    type: "button", role: "tab", class: state.tab === name ? "active" : null,
    "aria-selected": state.tab === name ? "true" : "false", dataset: { tab: name },
    onclick: () => { state.tab = name; state.page = 1; reload(); } }, label);
  clear(tabs, tab("all", t("All calls")),
        tab("flagged", [t("Flagged for QA"), " ", h("span", { class: "badge" },
                                                       fmtNumber(flaggedCount))]));
}

function table(page, navigate) {
  if (!page.items.length) {
    return h("p", { class: "empty" }, state.tab === "flagged"
      ? t("No flagged calls wait for review.") : t("No calls match these filters."));
  }
  const words = state.filters.q;
  return h("table", { class: "qa-calls" },
    h("thead", {}, h("tr", {}, [t("Started"), t("Caller"), t("Queue"), t("Agent"),
                                t("Outcome"), t("Duration"), t("Transcript"), t("Score")]
      .map((label) => h("th", {}, label)))),
    h("tbody", {}, page.items.map((call) => [
      h("tr", { class: "clickable", dataset: { call: call.id },
                onclick: () => navigate(`/qa/${call.id}`) },
        h("td", {}, fmtDateTime(call.started_at)),
        h("td", {}, call.caller_name ? [call.caller_name, h("br"),
          h("span", { class: "muted" }, call.caller_number || "")] : call.caller_number || "—"),
        h("td", {}, call.queue || "—"), h("td", {}, call.agent || "—"),
        h("td", {}, outcomeName(call.outcome)), h("td", {}, fmtDuration(call.duration)),
        h("td", {}, transcriptCell(call)), h("td", {}, scoreCell(call))),
      call.match ? h("tr", { class: "qa-match" }, h("td", { colspan: 8 },
        h("span", { class: "muted" }, `${fmtDuration(call.match.start)} `),
        highlighted(call.match.text, words))) : null,
    ])));
}

function transcriptCell(call) {
  if (!call.has_transcript) return h("span", { class: "muted" }, t("None"));
  return [h("span", { class: "badge ok" }, t("Yes")), " ",
          call.needs_qa ? h("span", { class: "badge flag" }, t("Flagged")) : null];
}

function scoreCell(call) {
  if (!call.last_score) return h("span", { class: "muted" }, t("Not reviewed"));
  return `${fmtNumber(call.last_score.total)} / ${fmtNumber(call.last_score.max_total)}`;
}

function pager(page, reload) {
  const go = (delta) => () => { state.page += delta; reload(); };
  return h("div", { class: "pager" },
    h("button", { type: "button", disabled: page.page <= 1, onclick: go(-1) }, t("Previous")),
    h("span", {}, t("Page {page} of {pages}", { page: fmtNumber(page.page),
                                                pages: fmtNumber(Math.max(page.pages, 1)) })),
    h("button", { type: "button", disabled: page.page >= page.pages, onclick: go(1) },
      t("Next")),
    h("span", { class: "muted" }, t("{total} calls", { total: fmtNumber(page.total) })));
}
