// Building DOM nodes. Text always goes in as text (never parsed as HTML): context files, model
// outputs and logs are untrusted. The one exception, trustedHtml, takes only fragments the server
// rendered from Markdown with raw HTML escaped.

/** h('a', {href: '#/', class: 'x', onclick: fn, dataset: {id: 1}}, 'text', child, [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null && v !== false) el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function setProps(el, props) {
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k in el && k !== 'list' && k !== 'form') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Inserts HTML the server rendered from Markdown (raw HTML escaped, unsafe links removed). */
export function trustedHtml(el, html) {
  el.innerHTML = html;
  return el;
}

/** A labelled value for definition lists: dl(['Mode', 'local'], ['Revision', rev]) */
export function dl(...rows) {
  return h('dl', { class: 'facts' }, rows.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

export function errorBox(err) {
  return h('div', { class: 'error', role: 'alert' }, err && err.message ? err.message : String(err));
}

export function pre(text, cls) {
  return h('pre', { class: cls || 'text' }, text == null ? '' : String(text));
}

/** Appends children, skipping null, undefined and false (Element.append would write "null"). */
export function add(el, ...children) {
  append(el, children);
  return el;
}

/** Replaces the children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return add(el, ...children);
}
