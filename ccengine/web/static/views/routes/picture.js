// The graph as a picture: SVG nodes and edges from the layered layout, with pan
// (drag the background), zoom (wheel, + and − buttons) and fit. Redrawn whole
// on every change; the view (scale and offset) survives redraws.
import { h, svg, t } from "../../app.js";
import { edgesOf } from "./edges.js";
import { kindName, branchName } from "./names.js";
import { layout, NODE_H, NODE_W } from "./layout.js";

const MIN_SCALE = 0.2;
const MAX_SCALE = 3;
const LINE = 12; // px between the lines of an edge's label

export function createPicture(onSelect) {
  const view = { scale: 1, tx: 20, ty: 20, fitted: false };
  const viewport = svg("g", { class: "viewport" });
  const canvas = svg("svg", { class: "route-graph", role: "img" },
    svg("defs", {},
      marker("arrow", "arrow-head"), marker("arrow-on", "arrow-head on-path")),
    viewport);
  const apply = () => viewport.setAttribute("transform",
    `translate(${view.tx.toFixed(1)} ${view.ty.toFixed(1)}) scale(${view.scale.toFixed(4)})`);
  const zoomAt = (factor, px, py) => {
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
    view.tx = px - ((px - view.tx) * scale) / view.scale;
    view.ty = py - ((py - view.ty) * scale) / view.scale;
    view.scale = scale;
    apply();
  };
  let size = { width: 1, height: 1 };
  const fit = () => {
    const box = canvas.getBoundingClientRect();
    if (!box.width) return;
    view.scale = Math.min((box.width - 40) / size.width, (box.height - 40) / size.height, 1.2);
    view.tx = (box.width - size.width * view.scale) / 2;
    view.ty = 20;
    view.fitted = true;
    canvas.dataset.fitted = "true"; // for tests: the first fit is done
    apply();
  };
  const centre = () => {
    const box = canvas.getBoundingClientRect();
    return [box.width / 2, box.height / 2];
  };
  panAndZoom(canvas, view, apply, zoomAt);
  const buttons = h("div", { class: "zoom-buttons" },
    h("button", { type: "button", title: t("Zoom in"), "aria-label": t("Zoom in"),
                  onclick: () => zoomAt(1.25, ...centre()) }, "+"),
    h("button", { type: "button", title: t("Zoom out"), "aria-label": t("Zoom out"),
                  onclick: () => zoomAt(0.8, ...centre()) }, "−"),
    h("button", { type: "button", onclick: fit }, t("Fit")));
  const element = h("div", { class: "route-picture" }, buttons, canvas);

  function draw(graph, marks) {
    const placed = layout(graph.nodes);
    size = { width: Math.max(placed.width, 1), height: Math.max(placed.height, 1) };
    viewport.replaceChildren(
      ...edgeGroups(graph.nodes, placed, marks),
      ...Object.entries(graph.nodes).map(([id, node]) =>
        drawNode(id, node, placed.positions.get(id), marks, onSelect)));
    if (!view.fitted) requestAnimationFrame(fit);
    apply();
  }
  return { element, draw, fit };
}

function marker(id, cls) {
  return svg("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7,
                         markerHeight: 7, orient: "auto-start-reverse" },
    svg("path", { d: "M0,0 L10,5 L0,10 z", class: cls }));
}

function panAndZoom(canvas, view, apply, zoomAt) {
  let drag = null;
  canvas.addEventListener("pointerdown", (event) => {
    if (event.target.closest("g.node")) return;
    drag = { x: event.clientX, y: event.clientY, tx: view.tx, ty: view.ty };
    canvas.setPointerCapture(event.pointerId);
    canvas.classList.add("dragging");
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drag) return;
    view.tx = drag.tx + event.clientX - drag.x;
    view.ty = drag.ty + event.clientY - drag.y;
    apply();
  });
  const stop = () => { drag = null; canvas.classList.remove("dragging"); };
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = canvas.getBoundingClientRect();
    zoomAt(Math.exp(-event.deltaY * 0.0015), event.clientX - box.left, event.clientY - box.top);
  }, { passive: false });
}

