// A workflow drawn as a graph: nodes laid out by DAG level (a node's level is one more than its
// deepest upstream node), edges as arrows, in plain SVG. Left to right on wide screens, top to
// bottom on narrow ones. The graph is drawn at its own size (never shrunk to fit, which made its text
// unreadably small on a phone): a graph wider than its box scrolls sideways. setStatus() recolours
// a node while a run goes on; before any run a node shows no state.
import { s } from './dom.js';

const W = 168, H = 72, GAP_MAIN = 56, GAP_CROSS = 18, PAD = 10;

/** The agent nodes and the edges between them, as the server will read them. */
export function graphOf(workflow) {
  const nodes = (Array.isArray(workflow?.nodes) ? workflow.nodes : [])
    .filter(n => n && typeof n.id === 'string' && (n.type === undefined || n.type === 'agentNode'));
  const ids = new Set(nodes.map(n => n.id));
  const edges = (Array.isArray(workflow?.edges) ? workflow.edges : [])
    .filter(e => e && ids.has(e.source) && ids.has(e.target) && e.source !== e.target);
  return { nodes, edges };
}

/** node id → level, by longest path from a source; nodes on a cycle go past the rest, one level each. */
export function levels(nodes, edges) {
  const incoming = new Map(nodes.map(n => [n.id, 0]));
  const out = new Map(nodes.map(n => [n.id, []]));
  for (const e of edges) {
    incoming.set(e.target, incoming.get(e.target) + 1);
    out.get(e.source).push(e.target);
  }
  const level = new Map();
  const queue = nodes.filter(n => incoming.get(n.id) === 0).map(n => n.id);
  queue.forEach(id => level.set(id, 0));
  while (queue.length) {
    const id = queue.shift();
    for (const t of out.get(id)) {
      level.set(t, Math.max(level.get(t) ?? 0, level.get(id) + 1));
      incoming.set(t, incoming.get(t) - 1);
      if (incoming.get(t) === 0) queue.push(t);
    }
  }
  let next = Math.max(-1, ...level.values()) + 1;
  for (const n of nodes) if (!level.has(n.id)) level.set(n.id, next++); // on a cycle: one after another, in file order
  return level;
}

