// Queues panel: each named queue with its queued and running counts, its concurrency limit ("no limit"), its rate
// limit with the window's use (set through the API only) and whether it is paused; per queue, pause/resume and set or clear the limit, plus a form that adds a queue — all through
// PUT /v1/queues/{name}, server errors shown in the queue's own message line. app.js re-reads it on every tick;
// rows are kept per queue (never rebuilt) so a half-typed limit and keyboard focus survive the refresh.
// Also keeps the <datalist> of queue names that the submit and schedule forms offer.

import { h, setText, syncChildren } from './util.js';
import { api } from './api.js';
import { markInvalid } from './formerr.js';
import { inFrame } from './frame.js';

let el; // {list, strict, form, msg, names}
const rows = new Map(); // name -> ui

export function initQueues(elements) {
  el = elements;
  el.form.addEventListener('submit', (e) => { e.preventDefault(); addQueue(); });
}

export async function refreshQueues() {
  try {
    const body = await api.get('/v1/queues');
    inFrame('queues', () => render(body));
  } catch (err) {
    if (err.status !== 401 && !rows.size) setText(el.msg, `Could not load queues: ${err.message}`);
  }
}

const path = (name) => `/v1/queues/${encodeURIComponent(name)}`;

function render({ queues, strict }) {
  setText(el.strict, strict ? '· strict: jobs may only name these' : '');
  syncChildren(el.list, queues.map((q) => update(rows.get(q.name) || create(q.name), q).root));
  for (const name of rows.keys()) if (!queues.some((q) => q.name === name)) rows.delete(name);
  const names = queues.map((q) => q.name);
  if (el.names.dataset.names !== names.join('\n')) {
    el.names.dataset.names = names.join('\n');
    el.names.replaceChildren(...names.map((n) => h('option', { value: n })));
  }
}

function create(name) {
  const ui = { name, q: null, dirty: false };
  ui.paused = h('span', { class: 'tag warn', dataset: { testid: 'queue-paused' } }, 'paused');
  ui.queued = h('strong', { dataset: { testid: 'queue-queued' } });
  ui.running = h('strong', { dataset: { testid: 'queue-running' } });
  ui.limit = h('span', { dataset: { testid: 'queue-limit' } });
  ui.rate = h('span', { dataset: { testid: 'queue-rate' } });
  ui.pause = h('button', { type: 'button', dataset: { testid: 'queue-pause' }, onclick: () => togglePause(ui) });
  ui.input = h('input', {
    type: 'number', min: '1', max: '10000', step: '1', inputmode: 'numeric', placeholder: 'none',
    'aria-label': `Concurrency limit of queue ${name}`, dataset: { testid: 'queue-limit-input' },
    oninput: () => { ui.dirty = true; },
  });
  ui.set = h('button', { type: 'submit', dataset: { testid: 'queue-limit-set' }, 'aria-label': `Set the limit of queue ${name}` }, 'Set');
  ui.clear = h('button', {
    type: 'button', class: 'ghost', dataset: { testid: 'queue-limit-clear' }, 'aria-label': `No limit for queue ${name}`,
    onclick: () => change(ui, { concurrency: null }, 'No limit now.'),
  }, 'No limit');
  ui.msg = h('p', { class: 'form-msg', role: 'alert', dataset: { testid: 'queue-msg' } });
  ui.root = h('li', { class: 'queue', dataset: { testid: 'queue-row', queue: name } },
    h('div', { class: 'queue-head' }, h('strong', { class: 'queue-name' }, name), ui.paused,
      h('span', { class: 'queue-stats muted' }, 'queued ', ui.queued, ' · running ', ui.running, ' · ', ui.limit, ui.rate)),
    h('form', { class: 'queue-controls', dataset: { mutates: '' }, novalidate: true, onsubmit: (e) => { e.preventDefault(); setLimit(ui); } },
      ui.pause, h('label', { class: 'inline' }, 'Limit', ui.input), ui.set, ui.clear),
    ui.msg);
  rows.set(name, ui);
  return ui;
}

