// Runs: the history (time, workflow, status, duration, revision) and one run with every step:
// agent, model, system prompt, task, output, tool calls, tokens, timings. A run still going on
// is followed live.
import { api } from '../api.js';
import { h, dl, errorBox, pre, add, fill } from '../dom.js';
import { duration, shortRev, time } from '../format.js';
import { followRun, stepDetails, usageText } from '../runview.js';
import { approvalCards } from '../approvals.js';
import { runHistory } from '../runhistory.js';

const PAGE = 50;

export async function render(root, ctx) {
  if (ctx.param) return runPage(root, ctx);
  const table = h('tbody');
  const more = h('button', { type: 'button', id: 'older-runs', hidden: true }, 'Older runs');
  add(root, h('h1', null, 'Runs'),
    h('table', { class: 'runs', id: 'run-list' },
      h('thead', null, h('tr', null, ['Started', 'Workflow', 'Status', 'Duration', 'Revision', 'Agents'].map(t => h('th', null, t)))),
      table),
    h('div', { class: 'actions' }, more));
  let offset = 0;
  const load = async () => {
    const page = await api(`/api/v1/runs?limit=${PAGE}&offset=${offset}`, { signal: ctx.signal });
    if (offset === 0 && !page.runs.length) {
      add(table, h('tr', null, h('td', { colSpan: 6 }, 'No runs yet: run a workflow from the Workflows page.')));
    }
    for (const r of page.runs) {
      const link = `#/runs/${encodeURIComponent(r.id)}`;
      add(table, h('tr', { dataset: { runId: r.id, status: r.status } },
        h('td', { dataset: { label: 'Started' } }, h('a', { href: link }, time(r.startedAt))),
        h('td', { dataset: { label: 'Workflow' } }, r.workflow),
        h('td', { dataset: { label: 'Status' } }, h('span', { class: `status ${r.status}` }, r.status)),
        h('td', { dataset: { label: 'Duration' } }, duration(r.durationMs)),
        h('td', { dataset: { label: 'Revision' } }, h('code', { title: r.revision || '' }, shortRev(r.revision))),
        h('td', { dataset: { label: 'Agents' } }, String(r.agentCount))));
    }
    offset += page.runs.length;
    more.hidden = page.runs.length < PAGE;
  };
  more.addEventListener('click', () => load().catch(err => add(root, errorBox(err))));
  await load();
}

async function runPage(root, { param, signal, app }) {
  const body = h('div', { id: 'run-detail' });
  add(root, h('p', { class: 'crumbs' }, h('a', { href: '#/runs' }, 'Runs'), ' / ', param), body);
  let approvals = [];
  const loadApprovals = async () => {
    approvals = (await api(`/api/v1/runs/${encodeURIComponent(param)}/approvals`, { signal })).approvals;
  };
  const draw = run => {
    root.dataset.status = run.status;
    fill(body, 
      h('h1', null, run.workflow),
      dl(['Status', h('span', { class: `status ${run.status}`, id: 'run-status-value' }, run.status)],
         ['Started', time(run.startedAt)],
         ['Finished', run.finishedAt ? time(run.finishedAt) : '—'],
         ['Duration', duration(run.durationMs)],
         ['Context revision', h('code', { title: run.revision || '' }, shortRev(run.revision))],
         ['Agents', String(run.agentCount)],
         ['Started by', run.source || ''],
         ['Run id', h('code', null, run.id)],
         ['Usage', h('span', { id: 'run-usage' }, usageText(run.usage))],
         run.error ? ['Error', h('span', { class: 'error-text' }, run.error)] : null),
      approvalCards(run, approvals, async () => { await loadApprovals(); run = await api(`/api/v1/runs/${encodeURIComponent(param)}`, { signal }); draw(run); if (app) app.refreshApprovals(); }),
      h('section', { class: 'card' }, h('h2', null, 'Final output'), pre(run.finalOutput || (run.status === 'running' ? '(running…)' : '(none)'), 'text final-output')),
      run.status === 'running' || run.status === 'waiting' ? null : runHistory(run, signal),
      h('h2', null, 'Steps'),
      run.steps.length ? run.steps.map(step => stepDetails(step, true)) : h('p', { class: 'muted' }, 'No step has started yet.'));
  };
  let run = await api(`/api/v1/runs/${encodeURIComponent(param)}`, { signal });
  await loadApprovals();
  draw(run);
  if (run.status === 'running' || run.status === 'waiting') {
    // One fetch at a time; an event that comes while one is out gets a fetch of its own after it (that fetch may
    // have left before the run changed: sharing it lost the run's last state, and the page stayed at "running").
    let refreshing = null;
    let again = null;
    const refresh = () => {
      if (refreshing) {
        again ||= refreshing.then(() => { again = null; return refresh(); });
        return again;
      }
      refreshing = Promise.all([api(`/api/v1/runs/${encodeURIComponent(param)}`, { signal }), loadApprovals()])
        .then(([r]) => { run = r; draw(r); }, () => {}).finally(() => { refreshing = null; });
      return refreshing;
    };
    followRun(param, type => { if (type !== 'tool-call') refresh(); }, signal)
      .then(() => refresh()).catch(err => { if (!signal.aborted) add(body, errorBox(err)); });
  }
}
