// What a run's page shows of history: whether the context changed since the run (with the diff), replaying the
// run on its own context or on today's, and, for a replay, its output side by side with the run it replays.
import { api } from './api.js';
import { h, add, fill, errorBox, pre } from './dom.js';
import { shortRev } from './format.js';
import { diffView } from './diffview.js';

export function runHistory(run, signal) {
  const box = h('div', { id: 'run-history' });
  draw(box, run, signal).catch(err => { if (!signal.aborted) fill(box, errorBox(err)); });
  return box;
}

async function draw(box, run, signal) {
  const replays = await api(`/api/v1/runs/${encodeURIComponent(run.id)}/replays`, { signal });
  const sections = [];
  if (replays.replayOf) {
    const original = await api(`/api/v1/runs/${encodeURIComponent(replays.replayOf.replayOf)}`, { signal });
    sections.push(sideBySide(original, run, replays.replayOf.basis));
  }
  if (replays.replays.length) {
    sections.push(h('section', { class: 'card', id: 'replays' }, h('h2', null, 'Replays of this run'),
      h('ul', null, replays.replays.map(r => h('li', null, h('a', { href: `#/runs/${encodeURIComponent(r.runId)}` }, r.runId),
        ` — on ${r.basis === 'current' ? 'the context of its day' : 'this run’s context'}`)))));
  }
  sections.push(changedSince(run, signal), replayButtons(run));
  fill(box, sections);
}

function sideBySide(original, replay, basis) {
  return h('section', { class: 'card wide', id: 'side-by-side' },
    h('h2', null, 'Replay of ', h('a', { href: `#/runs/${encodeURIComponent(original.id)}` }, original.id)),
    h('p', { class: 'muted' }, basis === 'current'
      ? `On the context of the day it ran (${shortRev(replay.revision)}), against the original’s ${shortRev(original.revision)}.`
      : `On the same context as the original (${shortRev(original.revision)}).`),
    h('div', { class: 'columns' },
      h('div', { class: 'column', id: 'original-output' }, h('h3', null, `Original (${original.status})`),
        pre(original.finalOutput || '(none)', 'text')),
      h('div', { class: 'column', id: 'replay-output' }, h('h3', null, `Replay (${replay.status})`),
        pre(replay.finalOutput || (replay.status === 'running' ? '(running…)' : '(none)'), 'text'))));
}

function changedSince(run, signal) {
  const section = h('section', { class: 'card', id: 'context-since' }, h('h2', null, 'Context since this run'),
    h('p', { class: 'muted' }, 'Comparing…'));
  if (!run.revision) {
    fill(section, h('h2', null, 'Context since this run'), h('p', { class: 'muted' }, 'This run recorded no context revision.'));
    return section;
  }
  api(`/api/v1/history/diff?from=${encodeURIComponent(run.revision)}`, { signal }).then(diff => {
    fill(section, h('h2', null, diff.unchanged || !diff.files.length ? 'Context unchanged since this run'
      : `Context changed since this run: ${diff.files.length} file${diff.files.length === 1 ? '' : 's'}`),
    diff.files.length ? h('details', { id: 'context-since-diff' }, h('summary', null, `From ${shortRev(run.revision)} to now (${shortRev(diff.toRevision)})`),
      diffView(diff, null)) : h('p', { class: 'muted' }, `Today’s context is the one this run had (${shortRev(run.revision)}).`));
  }, err => {
    if (!signal.aborted) fill(section, h('h2', null, 'Context since this run'), h('p', { class: 'warn' }, err.message));
  });
  return section;
}

function replayButtons(run) {
  const result = h('div', { 'aria-live': 'polite' });
  const button = (label, id, query) => {
    const b = h('button', { type: 'button', id }, label);
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        const r = await api(`/api/v1/runs/${encodeURIComponent(run.id)}/replay${query}`, { method: 'POST' });
        location.hash = `#/runs/${encodeURIComponent(r.runId)}`;
      } catch (err) {
        fill(result, errorBox(err));
        b.disabled = false;
      }
    });
    return b;
  };
  return h('section', { class: 'card', id: 'replay' }, h('h2', null, 'Replay'),
    h('p', { class: 'muted' }, 'Run the same workflow again as a new run: on the context this run had, or on today’s to compare.'),
    h('div', { class: 'actions' }, button('Replay on this run’s context', 'replay-recorded', ''),
      button('Replay on today’s context', 'replay-current', '?revision=current')),
    result);
}
