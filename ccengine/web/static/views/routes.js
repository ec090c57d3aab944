// The route graph editor (admin): the graph as a picture, a form per node kind,
// validation on the nodes, simulation, drafts, publish, rollback, YAML in and out.
import { api, ApiError, clear, h, showError, t, toast } from "../app.js";
import { KINDS } from "./routes/edges.js";
import { nodeForm } from "./routes/forms.js";
import { kindName, versionStatusName } from "./routes/names.js";
import { createPicture } from "./routes/picture.js";
import { graphPanel } from "./routes/queues.js";
import { defaultSimulation, simulatePanel } from "./routes/simulate.js";
import { versionsPanel, importPanel, download } from "./routes/versions.js";
import { newNode } from "./routes/defaults.js";
import { confirmPublish, graphDiff } from "./routes/publish_diff.js";

const NODE_ID = /^[a-z0-9][a-z0-9_-]*$/;
let state = null;

export async function render(root, ctx) {
  const mine = { name: ctx.params[0] || null, graph: null, summary: null, version: null,
                 status: null, saved: true, issues: [], path: null, selected: null,
                 tab: "graph", simulation: null };
  state = mine;
  root.append(h("link", { rel: "stylesheet", href: "/static/css/routes.css" }));
  mine.picture = createPicture((id) => { mine.selected = id; mine.tab = "node"; redraw(); });
  // The picture stays in place across redraws: detaching it would drop a drag.
  mine.parts = { toolbar: h("div"), issues: h("div"), side: h("div", { class: "routes-side" }) };
  mine.view = h("div", { class: "routes-view" }, mine.parts.toolbar, mine.parts.issues,
                h("div", { class: "routes-body" }, mine.picture.element, mine.parts.side));
  root.append(mine.view);
  await load(mine.name);
}

export function dispose() {
  state = null;
}

// The shell asks before leaving a page with unsaved work (a link, a reload, closing).
export function unsaved() {
  return Boolean(state?.graph && !state.saved);
}

async function load(name, version) {
  const mine = state;
  const { graphs } = await api("GET", "/routes");
  const summary = graphs.find((g) => g.name === name) || graphs[0];
  if (state !== mine) return; // the page was left, or rendered again, meanwhile
  if (!summary) {
    clear(mine.parts.side, h("p", { class: "empty" }, t("No route graphs yet: import one.")),
          importPanel(importYaml));
    return;
  }
  const chosen = version || summary.published || summary.latest;
  const stored = await api("GET", `/routes/${encodeURIComponent(summary.name)}/versions/${chosen}`);
  if (state !== mine) return;
  Object.assign(mine, { graphs, name: summary.name, summary, graph: stored.graph,
                        version: stored.version, status: stored.status, saved: true,
                        issues: [], path: null, selected: null });
  mine.simulation ||= defaultSimulation(mine.graph);
  redraw();
}

function redraw() {
  if (!state || !state.graph) return;
  const { toolbar: bar, issues, side } = state.parts;
  bar.replaceWith(state.parts.toolbar = toolbar());
  issues.replaceWith(state.parts.issues = issuesList());
  clear(side, ...sidePanel());
  drawPicture();
}

function drawPicture() {
  const pathNodes = new Set((state.path?.path || []).map((step) => step.node));
  const pathEdges = new Set((state.path?.path || []).map((s) => `${s.node}|${s.branch}`));
  state.picture.draw(state.graph, { pathNodes, pathEdges, issues: issueMap(),
                                    selected: state.selected });
}

let pending = false;
function changed() {
  state.saved = false;
  const label = state.view.querySelector(".version-state");
  if (label) label.textContent = versionText();
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; if (state) drawPicture(); });
}

function versionText() {
  const base = t("version {n} ({status})", { n: state.version,
                                              status: versionStatusName(state.status) });
  const unsaved = t("unsaved changes");
  return state.saved ? base : [base, unsaved].join(" · ");
}

