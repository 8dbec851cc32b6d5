// Diffs as the pages show them: per file, additions and deletions coloured; and the confirmation every action
// that writes or moves the source of truth asks for.
import { h, add, fill, errorBox } from './dom.js';

/** One block per file of a VersionDiff; fileAction(path) may add a button per file (restore this file). */
export function diffView(diff, fileAction) {
  if (!diff.files.length) return h('p', { class: 'muted', id: 'diff-unchanged' }, 'No file differs.');
  return h('div', { class: 'diff', id: 'diff' },
    diff.truncated ? h('p', { class: 'warn' }, 'The diff is long: parts of it are cut.') : null,
    diff.files.map(f => h('section', { class: 'file-diff', dataset: { path: f.path, change: f.change } },
      h('div', { class: 'file-diff-head' },
        h('code', null, f.path), ' ', h('span', { class: 'muted small' }, f.change),
        f.binary ? h('span', { class: 'muted small' }, ' (binary)')
          : [' ', h('span', { class: 'plus' }, `+${f.additions}`), ' ', h('span', { class: 'minus' }, `−${f.deletions}`)],
        fileAction ? fileAction(f.path) : null),
      lines(f.diff),
      f.truncated ? h('p', { class: 'muted small' }, 'Cut short.') : null)));
}

function lines(text) {
  const pre = h('pre', { class: 'diff-lines' });
  for (const line of (text || '').split('\n')) {
    let cls = 'ctx';
    if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff ') || line.startsWith('index ')
        || line.startsWith('new file') || line.startsWith('deleted file')) cls = 'meta';
    else if (line.startsWith('@@')) cls = 'hunk';
    else if (line.startsWith('+')) cls = 'add';
    else if (line.startsWith('-')) cls = 'del';
    add(pre, h('span', { class: `line ${cls}` }, line), '\n');
  }
  return pre;
}

/**
 * Asks before acting: a modal dialog with what will happen, Cancel and the action's name. run() returns the
 * sentence to show in `into` when it succeeded; a failure shows the server's words.
 */
export function confirmAction(title, text, verb, run, into) {
  const dialog = h('dialog', { class: 'confirm', id: 'confirm-dialog' });
  const ok = h('button', { type: 'button', class: 'primary', id: 'confirm-ok' }, verb);
  const cancel = h('button', { type: 'button', id: 'confirm-cancel' }, 'Cancel');
  add(dialog, h('h2', null, title), h('p', null, text), h('div', { class: 'actions' }, cancel, ok));
  document.body.append(dialog);
  const close = () => { dialog.close(); dialog.remove(); };
  cancel.addEventListener('click', close);
  dialog.addEventListener('cancel', () => dialog.remove());
  ok.addEventListener('click', async () => {
    ok.disabled = true;
    cancel.disabled = true;
    try {
      const said = await run();
      close();
      fill(into, h('p', { class: 'ok-box', id: 'action-outcome' }, said));
    } catch (err) {
      close();
      fill(into, errorBox(err));
    }
  });
  dialog.showModal();
  ok.focus();
}
