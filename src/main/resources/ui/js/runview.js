// A run as the pages show it: following its live events, and one agent's step in full.
import { streamEvents } from './api.js';
import { h, dl, pre } from './dom.js';
import { duration, time } from './format.js';

/**
 * Follows a run's events until its done event, reconnecting if the stream drops (the server
 * replays a run's events from the start, so handlers must tolerate seeing an event twice).
 */
export async function followRun(id, onEvent, signal) {
  let finished = false;
  for (let attempt = 0; attempt < 5 && !finished && !signal.aborted; attempt++) {
    if (attempt > 0) await new Promise(r => setTimeout(r, 500 * attempt));
    try {
      await streamEvents(`/api/v1/runs/${encodeURIComponent(id)}/events`, (type, data) => {
        let ev = {};
        try { ev = JSON.parse(data); } catch (e) { return; }
        if (type === 'done') finished = true;
        onEvent(type, ev);
      }, signal);
    } catch (err) {
      if (signal.aborted) return;
      if (err.status && err.status < 500) throw err;
    }
  }
}

/** One agent's step: a summary line that opens onto everything stored about it. */
export function stepDetails(step, full) {
  const tokens = step.totalTokens != null ? `${step.totalTokens} tokens (${step.inputTokens ?? '?'} in, ${step.outputTokens ?? '?'} out)` : 'not reported';
  return h('details', { class: `step status-${step.status}`, dataset: { nodeId: step.nodeId, status: step.status }, open: !full && step.status === 'failed' },
    h('summary', null,
      h('span', { class: 'step-agent' }, `${step.position + 1}. ${step.agent}`),
      h('span', { class: `status ${step.status}` }, step.status),
      h('span', { class: 'muted' }, ` ${step.model || ''}${step.durationMs != null ? ` · ${duration(step.durationMs)}` : ''}`)),
    dl(['Node', h('code', null, step.nodeId)],
       ['Model', step.model || ''],
       ['Started', step.startedAt ? time(step.startedAt) : '—'],
       ['Finished', step.finishedAt ? time(step.finishedAt) : '—'],
       ['Duration', duration(step.durationMs)],
       ['Tokens', tokens],
       ['Model calls', String(step.attempts)],
       step.error ? ['Error', h('span', { class: 'error-text' }, step.error)] : null),
    h('h4', null, 'Output'), pre(step.output || '(none)', 'text step-output'),
    full ? [
      h('h4', null, 'System prompt'), pre(step.systemPrompt || '', 'prompt'),
      h('h4', null, 'Task'), pre(step.task || '', 'prompt'),
      h('h4', null, `Tool calls (${step.toolCalls.length})`),
      step.toolCalls.length ? h('ol', { class: 'tool-calls' }, step.toolCalls.map(c => h('li', null,
        h('code', null, c.tool), ` ${c.outcome} · ${duration(c.durationMs)}`,
        h('div', { class: 'muted small' }, 'Arguments'), pre(c.arguments, 'text'),
        h('div', { class: 'muted small' }, 'Returned'), pre(c.outputExcerpt, 'text')))) : h('p', { class: 'muted' }, 'None.'),
    ] : null);
}
