// A run as the pages show it: following its live events, and one agent's step in full.
import { streamEvents } from './api.js';
import { h, dl, pre } from './dom.js';
import { bytes, count, duration, money, time } from './format.js';

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

/** Tokens as reported, or "unknown" (the provider reported none): never a silent zero. */
export function tokenText(step) {
  if (step.tokens === 'unknown') return 'unknown (the provider did not report them)';
  if (step.totalTokens != null) return `${count(step.totalTokens)} tokens (${count(step.inputTokens)} in, ${count(step.outputTokens)} out)`;
  return step.attempts ? 'not reported' : '—';
}

/** A usage sum (step or run): tokens, cost, bytes, with the calls that reported nothing said out loud. */
export function usageText(u) {
  if (!u || !u.modelCalls) return 'no model calls';
  const tokens = u.tokens === 'unknown' ? 'tokens unknown'
    : `${count(u.tokens)} tokens${u.unreportedCalls ? ` + ${u.unreportedCalls} call(s) unknown` : ''}`;
  const cost = u.cost == null ? 'cost unknown' : `${money(u.cost, u.currency)}${u.unpricedCalls ? ` + ${u.unpricedCalls} call(s) unpriced` : ''}`;
  return `${u.modelCalls} model call${u.modelCalls === 1 ? '' : 's'} · ${tokens} · ${cost} · ${bytes(u.bytesSent)} sent`;
}

/** Where an agent's calls go, what context it receives and what was withheld from it. */
function contextFacts(share) {
  if (!share) return null;
  return h('div', { class: 'context-share' },
    h('div', null, 'Sent to ', h('code', { class: 'host' }, share.host), share.local ? h('span', { class: 'chip local' }, 'local') : null),
    h('div', { class: 'received' }, 'Receives: ', share.received.length ? share.received.join(', ') : 'no context files'),
    share.withheld.length ? h('div', { class: 'withheld' }, 'Withheld: ',
      share.withheld.map((w, i) => [i ? ', ' : '', w.name, ' ', h('span', { class: `chip privacy ${w.privacy}` }, w.privacy)])) : null);
}

/** The egress ledger of a step: one row per model call. */
function ledgerTable(calls) {
  if (!calls || !calls.length) return h('p', { class: 'muted' }, 'No model call.');
  return h('table', { class: 'ledger' },
    h('thead', null, h('tr', null, ['#', 'Sent to', 'Bytes', 'Tokens', 'Cost', 'Context files', 'Upstream', 'Tool results', 'Outcome']
      .map(t => h('th', null, t)))),
    h('tbody', null, calls.map(c => h('tr', { dataset: { seq: c.seq, bytes: c.bytesSent ?? '' } },
      h('td', { dataset: { label: '#' } }, String(c.seq)),
      h('td', { dataset: { label: 'Sent to' } }, `${c.model} → `, h('code', null, c.host || '?')),
      h('td', { dataset: { label: 'Bytes' } }, c.bytesSent == null ? 'unknown' : bytes(c.bytesSent)),
      h('td', { dataset: { label: 'Tokens' } }, c.tokens === 'unknown' ? 'unknown' : `${count(c.tokens)} (${count(c.inputTokens)} in, ${count(c.outputTokens)} out)`),
      h('td', { dataset: { label: 'Cost' } }, c.cost == null ? 'unknown' : money(c.cost, c.currency)),
      h('td', { dataset: { label: 'Context files' } }, c.contextFiles.map(f => h('span', { class: 'chip', title: `revision ${f.revision}, sha256 ${f.sha256}` }, f.name))),
      h('td', { dataset: { label: 'Upstream' } }, c.upstream.length ? c.upstream.map(u => `${u.agent} (${bytes(u.bytes)})`).join(', ') : '—'),
      h('td', { dataset: { label: 'Tool results' } }, c.toolResults.length ? c.toolResults.map(t => `${t.tool} (${bytes(t.bytes)})`).join(', ') : '—'),
      h('td', { dataset: { label: 'Outcome' } }, c.outcome)))));
}

/** One agent's step: a summary line that opens onto everything stored about it. */
export function stepDetails(step, full) {
  const tokens = tokenText(step);
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
       ['Tokens', h('span', { class: 'tokens' }, tokens)],
       ['Model calls', String(step.attempts)],
       step.usage && step.usage.modelCalls ? ['Usage', usageText(step.usage)] : null,
       step.context ? ['Context', contextFacts(step.context)] : null,
       step.error ? ['Error', h('span', { class: 'error-text' }, step.error)] : null),
    h('h4', null, 'Output'), pre(step.output || '(none)', 'text step-output'),
    full ? [
      h('h4', null, 'System prompt'), pre(step.systemPrompt || '', 'prompt'),
      h('h4', null, 'Task'), pre(step.task || '', 'prompt'),
      h('h4', null, `What left the machine (${(step.modelCalls || []).length} model call${(step.modelCalls || []).length === 1 ? '' : 's'})`),
      ledgerTable(step.modelCalls),
      h('h4', null, `Tool calls (${step.toolCalls.length})`),
      step.toolCalls.length ? h('ol', { class: 'tool-calls' }, step.toolCalls.map(c => h('li', null,
        h('code', null, c.tool), ` ${c.outcome} · ${duration(c.durationMs)}`,
        h('div', { class: 'muted small' }, 'Arguments'), pre(c.arguments, 'text'),
        h('div', { class: 'muted small' }, 'Returned'), pre(c.outputExcerpt, 'text')))) : h('p', { class: 'muted' }, 'None.'),
    ] : null);
}