function truncate(text, max) {
  const t = String(text ?? '');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export function agentName(node) {
  const d = node.data || {};
  return d.name || d.role || node.id;
}

/** The model a node uses, as it will run: its own, else the server's default (BRAIN_TRUST_DEFAULT_MODEL). */
export function modelOf(node, defaultModel) {
  return (node.data && node.data.model) || defaultModel || '';
}

/**
 * Draws the workflow. Returns { svg, setStatus(nodeId, status, label) } where status is one of
 * idle (no run yet), waiting, running, done, failed, skipped. Options: vertical; defaultModel, the
 * model of nodes that name none; aliases, name → model it stands for (shown in a node's tooltip).
 */
export function drawGraph(workflow, { vertical = false, defaultModel = '', aliases = {} } = {}) {
  const { nodes, edges } = graphOf(workflow);
  const level = levels(nodes, edges);
  const columns = [];
  for (const n of nodes) (columns[level.get(n.id)] ||= []).push(n);
  // order each level by the mean place of its upstream nodes, which keeps most arrows short
  const place = new Map();
  columns.forEach((col, depth) => {
    if (depth > 0) {
      const key = n => {
        const ups = edges.filter(e => e.target === n.id && place.has(e.source)).map(e => place.get(e.source));
        return ups.length ? ups.reduce((a, b) => a + b, 0) / ups.length : Number.MAX_SAFE_INTEGER;
      };
      col.sort((a, b) => key(a) - key(b));
    }
    col.forEach((n, i) => place.set(n.id, i));
  });
  const widest = Math.max(1, ...columns.map(c => c.length));
  const mainSize = vertical ? H : W, crossSize = vertical ? W : H;
  const pos = new Map();
  columns.forEach((col, depth) => {
    const offset = ((widest - col.length) * (crossSize + GAP_CROSS)) / 2;
    col.forEach((n, i) => {
      const main = PAD + depth * (mainSize + GAP_MAIN);
      const cross = PAD + offset + i * (crossSize + GAP_CROSS);
      pos.set(n.id, vertical ? { x: cross, y: main } : { x: main, y: cross });
    });
  });
  const depthCount = Math.max(1, columns.length);
  const mainTotal = 2 * PAD + depthCount * mainSize + (depthCount - 1) * GAP_MAIN;
  const crossTotal = 2 * PAD + widest * crossSize + (widest - 1) * GAP_CROSS;
  const width = vertical ? crossTotal : mainTotal;
  const height = vertical ? mainTotal : crossTotal;

  const svg = s('svg', { class: 'graph', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': `Workflow graph: ${nodes.length} agents, ${edges.length} connections` });
  svg.append(s('defs', null, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }))));

  // An edge that skips levels would pass behind the nodes between; it bends through the nearest gap.
  const crossOf = p => (vertical ? p.x : p.y);
  const gapFor = (from, to, straight) => {
    const blocked = [];
    for (let depth = from + 1; depth < to; depth++) {
      for (const n of columns[depth] || []) {
        const c = crossOf(pos.get(n.id));
        blocked.push([c - 6, c + crossSize + 6]);
      }
    }
    const free = c => blocked.every(([lo, hi]) => c < lo || c > hi);
    const candidates = [straight, ...blocked.flatMap(([lo, hi]) => [lo - GAP_CROSS / 2 + 6, hi + GAP_CROSS / 2 - 6])];
    return candidates.filter(free).sort((p, q) => Math.abs(p - straight) - Math.abs(q - straight))[0] ?? straight;
  };
  for (const e of edges) {
    const a = pos.get(e.source), b = pos.get(e.target);
    const from = level.get(e.source), to = level.get(e.target);
    // in main/cross coordinates: main runs along the levels, cross across them
    const m1 = (vertical ? a.y : a.x) + mainSize, m2 = (vertical ? b.y : b.x) - 2;
    const c1 = crossOf(a) + crossSize / 2, c2 = crossOf(b) + crossSize / 2;
    const mm = (m1 + m2) / 2;
    let points;
    const via = to - from > 1 ? gapFor(from, to, (c1 + c2) / 2) : null;
    if (via === null) {
      points = [[m1, c1], [mm, c1], [mm, c2], [m2, c2]];
    } else {
      // into the gap before the first level it skips, along it, and out after the last one
      const enter = m1 + GAP_MAIN - 4, exit = m2 - GAP_MAIN + 6, q = (GAP_MAIN - 4) / 2;
      points = [[m1, c1], [m1 + q, c1], [enter - q, via], [enter, via], [exit, via], [exit + q, via], [m2 - q, c2], [m2, c2]];
    }
    const xy = ([m, c]) => (vertical ? `${c} ${m}` : `${m} ${c}`);
    const d = points.length === 4
      ? `M ${xy(points[0])} C ${xy(points[1])}, ${xy(points[2])}, ${xy(points[3])}`
      : `M ${xy(points[0])} C ${xy(points[1])}, ${xy(points[2])}, ${xy(points[3])} L ${xy(points[4])} C ${xy(points[5])}, ${xy(points[6])}, ${xy(points[7])}`;
    svg.append(s('path', { d, class: 'edge', 'marker-end': 'url(#arrow)', 'data-source': e.source, 'data-target': e.target }));
  }

  const byId = new Map();
  for (const n of nodes) {
    const p = pos.get(n.id);
    const d = n.data || {};
    const statusText = s('text', { x: 10, y: 65, class: 'node-status' }, '');
    const model = modelOf(n, defaultModel);
    const alias = aliases[String(model).toLowerCase()];
    const modelWords = `${model}${alias ? ` → ${alias}` : ''}${d.model ? '' : ' (the default model)'}`;
    const g = s('g', { class: 'node status-idle', transform: `translate(${p.x} ${p.y})`, 'data-node-id': n.id, 'data-status': 'idle' },
      s('title', null, `${agentName(n)}${d.role ? ` — ${d.role}` : ''}${model ? ` — ${modelWords}` : ''}`),
      s('rect', { width: W, height: H, rx: 9, ry: 9 }),
      s('text', { x: 10, y: 18, class: 'node-name' }, truncate(agentName(n), 21)),
      s('text', { x: 10, y: 34, class: 'node-role' }, truncate(d.role || '', 26)),
      s('text', { x: 10, y: 50, class: 'node-model', 'data-default': d.model ? null : 'true' }, truncate(model, 24)),
      statusText);
    byId.set(n.id, { g, statusText });
    svg.append(g);
  }

  return {
    svg,
    nodes,
    setStatus(nodeId, status, label) {
      const node = byId.get(nodeId);
      if (!node) return;
      node.g.setAttribute('class', `node status-${status}`);
      node.g.setAttribute('data-status', status);
      node.statusText.textContent = status === 'idle' ? '' : (label || status);
    },
  };
}

/** A step's or event's status in the words a node shows. */
export function nodeState(stepStatus) {
  switch (stepStatus) {
    case 'succeeded': return 'done';
    case 'failed': return 'failed';
    case 'running': return 'running';
    case 'waiting': return 'waiting';
    default: return 'skipped'; // skipped, cancelled, interrupted
  }
}
