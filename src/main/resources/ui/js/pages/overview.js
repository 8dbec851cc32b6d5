// Overview: mode and source of truth in plain words, context revision and age, last sync, skills,
// the models (and a warning, with the ways to fix it, when the default model cannot run), the
// recent runs, health, and "Sync now" in cloud mode.
import { api, keyHeaders } from '../api.js';
import { h, dl, errorBox, add, fill } from '../dom.js';
import { ago, agoFrom, bytes, count, duration, money, shortRev, time } from '../format.js';

export async function render(root, { signal, app }) {
  const body = h('div', { class: 'grid' });
  add(root, h('h1', null, 'Overview'), body);

  const state = { syncNote: null }; // what the last "Sync now" said, kept across redraws
  const draw = async () => {
    const [status, ready, spending, recent] = await Promise.all([app.refreshStatus(), readiness(),
      api('/api/v1/usage?since=today', { signal }).catch(err => ({ error: err })),
      api(`/api/v1/runs?limit=${RECENT_RUNS}`, { signal }).catch(err => ({ error: err }))]);
    if (signal.aborted) return;
    const fetchedAt = Date.now();
    const models = status.models || {};
    fill(body, 
      models.defaultProblem ? noModelCard(models) : null,
      modeCard(status),
      contextCard(status, fetchedAt),
      status.mode === 'cloud' ? syncCard(status, state, draw) : null,
      capabilitiesCard(status),
      spendCard(spending),
      recentRunsCard(recent),
      healthCard(ready),
      status.warnings && status.warnings.length ? warningsCard(status.warnings) : null,
    );
  };
  await draw();
  const timer = setInterval(() => { if (!document.hidden) draw().catch(() => {}); }, 10_000);
  return () => clearInterval(timer);
}

const RECENT_RUNS = 5;

/** The default model cannot run: say so first, with every way to fix it. */
function noModelCard(models) {
  return h('section', { class: 'card wide warning-card', id: 'no-model', role: 'alert' },
    h('h2', null, 'No model can run yet'),
    h('p', null, 'Agents that name no model use ', h('code', null, models.defaultModel), ' (BRAIN_TRUST_DEFAULT_MODEL), which cannot run: ',
      models.defaultProblem, '. Any of these fixes it (set the variables, then restart the server):'),
    h('ul', { class: 'fixes' }, (models.fixes || []).map(f => h('li', null, f))));
}

function recentRunsCard(recent) {
  const runs = recent.runs || [];
  return h('section', { class: 'card', id: 'recent-runs' },
    h('h2', null, h('a', { href: '#/runs' }, 'Recent runs')),
    recent.error ? errorBox(recent.error)
      : runs.length ? h('ul', { class: 'recent' }, runs.map(r => h('li', { dataset: { runId: r.id, status: r.status } },
          h('a', { href: `#/runs/${encodeURIComponent(r.id)}` }, r.workflow), ' ',
          h('span', { class: `status ${r.status}` }, r.status), ' ',
          h('span', { class: 'muted' }, `${time(r.startedAt)}${r.durationMs != null ? ` · ${duration(r.durationMs)}` : ''}`))))
        : h('p', { class: 'muted' }, 'No runs yet: run a workflow from the ', h('a', { href: '#/workflows' }, 'Workflows'), ' page.'));
}

async function readiness() {
  const [health, ready] = await Promise.all([
    fetch('/health').then(r => r.ok, () => false),
    fetch('/ready', { headers: keyHeaders() }).then(r => r.json().catch(() => ({ status: `HTTP ${r.status}` })), e => ({ status: 'unreachable', detail: e.message })),
  ]);
  return { health, ready };
}

function modeCard(status) {
  const cloud = status.mode === 'cloud';
  const words = cloud
    ? [h('strong', null, 'Cloud mode.'), ' The source of truth is ', h('span', { class: 'source' }, status.sourceOfTruth),
       '. This server keeps a read-only mirror of it and follows the branch by periodic sync, webhook, or the “Sync now” button. ',
       'To change context, skills or workflows, commit and push to the repository.']
    : [h('strong', null, 'Local mode.'), ' The source of truth is ', h('span', { class: 'source' }, status.sourceOfTruth),
       '. Edits saved there are seen at once (a file watcher reloads the context).'];
  return h('section', { class: 'card wide', id: 'mode' },
    h('h2', null, 'Where your Brain Trust lives'),
    h('p', { class: 'mode-words', dataset: { mode: status.mode } }, words),
    dl(['Home', status.home]));
}

