// A deterministic layered layout, top to bottom: entries first, each node one
// layer below the furthest node leading to it (edges that close a loop are set
// aside first), and the nodes of a layer ordered by where their parents stand.
import { edgesOf } from "./edges.js";

export const NODE_W = 168;
export const NODE_H = 48;
const GAP_X = 34;
const GAP_Y = 76;

function successors(nodes) {
  const next = new Map();
  for (const [id, node] of Object.entries(nodes)) {
    next.set(id, [...new Set(edgesOf(node).map((e) => e.target).filter((t) => t in nodes))]);
  }
  return next;
}

// Depth-first from the entries (then any node left): the discovery order, and
// the edges that go back to a node still on the stack (they close loops).
function explore(nodes, next) {
  const ids = Object.keys(nodes);
  const starts = ids.filter((id) => nodes[id].kind === "entry").concat(ids);
  const order = [];
  const back = new Set();
  const state = new Map();
  const visit = (id) => {
    state.set(id, "open");
    order.push(id);
    for (const target of next.get(id)) {
      if (state.get(target) === "open") back.add(`${id}>${target}`);
      else if (!state.has(target)) visit(target);
    }
    state.set(id, "done");
  };
  for (const id of starts) if (!state.has(id)) visit(id);
  return { order, back };
}

function layers(order, next, back) {
  const layer = new Map(order.map((id) => [id, 0]));
  // Longest path over the loop-free edges; order.length passes always settle it.
  for (let pass = 0, changed = true; changed && pass < order.length; pass += 1) {
    changed = false;
    for (const id of order) {
      for (const target of next.get(id)) {
        if (back.has(`${id}>${target}`)) continue;
        if (layer.get(target) < layer.get(id) + 1) {
          layer.set(target, layer.get(id) + 1);
          changed = true;
        }
      }
    }
  }
  return layer;
}

function ordered(order, next, layer) {
  const rows = [];
  for (const id of order) (rows[layer.get(id)] ||= []).push(id);
  const parents = new Map(order.map((id) => [id, []]));
  for (const id of order) for (const target of next.get(id)) parents.get(target).push(id);
  const position = new Map();
  rows.forEach((row) => row.forEach((id, index) => position.set(id, index)));
  for (const row of rows.slice(1)) {
    const weight = (id) => {
      const above = parents.get(id).filter((p) => layer.get(p) < layer.get(id));
      if (!above.length) return position.get(id);
      return above.reduce((sum, p) => sum + position.get(p), 0) / above.length;
    };
    const weights = new Map(row.map((id) => [id, weight(id)]));
    row.sort((a, b) => weights.get(a) - weights.get(b) || position.get(a) - position.get(b));
    row.forEach((id, index) => position.set(id, index));
  }
  return rows;
}

// {positions: Map id → {x, y, layer}, width, height, back: Set "from>to"}
export function layout(nodes) {
  const next = successors(nodes);
  const { order, back } = explore(nodes, next);
  const layer = layers(order, next, back);
  const rows = ordered(order, next, layer);
  const widest = Math.max(1, ...rows.map((row) => row.length));
  const width = widest * (NODE_W + GAP_X) - GAP_X;
  const positions = new Map();
  rows.forEach((row, depth) => {
    const offset = (width - (row.length * (NODE_W + GAP_X) - GAP_X)) / 2;
    row.forEach((id, index) => positions.set(id, {
      x: offset + index * (NODE_W + GAP_X), y: depth * (NODE_H + GAP_Y), layer: depth }));
  });
  return { positions, width, height: rows.length * (NODE_H + GAP_Y) - GAP_Y, back };
}
