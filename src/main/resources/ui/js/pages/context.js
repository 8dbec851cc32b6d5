// Context: every file rendered from Markdown (by the server, raw HTML escaped), the composed prompt
// an agent receives, and live refresh: the page polls the snapshot's revision and redraws on change.
import { api } from '../api.js';
import { h, dl, errorBox, pre, trustedHtml, add, fill } from '../dom.js';
import { bytes, shortRev, time } from '../format.js';

/** How often the page asks for the context revision while it is visible. */
export const POLL_MS = 1500;

export async function render(root, { signal, app }) {
  const head = h('div', { class: 'head' });
  const files = h('div', { class: 'files', id: 'context-files' });
  const instructions = h('textarea', { id: 'prompt-instructions', rows: 3, maxLength: 4000,
    placeholder: 'Agent instructions (its backstory), e.g. You are my editor.' }, 'You are my editor.');
  const promptOut = h('div', { id: 'prompt-output' });
  const compose = h('button', { type: 'button', id: 'prompt-compose' }, 'Compose');
  add(root, 
    h('h1', null, 'Context'),
    head,
    files,
    h('section', { class: 'card', id: 'prompt' },
      h('h2', null, 'The prompt an agent receives'),
      h('p', { class: 'muted' }, 'Every agent’s system prompt is your context (the TELOS block) followed by its own instructions. Shown as a cloud model receives it: files marked privacy: local are withheld, privacy: never files left out.'),
      h('label', { for: 'prompt-instructions' }, 'Agent instructions'),
      instructions,
      h('div', { class: 'actions' }, compose),
      promptOut));

  let revision = null;
  let lastChange = null;

  const showPrompt = async () => {
    try {
      const p = await api(`/api/v1/prompt?instructions=${encodeURIComponent(instructions.value)}`, { signal });
      fill(promptOut, h('p', { class: 'muted' }, `Revision ${shortRev(p.revision)}`), pre(p.prompt, 'prompt'));
    } catch (err) {
      if (!signal.aborted) fill(promptOut, errorBox(err));
    }
  };
  compose.addEventListener('click', showPrompt);

  const draw = async snapshot => {
    const rendered = await Promise.all(snapshot.files.map(f =>
      api(`/api/v1/context/${encodeURIComponent(f.name)}?format=html`, { signal })
        .then(html => ({ file: f, html }), err => ({ file: f, err }))));
    if (signal.aborted) return;
    revision = snapshot.revision;
    root.dataset.revision = revision;
    const live = app.status.mode === 'local'
      ? `Live: edits saved in ${app.status.home}/context appear here within seconds.`
      : 'Cloud mode: the context changes when the server syncs the repository.';
    fill(head, 
      dl(['Revision', h('code', { id: 'context-revision', title: revision }, shortRev(revision))],
         ['Loaded', time(snapshot.loadedAt)],
         lastChange ? ['Changed', h('span', { class: 'ok', id: 'context-changed' }, `updated ${time(lastChange)}`)] : null,
         snapshot.missing.length ? ['Missing', h('span', { class: 'warn' }, snapshot.missing.join(', '))] : null),
      h('p', { class: 'muted live' }, live),
      snapshot.files.length ? h('nav', { class: 'chips', 'aria-label': 'Files' },
        snapshot.files.map(f => h('a', { class: 'chip', href: `#/context`, onclick: e => {
          e.preventDefault();
          document.getElementById(fileId(f.name))?.scrollIntoView({ behavior: 'smooth' });
        } }, f.name))) : h('p', null, 'No context files yet: add Markdown files to context/.'),
      snapshot.warnings.length ? h('ul', { class: 'warnings' }, snapshot.warnings.map(w => h('li', null, w))) : null);
    fill(files, ...rendered.map(({ file, html, err }) =>
      h('article', { class: 'card file', id: fileId(file.name), dataset: { file: file.name } },
        h('header', { class: 'file-head' }, h('h2', null, file.name),
          file.privacy && file.privacy !== 'public' ? h('span', { class: `chip privacy ${file.privacy}`, title: file.privacy === 'local'
            ? 'privacy: local — sent only to models on your machine or network' : 'privacy: never — sent to no model' }, file.privacy) : null,
          h('span', { class: 'muted' }, `${bytes(file.bytes)} · sha256 ${file.sha256.slice(0, 12)}`)),
        err ? errorBox(err) : trustedHtml(h('div', { class: 'markdown' }), html))));
  };

  await draw(await api('/api/v1/context', { signal }));
  showPrompt();

  let busy = false;
  const timer = setInterval(async () => {
    if (busy || document.hidden || signal.aborted) return;
    busy = true;
    try {
      const snapshot = await api('/api/v1/context', { signal });
      root.dataset.polls = String(Number(root.dataset.polls || 0) + 1);
      if (snapshot.revision !== revision) {
        lastChange = new Date().toISOString();
        await draw(snapshot);
        showPrompt();
      }
    } catch (err) {
      // a failed poll is retried on the next tick; the page keeps what it shows
    } finally {
      busy = false;
    }
  }, POLL_MS);
  return () => clearInterval(timer);
}

function fileId(name) {
  return `file-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
