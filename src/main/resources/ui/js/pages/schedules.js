// Schedules: each schedule of the saved workflows with its next five fires in its own time zone, its
// last runs, its skipped fires with why, Pause/Resume and Run now; the triggers; and the declarations
// that are wrong (they never fire, so they are shown first).
import { api } from '../api.js';
import { h, dl, errorBox, add, fill } from '../dom.js';

/** "2026-01-13T07:00:00+01:00" → "Tue 13 Jan 07:00 +01:00", read as written (the schedule's zone, not the browser's). */
function inZone(iso) {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.exec(iso || '');
  if (!m) return iso || '';
  const [, y, mo, d, hh, mm, off] = m;
  const day = new Date(Date.UTC(+y, +mo - 1, +d));
  const weekday = day.toLocaleDateString('en-GB', { weekday: 'short', timeZone: 'UTC' });
  const month = day.toLocaleDateString('en-GB', { month: 'short', timeZone: 'UTC' });
  return `${weekday} ${+d} ${month} ${y} ${hh}:${mm} ${off === 'Z' ? '+00:00' : off}`;
}

function fireRow(f) {
  return h('tr', { dataset: { outcome: f.outcome, kind: f.kind } },
    h('td', { dataset: { label: 'Due' } }, new Date(f.fireAt).toLocaleString()),
    h('td', { dataset: { label: 'Why' } }, f.kind),
    h('td', { dataset: { label: 'Outcome' } }, h('span', { class: `status ${f.outcome === 'skipped' ? 'skipped' : 'running'}` },
      f.outcome === 'skipped' ? `skipped: ${f.reason}` : f.outcome)),
    h('td', { dataset: { label: 'Run' } }, f.runId ? h('a', { href: `#/runs/${encodeURIComponent(f.runId)}` }, f.runId) : '—'),
    h('td', { dataset: { label: 'Detail' } }, f.detail || ''));
}

function fires(list, empty) {
  if (!list.length) return h('p', { class: 'muted' }, empty);
  return h('table', { class: 'runs fires' },
    h('thead', null, h('tr', null, ['Due', 'Why', 'Outcome', 'Run', 'Detail'].map(t => h('th', null, t)))),
    h('tbody', null, list.map(fireRow)));
}

function scheduleCard(s, redraw, note) {
  const act = async (path, then) => {
    try {
      const answer = await api(`/api/v1/schedules/${encodeURIComponent(s.id)}/${path}`, { method: 'POST' });
      if (then) then(answer); else await redraw();
    } catch (err) {
      add(note, errorBox(err));
    }
  };
  const ran = s.recent.filter(f => f.outcome !== 'skipped');
  const skipped = s.recent.filter(f => f.outcome === 'skipped');
  return h('section', { class: 'card schedule', id: `schedule-${s.id}`, dataset: { scheduleId: s.id, paused: String(s.paused) } },
    h('h2', null, s.id, s.paused ? h('span', { class: 'status cancelled paused-flag' }, ' paused') : null),
    dl(['Workflow', h('a', { href: `#/workflows/${encodeURIComponent(s.workflow)}` }, s.workflow)],
       ['Cron', h('code', null, s.cron)],
       ['Time zone', s.timezone],
       ['Missed fires', s.missed === 'skip' ? 'recorded as skipped' : 'run once at the next start'],
       ['Overlap', s.overlap === 'queue' ? 'wait for the run before' : 'skip while the run before goes on'],
       s.input ? ['Input', s.input] : null),
    h('h3', null, 'Next fires'),
    h('ol', { class: 'next-fires' }, s.nextFires.map(t => h('li', null, inZone(t)))),
    h('div', { class: 'actions' },
      s.paused
        ? h('button', { type: 'button', class: 'resume', onclick: () => act('resume') }, 'Resume')
        : h('button', { type: 'button', class: 'pause', onclick: () => act('pause') }, 'Pause'),
      h('button', { type: 'button', class: 'primary run-now', onclick: () => act('run', a => { location.hash = `#/runs/${encodeURIComponent(a.runId)}`; }) }, 'Run now')),
    h('h3', null, 'Last runs'), fires(ran, 'No run yet.'),
    h('h3', null, 'Skipped fires'), fires(skipped, 'None skipped.'));
}

function triggerCard(t) {
  return h('section', { class: 'card trigger', dataset: { triggerId: t.id } },
    h('h2', null, t.id),
    dl(['Workflow', h('a', { href: `#/workflows/${encodeURIComponent(t.workflow)}` }, t.workflow)],
       t.webhook
         ? ['Webhook', [h('code', null, `POST ${t.url}`), t.secretSet ? ` (secret in ${t.secretVariable})`
             : h('span', { class: 'error-text' }, ` — set ${t.secretVariable} on the server: it answers 503 until then`)]]
         : ['When', t.files.length ? `${t.files.join(', ')} change` : 'any context file changes']),
    fires(t.recent, 'Not fired yet.'));
}

export async function render(root, { signal }) {
  const body = h('div', { id: 'schedules' });
  const note = h('div');
  add(root, h('h1', null, 'Schedules'), note, body);
  const draw = async () => {
    const all = await api('/api/v1/schedules', { signal });
    fill(body,
      all.problems.length ? h('section', { class: 'card wide error', id: 'schedule-problems' },
        h('h2', null, 'Wrong declarations (these never fire)'), h('ul', null, all.problems.map(p => h('li', null, p)))) : null,
      h('p', { class: 'muted' }, `${all.runningHere} scheduled run(s) going on here, ${all.queuedHere} queued; at most `,
        `${all.maxScheduledRuns} at once (BRAIN_TRUST_MAX_SCHEDULED_RUNS).`, all.schedulerRunning ? '' : ' The scheduler is not running in this process.'),
      all.schedules.length ? all.schedules.map(s => scheduleCard(s, draw, note))
        : h('p', { class: 'muted', id: 'no-schedules' }, 'No schedules. Add "schedule": {"cron": "0 7 * * 1-5", "timezone": "Europe/Berlin"} to a saved workflow.'),
      all.triggers.length ? [h('h2', null, 'Triggers'), all.triggers.map(triggerCard)] : null);
  };
  await draw();
  const timer = setInterval(() => { if (!document.hidden) draw().catch(() => {}); }, 10_000);
  return () => clearInterval(timer);
}
