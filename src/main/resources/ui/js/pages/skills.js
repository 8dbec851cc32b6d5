// Skills: each with its description and parameters, a form to run it, and the output.
import { api } from '../api.js';
import { h, dl, errorBox, pre, add, fill } from '../dom.js';
import { duration } from '../format.js';

export async function render(root, { signal }) {
  const { skills, skipped, passed, isolation } = await api('/api/v1/skills', { signal });
  add(root, 
    h('h1', null, 'Skills'),
    h('p', { class: 'muted' }, 'Executable scripts in skills/. Agents call them as tools; you can run them here.'),
    skills.length ? h('p', { class: 'muted small', id: 'skills-env' },
      `Every skill receives ${(passed || []).join(', ')}, LC_* and PAI_HOME; a secret only when its header asks for it (# ENV:). `
      + `Each run is contained in ${isolation === 'namespace' ? 'a PID namespace' : 'a session'} of its own.`) : null,
    skills.length ? h('div', { class: 'skills' }, skills.map(skillCard))
      : h('p', null, 'No skills yet: put an executable script with a “# DESCRIPTION:” header in skills/.'),
    skipped.length ? h('section', { class: 'card', id: 'skipped' },
      h('h2', null, 'Scripts skipped'),
      h('ul', null, skipped.map(s => h('li', null, h('code', null, s.file || s.name || ''), ` — ${s.reason || ''}`)))) : null);
}

function skillCard(skill) {
  const output = h('div', { class: 'skill-output', 'aria-live': 'polite' });
  const fields = skill.params.map(p => field(skill, p));
  const run = h('button', { type: 'submit', class: 'primary' }, 'Run');
  const form = h('form', { class: 'skill-form', dataset: { skill: skill.name } },
    fields.map(f => f.row),
    h('div', { class: 'actions' }, run));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const args = {};
    for (const f of fields) {
      const v = f.value();
      if (v !== '') args[f.name] = v;
    }
    run.disabled = true;
    fill(output, h('p', { class: 'muted' }, 'Running…'));
    try {
      const r = await api(`/api/v1/skills/${encodeURIComponent(skill.name)}/run`, { method: 'POST', body: { args } });
      fill(output, result(r));
    } catch (err) {
      fill(output, errorBox(err));
    } finally {
      run.disabled = false;
    }
  });
  return h('section', { class: 'card skill', id: `skill-${skill.name}` },
    h('h2', null, skill.name),
    h('p', null, skill.description || h('span', { class: 'muted' }, 'No description.')),
    skill.params.length ? h('p', { class: 'muted small' }, `Script ${skill.file}; arguments are passed as argv in this order.`)
      : h('p', { class: 'muted small' }, `Script ${skill.file}; no parameters.`),
    envLine(skill.env || []),
    form,
    output);
}

// What the skill receives besides the common variables: each name its # ENV: header declares, and whether it is set.
function envLine(env) {
  if (!env.length) return h('p', { class: 'muted small skill-env' }, 'Receives no secret.');
  return h('p', { class: 'small skill-env' }, 'Receives ',
    env.map((v, i) => [i ? ', ' : '', h('code', { dataset: { set: String(v.set) } }, v.name),
      v.set ? '' : h('span', { class: 'error-text' }, ' (not set on this server)')]));
}

function field(skill, p) {
  const id = `skill-${skill.name}-${p.name}`;
  const type = (p.type || 'str').toLowerCase();
  let input;
  if (type === 'bool') {
    input = h('select', { id, name: p.name }, h('option', { value: '' }, '—'), h('option', null, 'true'), h('option', null, 'false'));
  } else if (type === 'int' || type === 'float') {
    input = h('input', { id, name: p.name, type: 'number', step: type === 'int' ? '1' : 'any', required: p.required });
  } else {
    input = h('input', { id, name: p.name, type: 'text', required: p.required, autocomplete: 'off' });
  }
  const row = h('div', { class: 'field' },
    h('label', { for: id }, p.name, ' ', h('span', { class: 'muted small' }, `(${type}${p.required ? '' : ', optional'})`)),
    input,
    p.description ? h('span', { class: 'muted small' }, p.description) : null);
  return { name: p.name, row, value: () => input.value };
}

function result(r) {
  return h('div', { class: `result ${r.ok ? 'ok-box' : 'error-box'}` },
    dl(['Outcome', h('span', { class: r.ok ? 'ok' : 'error-text', dataset: { outcome: r.outcome } }, r.outcome)],
       ['Exit code', String(r.exitCode)],
       ['Took', duration(r.durationMs)],
       r.truncated ? ['Note', 'output truncated at the server’s limit'] : null,
       r.timedOut ? ['Note', 'timed out and killed'] : null),
    h('h3', null, 'Output'),
    pre(r.output || '(no output)', 'text output'),
    r.stderr ? [h('h3', null, 'Standard error (end)'), pre(r.stderr, 'text stderr')] : null);
}
