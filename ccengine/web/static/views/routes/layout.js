// A deterministic layered layout, top to bottom (after Sugiyama): entries first,
// each node one layer below the furthest node leading to it (edges that close a
// loop set aside first); an edge spanning several layers gets a waypoint in each
// layer it crosses, so it is routed around the nodes, not through them; each
// layer is ordered by where its neighbours stand (a few up and down sweeps).
import { edgesOf } from "./edges.js";

export const NODE_W = 168;
export const NODE_H = 48;
const WAYPOINT_W = 16;
const GAP_X = 30;
const GAP_Y = 76;
const SWEEPS = 4;

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

// Waypoints for long edges: the ordering graph (real nodes and waypoints), with
// each waypoint chain kept per edge for drawing.
function withWaypoints(order, next, back, layer) {
  const all = [];
  const links = [];
  const chains = new Map();
  for (const id of order) {
    all.push(id);
    for (const target of next.get(id)) {
      if (back.has(`${id}>${target}`)) continue;
      let previous = id;
      const chain = [];
      for (let depth = layer.get(id) + 1; depth < layer.get(target); depth += 1) {
        const point = `${id}>${target}#${depth}`;
        layer.set(point, depth);
        all.push(point);
        chain.push(point);
        links.push([previous, point]);
        previous = point;
      }
      links.push([previous, target]);
      if (chain.length) chains.set(`${id}>${target}`, chain);
    }
  }
  return { all, links, chains };
}

function ordered(all, links, layer) {
  const rows = [];
  for (const id of all) (rows[layer.get(id)] ||= []).push(id);
  const up = new Map(all.map((id) => [id, []]));
  const down = new Map(all.map((id) => [id, []]));
  for (const [from, to] of links) { up.get(to).push(from); down.get(from).push(to); }
  const position = new Map();
  const place = (row) => row.forEach((id, index) => position.set(id, index));
  rows.forEach(place);
  const sweep = (row, neighbours) => {
    const weight = (id) => {
      const near = neighbours.get(id);
      if (!near.length) return position.get(id);
      return near.reduce((sum, other) => sum + position.get(other), 0) / near.length;
    };
    const weights = new Map(row.map((id) => [id, weight(id)]));
    row.sort((a, b) => weights.get(a) - weights.get(b) || position.get(a) - position.get(b));
    place(row);
  };
  for (let round = 0; round < SWEEPS; round += 1) {
    if (round % 2 === 0) rows.slice(1).forEach((row) => sweep(row, up));
    else rows.slice(0, -1).reverse().forEach((row) => sweep(row, down));
  }
  return rows;
}

const widthOf = (id) => (id.includes("#") ? WAYPOINT_W : NODE_W);
const rowWidth = (row) => row.reduce((sum, id) => sum + widthOf(id), 0)
  + GAP_X * Math.max(0, row.length - 1);

// {positions: Map id → {x, y, layer}, chains: Map "from>to" → [{x, y}] (waypoint
// tops), width, height}
export function layout(nodes) {
  const next = successors(nodes);
  const { order, back } = explore(nodes, next);
  const layer = layers(order, next, back);
  const { all, links, chains } = withWaypoints(order, next, back, layer);
  const rows = ordered(all, links, layer);
  const width = Math.max(NODE_W, ...rows.map(rowWidth));
  const positions = new Map();
  rows.forEach((row, depth) => {
    let x = (width - rowWidth(row)) / 2;
    for (const id of row) {
      positions.set(id, { x, y: depth * (NODE_H + GAP_Y), layer: depth });
      x += widthOf(id) + GAP_X;
    }
  });
  const points = new Map([...chains].map(([key, chain]) => [key, chain.map((point) => ({
    x: positions.get(point).x + WAYPOINT_W / 2, y: positions.get(point).y }))]));
  return { positions, chains: points, width, height: rows.length * (NODE_H + GAP_Y) - GAP_Y };
}