function update(ui, q) {
  ui.q = q;
  Object.assign(ui.root.dataset, {
    paused: String(q.paused), queued: String(q.queued), running: String(q.running), concurrency: String(q.concurrency ?? ''),
  });
  ui.paused.hidden = !q.paused;
  setText(ui.queued, String(q.queued));
  setText(ui.running, String(q.running));
  setText(ui.limit, q.concurrency == null ? 'no limit' : `limit ${q.concurrency}`);
  setText(ui.rate, rateText(q));
  setText(ui.pause, q.paused ? 'Resume' : 'Pause');
  ui.pause.setAttribute('aria-label', `${q.paused ? 'Resume' : 'Pause'} queue ${q.name}`);
  ui.pause.title = q.paused ? 'Let its queued jobs run again' : 'Keep its queued jobs waiting; running ones finish';
  ui.clear.disabled = q.concurrency == null;
  if (!ui.dirty && document.activeElement !== ui.input) ui.input.value = q.concurrency ?? '';
  return ui;
}

// " · rate 3 per 2 s, 3 used, next at 12:00:04" — a used-up window says when it frees.
function rateText(q) {
  if (!q.rate) return '';
  const next = q.rate_next_at ? `, next at ${new Date(q.rate_next_at).toLocaleTimeString()}` : '';
  return ` · rate ${q.rate.limit} per ${q.rate.period_s} s, ${q.rate_used} used${next}`;
}

function say(p, text, ok) {
  p.className = ok ? 'form-msg ok' : 'form-msg';
  p.textContent = text;
}

const togglePause = (ui) => change(ui, { paused: !ui.q.paused },
  ui.q.paused ? 'Resumed.' : 'Paused: its queued jobs wait, running ones finish.');

function setLimit(ui) {
  const raw = ui.input.value.trim();
  if (raw === '') {
    say(ui.msg, 'Enter a limit (jobs at once), or choose No limit.');
    markInvalid(ui.input);
    return;
  }
  change(ui, { concurrency: Number(raw) }, `Limit set to ${raw}.`);
}

async function change(ui, body, done) {
  const buttons = [ui.pause, ui.set, ui.clear];
  buttons.forEach((b) => { b.disabled = true; });
  ui.input.removeAttribute('aria-invalid');
  say(ui.msg, '');
  try {
    const q = await api.put(path(ui.name), body);
    ui.dirty = false;
    update(ui, q);
    say(ui.msg, done, true);
  } catch (err) {
    say(ui.msg, err.status === 401 ? 'A token is required — enter it and try again.' : err.message);
    if (err.field === 'concurrency') markInvalid(ui.input);
  } finally {
    ui.pause.disabled = false;
    ui.set.disabled = false;
    if (ui.q) ui.clear.disabled = ui.q.concurrency == null;
  }
}

// PUT makes the queue; an existing name is changed instead (only the limit, and only when one is given).
async function addQueue() {
  const name = el.form.elements.namedItem('name');
  const limit = el.form.elements.namedItem('concurrency');
  for (const f of [name, limit]) f.removeAttribute('aria-invalid');
  if (!name.value.trim()) { say(el.msg, 'Enter a queue name.'); markInvalid(name); return; }
  const body = limit.value.trim() === '' ? {} : { concurrency: Number(limit.value) };
  try {
    const q = await api.put(path(name.value.trim()), body);
    say(el.msg, `Queue ${q.name} ${rows.has(q.name) ? 'changed' : 'added'}.`, true);
    name.value = '';
    limit.value = '';
    await refreshQueues();
  } catch (err) {
    say(el.msg, err.status === 401 ? 'A token is required — enter it and try again.' : err.message);
    markInvalid(err.field === 'concurrency' ? limit : name);
  }
}
