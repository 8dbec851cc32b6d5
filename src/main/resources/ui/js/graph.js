// A workflow drawn as a graph: nodes laid out by DAG level (a node's level is one more than its
// deepest upstream node), edges as arrows, in plain SVG. Left to right on wide screens, top to
// bottom on narrow ones. setStatus() recolours a node while a run goes on.
import { s } from './dom.js';

const W = 168, H = 58, GAP_MAIN = 56, GAP_CROSS = 18, PAD = 10;

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

/**
 * Draws the workflow. Returns { svg, setStatus(nodeId, status, label) } where status is one of
 * waiting, running, done, failed, skipped.
 */
export function drawGraph(workflow, { vertical = false } = {}) {
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

  for (const e of edges) {
    const a = pos.get(e.source), b = pos.get(e.target);
    let d;
    if (vertical) {
      const x1 = a.x + W / 2, y1 = a.y + H, x2 = b.x + W / 2, y2 = b.y - 2, my = (y1 + y2) / 2;
      d = `M ${x1} ${y1} C ${x1} ${my}, ${x2} ${my}, ${x2} ${y2}`;
    } else {
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x - 2, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
      d = `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}`;
    }
    svg.append(s('path', { d, class: 'edge', 'marker-end': 'url(#arrow)', 'data-source': e.source, 'data-target': e.target }));
  }

  const byId = new Map();
  for (const n of nodes) {
    const p = pos.get(n.id);
    const d = n.data || {};
    const statusText = s('text', { x: W - 10, y: 50, class: 'node-status', 'text-anchor': 'end' }, 'waiting');
    const g = s('g', { class: 'node status-waiting', transform: `translate(${p.x} ${p.y})`, 'data-node-id': n.id, 'data-status': 'waiting' },
      s('title', null, `${agentName(n)}${d.role ? ` — ${d.role}` : ''}${d.model ? ` (${d.model})` : ''}`),
      s('rect', { width: W, height: H, rx: 9, ry: 9 }),
      s('text', { x: 10, y: 18, class: 'node-name' }, truncate(agentName(n), 21)),
      s('text', { x: 10, y: 34, class: 'node-role' }, truncate(d.role || '', 26)),
      s('text', { x: 10, y: 50, class: 'node-model' }, truncate(d.model || 'default model', 14)),
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
      node.statusText.textContent = label || status;
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
