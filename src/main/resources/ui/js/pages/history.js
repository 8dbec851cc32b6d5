// History: every version of context/, skills/ and workflows/, newest first. A version opens onto what it changed
// (a unified diff per file, additions and deletions coloured) and from there goes back in time: in local mode by
// restoring files (written back as a new version; the text you have now is a version already), in cloud mode by
// pinning the server to the commit (it serves it and stops following the branch until unpinned).
import { api } from '../api.js';
import { h, dl, errorBox, add, fill } from '../dom.js';
import { shortRev, time } from '../format.js';
import { diffView, confirmAction } from '../diffview.js';

const PAGE = 50;

export async function render(root, { param, signal, app }) {
  const filter = h('input', { id: 'history-file', type: 'search', placeholder: 'e.g. MISSION.md or skills/search.sh',
    autocomplete: 'off', spellcheck: false });
  const list = h('ol', { class: 'timeline', id: 'history-list' });
  const more = h('button', { type: 'button', id: 'older-versions', hidden: true }, 'Older versions');
  const detail = h('section', { class: 'card version-detail', id: 'history-detail' },
    h('p', { class: 'muted' }, 'Choose a version to see what it changed.'));
  const pinBox = h('div', { id: 'pin-state' });
  add(root, h('h1', null, 'History'),
    h('p', { class: 'muted' }, app.status.mode === 'cloud'
      ? 'The commits of the repository this server mirrors. Pin the server to one to serve it until you unpin.'
      : 'A version is recorded after every burst of edits (and every restore). Nothing here is ever pushed.'),
    pinBox,
    h('div', { class: 'actions' }, h('label', { for: 'history-file' }, 'Only versions that changed'), filter),
    h('div', { class: 'history' }, h('div', { class: 'history-list' }, list, h('div', { class: 'actions' }, more)), detail));

  let offset = 0;
  let goBack = 'restore';
  const drawPin = () => {
    const pin = app.status.sync && app.status.sync.pin;
    if (!pin) { fill(pinBox); return; }
    const unpin = h('button', { type: 'button', id: 'unpin' }, `Unpin: follow ${pin.branch} again`);
    unpin.addEventListener('click', () => confirmAction(`Follow ${pin.branch} again?`,
      `The server syncs to the head of ${pin.branch} now and follows it from then on.`, 'Unpin', async () => {
        const r = await api('/api/v1/sync/unpin', { method: 'POST' });
        await app.refreshStatus();
        drawPin();
        await reload();
        return `Following ${r.following} again, at ${shortRev(r.revision)}.`;
      }, pinBox));
    fill(pinBox, h('div', { class: 'pinned card', id: 'pin-note' }, h('strong', null, 'Pinned. '), pin.note, ' ', unpin));
  };

  const load = async () => {
    const file = filter.value.trim();
    const page = await api(`/api/v1/history?limit=${PAGE}&offset=${offset}${file ? `&file=${encodeURIComponent(file)}` : ''}`, { signal });
    goBack = page.goBack;
    if (offset === 0 && !page.versions.length) {
      add(list, h('li', { class: 'muted' }, file ? `No version changed ${file}.` : 'No versions yet.'));
    }
    for (const v of page.versions) add(list, item(v));
    offset += page.versions.length;
    more.hidden = !page.more;
  };
  const reload = async () => { offset = 0; fill(list); await load(); };
  more.addEventListener('click', () => load().catch(err => add(list, errorBox(err))));
  let debounce = null;
  filter.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => reload().catch(err => fill(list, h('li', null, errorBox(err)))), 300);
  });

  const show = async id => {
    for (const li of list.querySelectorAll('li[data-id]')) li.classList.toggle('active', li.dataset.id === id);
    fill(detail, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const [version, diff] = await Promise.all([
        api(`/api/v1/history/${encodeURIComponent(id)}`, { signal }),
        api(`/api/v1/history/diff?to=${encodeURIComponent(id)}`, { signal })]);
      fill(detail, versionDetail(version, diff));
    } catch (err) {
      if (!signal.aborted) fill(detail, errorBox(err));
    }
  };

  const versionDetail = (files, diff) => {
    const v = files.version;
    const result = h('div', { class: 'action-result', 'aria-live': 'polite' });
    const actions = h('div', { class: 'actions' });
    if (goBack === 'restore' && v.current) {
      add(actions, h('p', { class: 'muted', id: 'is-current' }, 'This is the home as it is now.'));
    } else if (goBack === 'restore') {
      const all = h('button', { type: 'button', class: 'primary', id: 'restore-version' }, 'Restore this version');
      all.addEventListener('click', () => confirmAction(`Restore version ${shortRev(v.id)}?`,
        `Every file of the home is set back to this version (${files.files.length} files; files added since are deleted). `
        + 'The text you have now is kept as a version first, so you can come back to it.', 'Restore', async () => {
          const r = await api(`/api/v1/history/${encodeURIComponent(v.id)}/restore`, { method: 'POST', body: {} });
          await reload();
          return r.note;
        }, result));
      add(actions, all);
    } else {
      const pin = h('button', { type: 'button', class: 'primary', id: 'pin-version' }, 'Pin the server to this commit');
      pin.addEventListener('click', () => confirmAction(`Pin the server to ${shortRev(v.id)}?`,
        `The server serves this commit (context, skills, workflows) and stops following ${(app.status.sync || {}).branch || 'the branch'} `
        + 'until you unpin. Syncs still fetch, so it says how far behind it is.', 'Pin', async () => {
          const p = await api('/api/v1/sync/pin', { method: 'POST', body: { commit: v.id } });
          await app.refreshStatus();
          drawPin();
          await reload();
          return `The server is ${p.note}.`;
        }, result));
      add(actions, pin);
    }
    const restoreFile = goBack === 'restore' && !v.current ? path => {
      const b = h('button', { type: 'button', class: 'restore-file', dataset: { path } }, 'Restore this file');
      b.addEventListener('click', () => confirmAction(`Restore ${path}?`,
        `${path} is set back to version ${shortRev(v.id)}. The text you have now is kept as a version first.`, 'Restore', async () => {
          const r = await api(`/api/v1/history/${encodeURIComponent(v.id)}/restore`, { method: 'POST', body: { files: [path] } });
          await reload();
          return r.note;
        }, result));
      return b;
    } : null;
    return [
      h('h2', null, `Version ${shortRev(v.id)}`),
      dl(['When', v.time ? time(v.time) : 'unknown'],
         ['Source', h('span', { class: `chip source-${v.source}` }, v.source)],
         v.author ? ['Author', v.author] : null,
         v.message ? ['Message', h('span', { class: 'message' }, v.message)] : null,
         ['Id', h('code', null, v.id)],
         ['Files', String(files.files.length)]),
      actions, result,
      h('h3', null, diff.from ? `What it changed since ${shortRev(diff.from)}` : 'What it holds (the first version)'),
      h('p', { class: 'muted small' }, h('a', { href: `#/history/${encodeURIComponent(v.id)}`, dataset: { compare: 'now' },
        onclick: e => { e.preventDefault(); compareWithNow(v.id); } }, 'Compare with now')),
      diffView(diff, restoreFile),
    ];
  };

  const compareWithNow = async id => {
    try {
      const diff = await api(`/api/v1/history/diff?from=${encodeURIComponent(id)}`, { signal });
      fill(detail, h('h2', null, `From ${shortRev(id)} to now`), diffView(diff, null));
    } catch (err) {
      fill(detail, errorBox(err));
    }
  };

  const item = v => {
    const li = h('li', { dataset: { id: v.id, source: v.source }, class: v.current ? 'current' : '' },
      h('a', { href: `#/history/${encodeURIComponent(v.id)}`, class: 'version-link' },
        h('code', null, shortRev(v.id)), ' ', h('span', { class: `chip source-${v.source}` }, v.source),
        v.current ? h('span', { class: 'chip now' }, 'now') : null),
      h('div', { class: 'small muted' }, v.time ? time(v.time) : ''),
      v.message ? h('div', { class: 'message' }, (v.author ? `${v.author}: ` : '') + v.message.split('\n')[0]) : null,
      h('div', { class: 'small' }, v.files.slice(0, 4).map(f => h('span', { class: 'file-change' }, f.path,
        f.binary ? ' (binary)' : [' ', h('span', { class: 'plus' }, `+${f.additions}`), ' ', h('span', { class: 'minus' }, `−${f.deletions}`)])),
        v.files.length > 4 ? ` and ${v.files.length - 4} more` : ''));
    return li;
  };

  drawPin();
  await load();
  if (param) await show(param);
}
