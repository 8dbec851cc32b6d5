// Workflows: the saved ones; one drawn as a graph with a run button (nodes go waiting → running →
// done / failed live, from the run's Server-Sent Events), each agent's output and the final output,
// and a JSON editor checked by the server (a dry run) before running; saving in local mode.
import { api } from '../api.js';
import { h, clear, dl, errorBox, pre, add, fill } from '../dom.js';
import { duration, shortRev } from '../format.js';
import { agentName, drawGraph, nodeState } from '../graph.js';
import { followRun, stepDetails } from '../runview.js';

const TEMPLATE = {
  name: 'New workflow',
  nodes: [
    { id: 'researcher', type: 'agentNode', data: { name: 'Researcher', role: 'Researcher', goal: 'List three facts about the topic', backstory: 'You are thorough.' } },
    { id: 'writer', type: 'agentNode', data: { name: 'Writer', role: 'Writer', goal: 'Write a short paragraph from the facts', backstory: 'You write plainly.' } },
  ],
  edges: [{ source: 'researcher', target: 'writer' }],
};

export async function render(root, ctx) {
  if (ctx.param) return detail(root, ctx);
  const { workflows } = await api('/api/v1/workflows', { signal: ctx.signal });
  add(root, 
    h('h1', null, 'Workflows'),
    h('p', { class: 'muted' }, 'Saved in workflows/ as JSON (the graph the original Brain Trust UI produces).'),
    h('div', { class: 'actions' }, h('a', { class: 'button', href: '#/workflows/new', id: 'new-workflow' }, 'New workflow')),
    workflows.length ? h('ul', { class: 'list', id: 'workflow-list' }, workflows.map(w =>
      h('li', { class: 'card row', dataset: { workflow: w.name } },
        h('a', { href: `#/workflows/${encodeURIComponent(w.name)}`, class: 'title' }, w.title || w.name),
        h('span', { class: 'muted' }, ` ${w.name}.json`),
        w.usable ? h('span', { class: 'chip' }, `${w.agents} agent${w.agents === 1 ? '' : 's'}`)
          : h('p', { class: 'error-text' }, w.problem))))
      : h('p', null, 'No saved workflows yet.'));
}