// One drawn edge per (from, to) pair, labelled with every branch it stands for.
function edgeGroups(nodes, placed, marks) {
  const pairs = new Map();
  for (const [id, node] of Object.entries(nodes)) {
    for (const edge of edgesOf(node)) {
      if (!(edge.target in nodes)) continue;
      const key = `${id}>${edge.target}`;
      if (!pairs.has(key)) pairs.set(key, { from: id, to: edge.target, branches: [] });
      pairs.get(key).branches.push(edge.branch);
    }
  }
  return [...pairs.values()].map((pair) => drawEdge(pair, placed, marks));
}

function drawEdge({ from, to, branches }, placed, marks) {
  const a = placed.positions.get(from);
  const b = placed.positions.get(to);
  const on = branches.some((branch) => marks.pathEdges.has(`${from}|${branch}`));
  const { d, label } = b.layer > a.layer ? downward(a, b, placed.chains.get(`${from}>${to}`))
    : sideways(a, b);
  return svg("g", { class: `edge${on ? " on-path" : ""}`, "data-from": from, "data-to": to,
                    "data-branches": branches.join(" ") },
    svg("path", { d, "marker-end": `url(#${on ? "arrow-on" : "arrow"})` }),
    edgeLabel(label, branches));
}

// One line per branch (a queue's timeout and no-agents going the same way), so
// labels of neighbouring edges stay narrow enough not to run into each other.
function edgeLabel([x, y], branches) {
  const top = y + 4 - ((branches.length - 1) * LINE) / 2;
  return svg("text", { x: x.toFixed(1), y: top.toFixed(1), "text-anchor": "middle" },
    ...branches.map((branch, index) => svg("tspan", { x: x.toFixed(1),
                                                      dy: index ? LINE : 0 },
                                           branchName(branch))));
}

// Down through the waypoints of the layers it crosses: vertical tangents at each
// point, straight through a waypoint's own layer. The label sits on the first leg.
function downward(a, b, chain = []) {
  const stops = [[a.x + NODE_W / 2, a.y + NODE_H]];
  for (const point of chain) stops.push([point.x, point.y], [point.x, point.y + NODE_H]);
  stops.push([b.x + NODE_W / 2, b.y]);
  let d = `M${stops[0]}`;
  for (let i = 1; i < stops.length; i += 1) {
    const [p, q] = [stops[i - 1], stops[i]];
    const half = (q[1] - p[1]) / 2;
    d += i % 2 === 0 ? ` L${q}` : ` C${p[0]},${p[1] + half} ${q[0]},${q[1] - half} ${q}`;
  }
  const [p, q] = [stops[0], stops[1]];
  return { d, label: [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2] };
}

// Back up (a loop) or along a layer: out of the right side and round.
function sideways(a, b) {
  const bend = 50 + 18 * Math.abs(a.layer - b.layer);
  const p0 = [a.x + NODE_W, a.y + NODE_H / 2];
  const p3 = [b.x + NODE_W, b.y + NODE_H / 2];
  const p1 = [p0[0] + bend, p0[1]];
  const p2 = [p3[0] + bend, p3[1]];
  const mid = [0, 1].map((i) => (p0[i] + 3 * p1[i] + 3 * p2[i] + p3[i]) / 8);
  return { d: `M${p0} C${p1} ${p2} ${p3}`, label: mid };
}

function drawNode(id, node, at, marks, onSelect) {
  const issues = marks.issues.get(id) || [];
  const classes = ["node", `kind-${node.kind}`];
  if (marks.pathNodes.has(id)) classes.push("on-path");
  if (issues.length) classes.push("has-issue");
  if (marks.selected === id) classes.push("selected");
  const title = [node.label || id, `${id} · ${kindName(node.kind)}`,
                 ...issues.map((issue) => `⚠ ${issue.field}: ${issue.message}`)].join("\n");
  return svg("g", { class: classes.join(" "), "data-node": id,
                    transform: `translate(${at.x} ${at.y})`, tabindex: 0,
                    onclick: () => onSelect(id),
                    onkeydown: (event) => { if (event.key === "Enter") onSelect(id); } },
    svg("title", {}, title),
    svg("rect", { width: NODE_W, height: NODE_H, rx: 8 }),
    svg("text", { x: NODE_W / 2, y: 20, "text-anchor": "middle", class: "name" },
        short(node.label || id, 24)),
    svg("text", { x: NODE_W / 2, y: 38, "text-anchor": "middle", class: "kind" },
        `${kindName(node.kind)}${issues.length ? ` · ⚠ ${issues.length}` : ""}`));
}

function short(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