function contextCard(status, fetchedAt) {
  const age = h('span', { class: 'age' }, ago(status.contextAgeSeconds));
  const tick = setInterval(() => {
    if (!age.isConnected) { clearInterval(tick); return; }
    age.textContent = ago(status.contextAgeSeconds + (Date.now() - fetchedAt) / 1000);
  }, 1000);
  return h('section', { class: 'card', id: 'context-summary' },
    h('h2', null, h('a', { href: '#/context' }, 'Context')),
    dl(['Revision', h('code', { class: 'revision', title: status.revision }, shortRev(status.revision))],
       ['Loaded', [age, ' (', time(status.contextLoadedAt), ')']],
       ['Files', status.contextFiles.length ? status.contextFiles.join(', ') : 'none'],
       status.missing.length ? ['Missing', h('span', { class: 'warn' }, status.missing.join(', '))] : null));
}

function syncCard(status, state, redraw) {
  const sync = status.sync || {};
  const result = h('div', { class: 'sync-result', 'aria-live': 'polite' }, state.syncNote);
  const button = h('button', { class: 'primary', id: 'sync-now', type: 'button' }, 'Sync now');
  button.addEventListener('click', async () => {
    button.disabled = true;
    fill(result, h('p', { class: 'muted' }, 'Syncing…'));
    try {
      const r = await api('/api/v1/sync', { method: 'POST' });
      const changed = r.changed || [];
      state.syncNote = h('div', null,
        h('p', { class: r.status === 'failed' ? 'error' : 'ok', id: 'sync-outcome' },
          r.status === 'failed' ? `Sync failed: ${r.error}` :
            (r.previous === r.revision ? `Already up to date at ${shortRev(r.revision)}.`
              : `Synced to ${shortRev(r.revision)} (was ${shortRev(r.previous)}), ${changed.length} file${changed.length === 1 ? '' : 's'} changed, in ${duration(r.durationMs)}.`)),
        changed.length ? h('ul', { class: 'changed' }, changed.slice(0, 20).map(p => h('li', null, h('code', null, p)))) : null);
    } catch (err) {
      state.syncNote = h('div', { class: 'error', role: 'alert', id: 'sync-outcome' }, `Sync failed: ${err.message}`);
    }
    await redraw().catch(() => {});
  });
  const outcome = sync.lastOutcome;
  return h('section', { class: 'card', id: 'sync' },
    h('h2', null, 'Sync'),
    dl(['Repository', `${sync.repository || ''} (branch ${sync.branch || ''})`],
       ['Last sync', sync.lastSyncAt ? `${agoFrom(sync.lastSyncAt)} (${time(sync.lastSyncAt)})` : 'not yet'],
       ['Outcome', h('span', { class: `outcome ${outcome === 'failed' ? 'error-text' : ''}`, id: 'sync-last-outcome' }, outcome || '—')],
       ['Revision', h('code', { title: sync.lastRevision || '' }, shortRev(sync.lastRevision || sync.revision))],
       sync.lastDurationMs != null ? ['Took', duration(sync.lastDurationMs)] : null,
       sync.lastError ? ['Error', h('span', { class: 'error-text' }, sync.lastError)] : null,
       ['Next', sync.nextSyncAt ? time(sync.nextSyncAt) : 'periodic sync is off'],
       ['Webhook', sync.webhookEnabled ? 'enabled' : 'off (set WEBHOOK_SECRET)']),
    sync.note ? h('p', { class: 'muted' }, sync.note) : null,
    sync.pin ? h('p', { class: 'warn', id: 'pin-note' }, h('strong', null, 'Pinned: '), sync.pin.note, ' — ',
      h('a', { href: '#/history' }, 'History')) : null,
    h('div', { class: 'actions' }, button),
    result);
}

