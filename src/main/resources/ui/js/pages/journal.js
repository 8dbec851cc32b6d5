// Journal: the days with a journal, newest first, and one day rendered from Markdown.
import { api } from '../api.js';
import { h, errorBox, trustedHtml, add, fill } from '../dom.js';

export async function render(root, { param, signal }) {
  const { days } = await api('/api/v1/logs', { signal });
  const day = param || days[0];
  const content = h('article', { class: 'card markdown', id: 'journal-day' });
  add(root, 
    h('h1', null, 'Journal'),
    days.length ? h('nav', { class: 'chips', id: 'journal-days', 'aria-label': 'Days' },
      days.map(d => h('a', { class: `chip${d === day ? ' active' : ''}`, href: `#/journal/${d}` }, d)))
      : h('p', null, 'No journal yet: every workflow run adds an entry to logs/YYYY-MM-DD.md.'),
    day ? content : null);
  if (!day) return;
  try {
    trustedHtml(content, await api(`/api/v1/logs/${encodeURIComponent(day)}?format=html`, { signal }));
  } catch (err) {
    if (!signal.aborted) fill(content, errorBox(err));
  }
}