async function detail(root, { param, signal, app }) {
  const isNew = param === 'new';
  const initial = isNew ? TEMPLATE : await api(`/api/v1/workflows/${encodeURIComponent(param)}`, { signal });
  const cloud = app.status.mode === 'cloud';

  const graphBox = h('div', { class: 'graph-box', id: 'workflow-graph' });
  const editor = h('textarea', { id: 'workflow-json', class: 'code', rows: 18, spellcheck: false, 'aria-label': 'Workflow JSON' },
    JSON.stringify(initial, null, 2));
  const messages = h('div', { id: 'workflow-messages', 'aria-live': 'polite' });
  const runBox = h('section', { class: 'card', id: 'run-panel', hidden: true });
  const runButton = h('button', { type: 'button', class: 'primary', id: 'run-workflow' }, 'Run');
  const validateButton = h('button', { type: 'button', id: 'validate-workflow' }, 'Check');
  const nameInput = h('input', { id: 'workflow-name', type: 'text', value: isNew ? 'my-workflow' : param, disabled: cloud,
    pattern: '[A-Za-z0-9][A-Za-z0-9_.\\-]{0,127}', 'aria-label': 'File name in workflows/' });
  const saveButton = h('button', { type: 'button', id: 'save-workflow', disabled: cloud }, 'Save');
  const title = h('h1', null, initial.name || param);

  add(root, 
    h('p', { class: 'crumbs' }, h('a', { href: '#/workflows' }, 'Workflows'), ' / ', isNew ? 'new' : param),
    title,
    h('section', { class: 'card' }, graphBox,
      h('div', { class: 'actions' }, runButton, validateButton)),
    runBox,
    h('section', { class: 'card', id: 'editor' },
      h('h2', null, 'JSON'),
      h('p', { class: 'muted' }, '“Check” asks the server to validate the graph and show every agent’s exact prompt, without calling a model.'),
      editor,
      messages,
      h('div', { class: 'actions save' },
        h('span', { class: 'file-name' }, h('label', { for: 'workflow-name' }, 'workflows/'), nameInput, h('span', null, '.json')),
        saveButton),
      cloud ? h('p', { class: 'muted', id: 'save-note' }, 'Read-only here: this server is in cloud mode, where the git repository is the source of truth. '
        + 'Commit the workflow to workflows/ in the repository and push; the next sync brings it here.') : null));

  // The graph is drawn left to right, or top to bottom when the box is narrow (a phone); node
  // states survive a redraw, so turning the phone mid-run loses nothing.
  let graph = null;
  let parsed = initial;
  let vertical = null;
  const states = new Map();
  const redraw = () => {
    vertical = graphBox.clientWidth > 0 && graphBox.clientWidth < 600;
    const models = app.status.models || {};
    graph = drawGraph(parsed, { vertical, defaultModel: models.defaultModel, aliases: models.aliases || {} });
    const setStatus = graph.setStatus;
    graph.setStatus = (id, status, label) => {
      states.set(id, [status, label]);
      setStatus(id, status, label);
    };
    for (const [id, [status, label]] of states) setStatus(id, status, label);
    fill(graphBox, graph.nodes.length ? graph.svg : h('p', { class: 'muted' }, 'No agent nodes to draw.'));
  };
  redraw();
  const resized = new ResizeObserver(() => {
    if ((graphBox.clientWidth > 0 && graphBox.clientWidth < 600) !== vertical) redraw();
  });
  resized.observe(graphBox);

  // The graph follows the editor as you type (after a short pause); a button press applies the
  // editor at once, so a check is never followed by a redraw that clears its verdict.
  let typing = null;
  const apply = () => {
    clearTimeout(typing);
    typing = null;
    const wf = readEditor(editor, messages);
    if (wf && JSON.stringify(wf) !== JSON.stringify(parsed)) {
      parsed = wf;
      title.textContent = wf.name || param;
      states.clear(); // another graph: the last run's states no longer apply
      redraw();
    }
    return wf;
  };
  editor.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => apply(), 300);
  });

  validateButton.addEventListener('click', async () => {
    const wf = apply();
    if (!wf) return;
    fill(messages, h('p', { class: 'muted' }, 'Checking…'));
    try {
      const dry = await api('/api/v1/runs', { method: 'POST', body: { workflow: wf, dryRun: true }, signal });
      fill(messages, dryRunView(dry));
    } catch (err) {
      fill(messages, h('div', { class: 'error', role: 'alert', id: 'validation-error' }, err.message));
    }
  });

  saveButton.addEventListener('click', async () => {
    const wf = apply();
    if (!wf) return;
    const name = nameInput.value.trim();
    try {
      const saved = await api(`/api/v1/workflows/${encodeURIComponent(name)}`, { method: 'PUT', body: wf, signal });
      fill(messages, h('p', { class: 'ok', id: 'save-outcome' }, `Saved to ${saved.file}.`));
      if (name !== param) history.replaceState(null, '', `#/workflows/${encodeURIComponent(saved.name)}`);
    } catch (err) {
      fill(messages, h('div', { class: 'error', role: 'alert', id: 'save-error' }, err.message));
    }
  });

  runButton.addEventListener('click', async () => {
    const wf = apply();
    if (!wf) return;
    redraw();
    runButton.disabled = true;
    runBox.hidden = false;
    try {
      const current = { get nodes() { return graph.nodes; }, setStatus: (...a) => graph.setStatus(...a) }; // the graph on screen, even after a redraw
      await runAndFollow(wf, current, runBox, signal);
    } catch (err) {
      if (!signal.aborted) fill(runBox, h('h2', null, 'Run'), errorBox(err));
    } finally {
      runButton.disabled = false;
    }
  });
  return () => resized.disconnect();
}

/** The editor's JSON (clearing older messages), or null with the parse error shown. */
function readEditor(editor, messages) {
  try {
    const wf = JSON.parse(editor.value);
    if (!wf || typeof wf !== 'object' || Array.isArray(wf)) throw new Error('the workflow must be a JSON object with "nodes" and "edges"');
    clear(messages);
    return wf;
  } catch (err) {
    fill(messages, h('div', { class: 'error', role: 'alert', id: 'json-error' }, `Not valid JSON yet: ${err.message}`));
    return null;
  }
}