function toolbar() {
  const kind = h("select", { name: "new-kind", "aria-label": t("Kind of node") },
                 KINDS.map((k) => h("option", { value: k }, kindName(k))));
  const id = h("input", { type: "text", name: "new-id", placeholder: t("new node id"),
                          size: 12 });
  return h("div", { class: "routes-toolbar" },
    h("div", { class: "row" },
      h("h1", {}, t("Routes")),
      h("select", { name: "graph", "aria-label": t("Graph"),
                    onchange: (event) => guarded(() => load(event.target.value)) },
        state.graphs.map((g) => h("option", { value: g.name, selected: g.name === state.name },
                                  g.name))),
      h("span", { class: "badge version-state" }, versionText()),
      h("span", { class: "spacer" }),
      h("button", { type: "button", name: "validate", onclick: () => guarded(validate) },
        t("Validate")),
      h("button", { type: "button", name: "save", onclick: () => guarded(saveDraft) },
        t("Save draft")),
      h("button", { type: "button", name: "publish", class: "primary",
                    onclick: () => guarded(publish) }, t("Publish")),
      h("button", { type: "button", name: "export", onclick: () => guarded(exportYaml) },
        t("Export YAML"))),
    h("form", { class: "row add-node", onsubmit: (event) => {
      event.preventDefault();
      addNode(kind.value, id.value.trim());
    } }, kind, id, h("button", { type: "submit" }, t("Add node"))));
}

function issuesList() {
  if (!state.issues.length) return h("div", { class: "issues-list", hidden: true });
  return h("div", { class: "issues-list card" },
    h("h2", {}, t("Problems ({n})", { n: state.issues.length })),
    h("ul", {}, state.issues.map((issue) => h("li", { "data-node": issue.node || "" },
      issue.node ? h("a", { href: "#", onclick: (event) => {
        event.preventDefault();
        if (!state.graph.nodes[issue.node]) return;
        Object.assign(state, { selected: issue.node, tab: "node" });
        redraw();
      } }, issue.node) : t("graph"),
      ` · ${issue.field}: ${issue.message}`))));
}

const TABS = () => [["node", t("Node")], ["graph", t("Graph and queues")],
                    ["simulate", t("Simulate")], ["versions", t("Versions")],
                    ["import", t("Import YAML")]];

function sidePanel() {
  const tabs = h("div", { class: "tabs", role: "tablist" }, TABS().map(([name, label]) =>
    h("button", { type: "button", role: "tab", "data-tab": name,
                  class: state.tab === name ? "active" : null,
                  onclick: () => { state.tab = name; redraw(); } }, label)));
  return [tabs, panelContent()];
}

function panelContent() {
  const ctx = { graph: state.graph, issues: issueMap(), changed, rerender: redraw,
                deleteNode, graphIssues: state.issues.filter((issue) => !issue.node) };
  if (state.tab === "node") {
    return state.selected && state.graph.nodes[state.selected] ? nodeForm(ctx, state.selected)
      : h("p", { class: "empty" }, t("Click a node in the picture to edit it."));
  }
  if (state.tab === "simulate") {
    return simulatePanel({ graph: state.graph, form: state.simulation, path: state.path,
                           run: (values) => guarded(() => simulate(values)) });
  }
  if (state.tab === "versions") {
    return versionsPanel(state.summary, state.version, {
      open: (v) => guarded(() => load(state.name, v)),
      publish: (v) => guarded(() => publishStored(v)),
      rollBack: (v) => guarded(() => rollBack(v)) });
  }
  if (state.tab === "import") return importPanel(importYaml);
  return graphPanel(ctx);
}

function issueMap() {
  const map = new Map();
  for (const issue of state.issues) {
    if (issue.node) map.set(issue.node, [...(map.get(issue.node) || []), issue]);
  }
  return map;
}

async function guarded(action) {
  try {
    await action();
  } catch (error) {
    if (error instanceof ApiError && ["graph-invalid", "graph-malformed"].includes(error.error)) {
      await validate(false); // the issues, on their nodes
    }
    showError(error);
  }
}

