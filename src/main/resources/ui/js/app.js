// The dashboard's shell: a hash router (#/context, #/runs/<id>, ...), the navigation, and the
// server's status, which every page may read (mode decides what can be edited).
import { api } from './api.js';
import { h, clear, errorBox, add } from './dom.js';
import { setTimeZone } from './format.js';
import * as overview from './pages/overview.js';
import * as context from './pages/context.js';
import * as skills from './pages/skills.js';
import * as workflows from './pages/workflows.js';
import * as runs from './pages/runs.js';
import * as journal from './pages/journal.js';
import * as schedules from './pages/schedules.js';
import * as history from './pages/history.js';

const PAGES = { '': overview, context, skills, workflows, runs, journal, schedules, history };

const main = document.getElementById('main');
let current = null; // { controller, cleanup }

export const app = {
  status: null,
  async refreshStatus() {
    app.status = await api('/api/v1/status');
    setTimeZone(app.status.timeZone);
    const badge = document.getElementById('mode-badge');
    badge.textContent = app.status.mode === 'cloud' ? 'cloud mode' : 'local mode';
    badge.className = `mode-badge ${app.status.mode}`;
    badge.hidden = false;
    return app.status;
  },
  /** The navigation's badge: how many approvals wait for a human, on every replica. */
  async refreshApprovals() {
    const badge = document.getElementById('approval-badge');
    try {
      const { approvals } = await api('/api/v1/approvals');
      badge.textContent = String(approvals.length);
      badge.hidden = approvals.length === 0;
      badge.title = `${approvals.length} step(s) waiting for your approval`;
    } catch (e) {
      badge.hidden = true;
    }
  },
};

setInterval(() => { if (!document.hidden && app.status) app.refreshApprovals(); }, 5_000);

function parseHash() {
  const path = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  const [page, ...rest] = path.split('/');
  return { page: page || '', param: rest.join('/') || null };
}

async function route() {
  const { page, param } = parseHash();
  const module = PAGES[page];
  if (current) {
    current.controller.abort();
    if (current.cleanup) current.cleanup();
    current = null;
  }
  for (const more of document.querySelectorAll('.nav details[open]')) more.open = false;
  for (const link of document.querySelectorAll('.nav a')) {
    const active = link.dataset.page === (page || 'overview');
    link.classList.toggle('active', active);
    if (active) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  const controller = new AbortController();
  const mine = { controller, cleanup: null };
  current = mine;
  clear(main);
  main.dataset.page = page || 'overview';
  if (!module) {
    add(main, h('h1', null, 'Not found'), h('p', null, 'No page here. ', h('a', { href: '#/' }, 'Back to the overview')));
    return;
  }
  try {
    if (!app.status) await app.refreshStatus();
    app.refreshApprovals();
    const root = h('div', { class: 'page' });
    add(main, root);
    const cleanup = await module.render(root, { param, signal: controller.signal, app });
    if (current === mine) mine.cleanup = cleanup || null; else if (cleanup) cleanup();
  } catch (err) {
    if (err.name === 'AbortError' || controller.signal.aborted) return;
    if (current === mine) add(main, errorBox(err));
  }
}

window.addEventListener('hashchange', route);
route();