function dryRunView(dry) {
  return h('div', { id: 'validation', class: dry.ready ? 'ok-box' : 'error-box' },
    h('p', { class: dry.ready ? 'ok' : 'error-text', id: 'validation-verdict' },
      dry.ready ? `Valid: ${dry.agents.length} agent${dry.agents.length === 1 ? '' : 's'}, ready to run (context ${shortRev(dry.revision)}).`
        : 'Valid graph, but a run could not start (or its models could not answer) as things are:'),
    dry.problems.length ? h('ul', { class: 'problems' }, dry.problems.map(p => h('li', { class: 'error-text' }, p))) : null,
    dry.notes.length ? h('ul', { class: 'notes' }, dry.notes.map(n => h('li', { class: 'muted' }, n))) : null,
    dry.agents.map((a, i) => h('details', { class: 'agent-preview' },
      h('summary', null, `${i + 1}. ${a.name} — ${a.aliasOf ? `${a.model} → ${a.aliasOf}` : a.model}${a.upstream.length ? ` (after ${a.upstream.join(', ')})` : ''}`),
      a.context ? h('div', { class: 'context-share muted' }, `Sent to ${a.context.host}${a.context.local ? ' (local)' : ''}: `
        + (a.context.received.length ? a.context.received.join(', ') : 'no context files')
        + (a.context.withheld.length ? `; withheld: ${a.context.withheld.map(w => `${w.name} (${w.privacy})`).join(', ')}` : '')) : null,
      h('h4', null, 'System prompt'), pre(a.systemPrompt, 'prompt'),
      h('h4', null, 'Task'), pre(a.task, 'prompt'))));
}

/** Starts a run, recolours the graph from its events, then shows every agent's output and the final one. */
async function runAndFollow(wf, graph, box, signal) {
  for (const n of graph.nodes) graph.setStatus(n.id, 'waiting');
  const status = h('p', { id: 'run-status', class: 'muted' }, 'Starting…');
  const log = h('ul', { class: 'events', id: 'run-events' });
  const results = h('div', { id: 'run-results' });
  fill(box, h('h2', null, 'Run'), status, log, results);

  const started = await api('/api/v1/runs', { method: 'POST', body: { workflow: wf }, signal });
  const id = started.runId;
  box.dataset.runId = id;
  fill(status, 'Running… ', h('a', { href: `#/runs/${encodeURIComponent(id)}` }, `run ${id}`),
    ` on context ${shortRev(started.revision)}`);
  const names = new Map(graph.nodes.map(n => [n.id, agentName(n)]));
  let done = null;
  await followRun(id, (type, ev) => {
    const who = ev.agent || names.get(ev.nodeId) || ev.nodeId;
    if (type === 'node-started') {
      graph.setStatus(ev.nodeId, 'running');
      add(log, h('li', null, `${who} started`));
    } else if (type === 'node-finished') {
      const state = nodeState(ev.status);
      graph.setStatus(ev.nodeId, state);
      add(log, h('li', { class: state === 'failed' ? 'error-text' : null },
        `${who} ${ev.status}${ev.durationMs != null ? ` in ${duration(ev.durationMs)}` : ''}${ev.detail ? `: ${ev.detail}` : ''}`));
    } else if (type === 'tool-call' && ev.toolCall) {
      add(log, h('li', { class: 'muted' }, `${who} called ${ev.toolCall.tool} (${ev.toolCall.outcome})`));
    } else if (type === 'done') {
      done = ev;
    }
  }, signal);
  const run = await api(`/api/v1/runs/${encodeURIComponent(id)}`, { signal });
  for (const step of run.steps) graph.setStatus(step.nodeId, nodeState(step.status));
  box.dataset.status = run.status;
  fill(status, h('span', { class: run.status === 'succeeded' ? 'ok' : 'error-text', id: 'run-outcome' }, run.status),
    ` in ${duration(run.durationMs)} — `, h('a', { href: `#/runs/${encodeURIComponent(id)}` }, 'every step of this run'),
    run.error ? h('p', { class: 'error-text' }, run.error) : null);
  fill(results, 
    h('h3', null, 'Final output'),
    pre(run.finalOutput || (done && done.detail) || '(none)', 'text final-output'),
    h('h3', null, 'Each agent'),
    run.steps.map(step => stepDetails(step, false)));
}