function capabilitiesCard(status) {
  return h('section', { class: 'card', id: 'capabilities' },
    h('h2', null, 'Skills, workflows and models'),
    dl(['Skills', [h('a', { href: '#/skills', id: 'skill-count' }, String(status.skillCount ?? status.skills.length)),
                   status.skills.length ? ` — ${status.skills.join(', ')}` : '']],
       status.skippedSkills && status.skippedSkills.length ? ['Skipped', `${status.skippedSkills.length} script(s), see Skills`] : null,
       ['Workflows', [h('a', { href: '#/workflows' }, String(status.workflows.length)),
                      status.workflows.length ? ` — ${status.workflows.join(', ')}` : '']],
       ['Default model', h('span', { id: 'default-model', class: (status.models || {}).defaultProblem ? 'error-text' : null },
         (status.models || {}).defaultRoute || (status.models || {}).defaultModel || '')],
       ['Providers', h('span', { class: 'chips', id: 'providers' }, status.providers.length
         ? status.providers.map(p => h('span', { class: 'chip' }, p)) : h('span', { class: 'muted' }, 'none can be used yet'))],
       (status.models || {}).ollama ? ['Ollama', h('span', { class: 'muted', id: 'ollama' }, status.models.ollama)] : null));
}

/** Today's model calls against BRAIN_TRUST_DAILY_BUDGET: cost and tokens, as budgets count them. */
function spendCard(spending) {
  if (spending.error) {
    return h('section', { class: 'card', id: 'spend' }, h('h2', null, 'Today’s spend'), errorBox(spending.error));
  }
  const today = spending.today;
  const total = spending.period.total;
  const budget = today.budget;
  const meters = [];
  if (budget && budget.cost != null) meters.push(meter('Cost', today.spent.cost, budget.cost, v => money(v, today.currency)));
  if (budget && budget.tokens != null) meters.push(meter('Tokens', today.spent.tokens, budget.tokens, v => count(Math.round(v))));
  return h('section', { class: 'card', id: 'spend', dataset: { exhausted: today.exhausted ? 'true' : 'false' } },
    h('h2', null, 'Today’s spend'),
    dl(['Spent', h('span', { id: 'spend-today' }, `${money(today.spent.cost, today.currency)} · ${count(today.spent.tokens)} tokens`)],
       ['Budget', h('span', { id: 'spend-budget' }, budget ? [budget.cost != null ? money(budget.cost, today.currency) : null,
         budget.cost != null && budget.tokens != null ? ' and ' : null, budget.tokens != null ? `${count(budget.tokens)} tokens` : null, ' a day']
         : 'none (set BRAIN_TRUST_DAILY_BUDGET)')],
       ['Model calls', `${total.modelCalls} today, ${bytes(total.bytesSent)} sent`]),
    meters,
    today.exhausted ? h('p', { class: 'error-text', id: 'spend-exhausted' }, `Spent: ${today.exhausted}. Runs stop before their first model call until midnight.`) : null,
    h('p', { class: 'muted' }, 'Counted from the providers’ reported tokens and prices.json; calls that reported nothing count as an estimate. ',
      h('code', null, 'brain-trust egress'), ' shows what went where.'));
}

function meter(label, value, max, format) {
  const share = max > 0 ? Math.min(1, value / max) : 1;
  return h('div', { class: 'meter-row' },
    h('span', { class: 'muted' }, `${label}: ${format(value)} of ${format(max)}`),
    h('div', { class: `meter ${share >= 1 ? 'full' : share >= 0.8 ? 'high' : ''}`, role: 'meter', 'aria-label': label,
      'aria-valuemin': '0', 'aria-valuemax': String(max), 'aria-valuenow': String(value) },
      h('span', { style: `width: ${(share * 100).toFixed(1)}%` })));
}

function healthCard({ health, ready }) {
  const checks = ready.checks || {};
  const ok = ready.status === 'ready';
  return h('section', { class: 'card', id: 'health' },
    h('h2', null, 'Health'),
    dl(['Process', h('span', { class: health ? 'ok' : 'error-text' }, health ? 'alive' : 'not answering')],
       ['Ready', h('span', { class: ok ? 'ok' : 'error-text', id: 'ready-state' }, ok ? 'ready' : (ready.detail || ready.status))]),
    Object.keys(checks).length ? h('ul', { class: 'checks' },
      Object.entries(checks).map(([name, v]) => h('li', { dataset: { check: name, state: v } }, h('span', { class: v === 'ok' ? 'ok' : v === 'pinned' ? 'warn' : 'error-text' }, v === 'ok' ? '✓ ' : v === 'pinned' ? '! ' : '✗ '),
        `${name}: ${(ready.problems || {})[name] || v}`))) : null);
}

function warningsCard(warnings) {
  return h('section', { class: 'card wide', id: 'warnings' },
    h('h2', null, 'Warnings'),
    h('ul', { class: 'warnings' }, warnings.map(w => h('li', null, w))));
}