async function validate(announce = true) {
  const found = await api("POST", "/routes/validate", { graph: state.graph });
  state.issues = found.issues;
  redraw();
  if (announce) {
    toast(found.valid ? t("No problems found.")
      : t("{n} problems: see the red nodes.", { n: found.issues.length }),
          found.valid ? "info" : "error");
  }
  return found.valid;
}

async function saveDraft() {
  const saved = await api("POST", "/routes", { graph: state.graph });
  await refreshSummary(saved.name);
  Object.assign(state, { version: saved.version, status: "draft", saved: true,
                         issues: saved.issues });
  redraw();
  toast(t("Saved as version {n} (draft).", { n: saved.version }));
  return saved.version;
}

async function publish() {
  const version = state.saved ? state.version : null;
  if (!(await confirmPublish(version, graphDiff(await liveGraph(), state.graph)))) return;
  await publishVersion(version ?? await saveDraft());
}

// A stored version (from the versions list), once the admin saw what it changes.
async function publishStored(version) {
  const stored = await api("GET",
    `/routes/${encodeURIComponent(state.name)}/versions/${version}`);
  if (!(await confirmPublish(version, graphDiff(await liveGraph(), stored.graph)))) return;
  await publishVersion(version);
}

async function liveGraph() {
  const live = state.summary?.published;
  if (!live) return null;
  return (await api("GET", `/routes/${encodeURIComponent(state.name)}/versions/${live}`)).graph;
}

async function publishVersion(version) {
  await api("POST", `/routes/${encodeURIComponent(state.name)}/versions/${version}/publish`);
  await refreshSummary(state.name);
  if (version === state.version) Object.assign(state, { status: "published", issues: [] });
  redraw();
  toast(t("Version {n} is live: the next call takes it.", { n: version }));
}

async function rollBack(version) {
  const done = await api("POST", `/routes/${encodeURIComponent(state.name)}/rollback`,
                         { version });
  await load(state.name, done.version);
  state.tab = "versions";
  redraw();
  toast(t("Rolled back: version {n} is live again.", { n: done.version }));
}

async function refreshSummary(name) {
  state.summary = await api("GET", `/routes/${encodeURIComponent(name)}`);
}

async function simulate(values) {
  const found = await api("POST", "/routes/simulate", {
    graph: state.graph, at: `${values.date}T${values.time}`, did: values.did,
    caller: values.caller || null, digits: values.digits || "", vip: Boolean(values.vip),
    queue: values.queue || "answered" });
  state.path = found;
  redraw();
}

async function exportYaml() {
  const found = await api("GET", `/routes/${encodeURIComponent(state.name)}/versions/${state.version}/yaml`);
  download(found.filename, found.yaml);
  if (!state.saved) toast(t("Exported the saved version; unsaved changes are not in it."));
}

async function importYaml(text) {
  try {
    const saved = await api("POST", "/routes", { yaml: text });
    await load(saved.name, saved.version);
    toast(t("Imported as version {n} (draft).", { n: saved.version }));
  } catch (error) {
    if (error instanceof ApiError && error.error === "graph-malformed") {
      const found = await api("POST", "/routes/validate", { yaml: text });
      state.issues = found.issues;
      if (state.graph) redraw();
    }
    showError(error);
  }
}

function addNode(kind, id) {
  if (!NODE_ID.test(id)) {
    toast(t("A node id is lower-case letters, digits, - and _."), "error");
    return;
  }
  if (state.graph.nodes[id]) {
    toast(t("There is a node {id} already.", { id }), "error");
    return;
  }
  state.graph.nodes[id] = newNode(kind, state.graph);
  Object.assign(state, { selected: id, tab: "node" });
  changed();
  redraw();
}

function deleteNode(id) {
  delete state.graph.nodes[id];
  state.selected = null;
  changed();
  redraw();
}
