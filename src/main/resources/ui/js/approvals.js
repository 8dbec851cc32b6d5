// What a waiting run asks a human for, with Approve and Reject buttons and a note for the next agent.
import { api } from './api.js';
import { h, pre, errorBox, add } from './dom.js';
import { time } from './format.js';

const KIND = {
  before: 'Approve this task before the agent runs it',
  after: 'Approve this output before the next agents get it',
  tool: 'Approve this skill call before it runs',
};

/** Notes being typed, by run, step and approval: a redraw of the run page (its live events) keeps them. */
const drafts = new Map();

/** One card per pending approval of the run; ondecided() is awaited after each decision. */
export function approvalCards(run, approvals, ondecided) {
  const pending = approvals.filter(a => !a.decision);
  if (!pending.length) return null;
  return h('section', { class: 'card approvals', id: 'approvals' },
    h('h2', null, 'Waiting for your approval'),
    pending.map(a => card(run, a, ondecided)));
}

function card(run, a, ondecided) {
  const step = run.steps.find(s => s.nodeId === a.nodeId);
  const key = `${run.id}/${a.nodeId}/${a.seq}`;
  const note = h('textarea', { class: 'approval-note', rows: 2, placeholder: 'A note for the next agent (optional)', maxLength: 10000,
    value: drafts.get(key) || '', oninput: e => drafts.set(key, e.target.value) });
  const message = h('div');
  const decide = async decision => {
    for (const b of buttons) b.disabled = true;
    try {
      await api(`/api/v1/runs/${encodeURIComponent(run.id)}/approvals/${encodeURIComponent(a.nodeId)}`,
        { method: 'POST', body: { decision, note: note.value.trim() || undefined }, headers: { 'X-Brain-Trust-Client': 'dashboard' } });
      drafts.delete(key);
      await ondecided();
    } catch (err) {
      add(message, errorBox(err));
      for (const b of buttons) b.disabled = false;
    }
  };
  const buttons = [
    h('button', { type: 'button', class: 'primary approve', onclick: () => decide('approve') }, 'Approve'),
    h('button', { type: 'button', class: 'reject', onclick: () => decide('reject') }, 'Reject'),
  ];
  return h('div', { class: 'approval', dataset: { nodeId: a.nodeId, kind: a.kind } },
    h('h3', null, `${step ? step.agent : a.nodeId}: ${KIND[a.kind] || a.kind}`),
    pre(a.subject, 'text approval-subject'),
    h('p', { class: 'muted small' }, `Asked ${time(a.requestedAt)} · rejected automatically ${time(a.expiresAt)} if nobody decides`),
    note,
    h('div', { class: 'actions' }, buttons),
    message);
}
