// Recent batches panel: the newest batches (GET /v1/batches) with progress (done / total and a small bar), makespan
// and speedup, so a batch submitted with curl shows its speedup without being opened; a row opens the batch view.
// Live but coalesced, at most one round of reads per second: a job event of a listed batch re-reads that batch alone
// (GET /v1/batches/{id}); one of a newer batch re-reads the list. The list costs an aggregate per listed batch (a
// 10,000-job batch takes some 20 ms), so it is re-read only for a new batch, every LIST_STALE_MS (retention may
// delete batches), and every LIST_FULL_MS when app.js's tick says events may have been missed (polling, cluster);
// on the ticks between, the unfinished rows are re-read one by one. Rows are kept per batch id, so keyboard focus
// survives a refresh.

import { h, setText, syncChildren, fmtMs, fmtSpeedup, batchFinished, batchDone, progressBar } from './util.js';
import { api } from './api.js';
import { inFrame } from './frame.js';

const LIMIT = 8;
const MIN_GAP_MS = 1000;
const LIST_FULL_MS = 3000;
const LIST_STALE_MS = 10000;
let el; // {list, msg}
let opts; // {onOpen(id)}
const rows = new Map(); // id -> ui, newest first
const dirty = new Set(); // listed batches to re-read
let needList = true;
let openId = null;
let lastRead = 0; // when the last round of reads started
let lastList = 0;
let inFlight = false;
let timer = null;

export function initBatches(elements, options) {
  el = elements;
  opts = options;
}

const newest = () => (rows.size ? rows.keys().next().value : 0);

// A job changed: re-read its batch if listed, the list if the batch is newer than every listed one.
export function batchesJobEvent(job) {
  const id = job.batch_id;
  if (id == null) return;
  if (rows.has(id)) dirty.add(id);
  else if (id > newest()) needList = true;
  else return;
  schedule();
}

// A batch was made from the page: re-read the list.
export function batchesChanged() {
  needList = true;
  schedule();
}

// From app.js's tick: full when events may have been missed.
export function batchesTick(full) {
  const age = Date.now() - lastList;
  if (age >= (full ? LIST_FULL_MS : LIST_STALE_MS)) needList = true;
  else if (full) for (const ui of rows.values()) if (!ui.done) dirty.add(ui.id);
  if (needList || dirty.size) schedule();
}

function schedule() {
  if (timer || inFlight) return;
  timer = setTimeout(() => { timer = null; readRound(); }, Math.max(0, lastRead + MIN_GAP_MS - Date.now()));
}

async function readRound() {
  inFlight = true;
  lastRead = Date.now();
  try {
    if (needList) await readList();
    else await Promise.all([...dirty].map(readOne));
  } finally {
    inFlight = false;
    if (needList || dirty.size) schedule();
  }
}

async function readList() {
  needList = false;
  dirty.clear();
  lastList = Date.now();
  try {
    const { batches } = await api.get(`/v1/batches?limit=${LIMIT}`);
    inFrame('batches', () => render(batches));
  } catch (err) {
    if (err.status !== 401 && !rows.size) setText(el.msg, `Could not load batches: ${err.message}`);
  }
}

async function readOne(id) {
  dirty.delete(id);
  try {
    const b = await api.get(`/v1/batches/${id}`);
    inFrame(`batch-${id}`, () => { if (rows.has(id)) update(rows.get(id), b); });
  } catch (err) {
    if (err.status === 404) needList = true; // deleted by retention
  }
}

// The batch shown in the batch view (null: none) is marked in the list.
export function setOpenBatch(id) {
  openId = id;
  for (const ui of rows.values()) markOpen(ui);
}

function markOpen(ui) {
  if (ui.id === openId) ui.link.setAttribute('aria-current', 'true');
  else ui.link.removeAttribute('aria-current');
}

function render(batches) {
  setText(el.msg, batches.length ? '' : 'No batches yet: submit one with × copies above 1, or POST /v1/batches.');
  const uis = batches.map((b) => update(rows.get(b.id) || create(b.id), b));
  syncChildren(el.list, uis.map((ui) => ui.root));
  rows.clear();
  for (const ui of uis) rows.set(ui.id, ui);
}

function create(id) {
  const ui = { id };
  ui.name = h('span', { class: 'batch-row-name' });
  ui.speedup = h('strong', { class: 'batch-row-speedup', dataset: { testid: 'recent-batch-speedup' } });
  ui.bar = h('div');
  ui.progress = h('span', { class: 'batch-row-count', dataset: { testid: 'recent-batch-progress' } });
  ui.makespan = h('span', { dataset: { testid: 'recent-batch-makespan' } });
  ui.link = h('a', {
    href: `#/batches/${id}`, class: 'batch-row',
    onclick: (e) => { e.preventDefault(); opts.onOpen(id); },
  },
  h('span', { class: 'batch-row-head' }, h('strong', {}, `#${id}`), ui.name, ui.speedup),
  h('span', { class: 'batch-row-line' }, ui.bar, ui.progress),
  h('span', { class: 'batch-row-meta muted' }, 'makespan ', ui.makespan));
  ui.root = h('li', { dataset: { testid: 'recent-batch', batchId: String(id) } }, ui.link);
  markOpen(ui);
  return ui;
}

function update(ui, b) {
  const finished = batchFinished(b);
  const done = batchDone(b);
  ui.done = done;
  Object.assign(ui.root.dataset, {
    done: String(done), finished: String(finished), total: String(b.total), speedup: b.speedup == null ? '' : String(b.speedup),
  });
  const bad = (b.counts.failed || 0) + (b.counts.timed_out || 0) + (b.counts.canceled || 0);
  ui.link.className = `batch-row s-${!done ? 'running' : bad ? 'failed' : 'succeeded'}`;
  setText(ui.name, b.name || '');
  setText(ui.speedup, b.speedup == null ? '' : fmtSpeedup(b.speedup));
  ui.speedup.title = b.speedup == null ? '' : 'speedup: total run time / makespan';
  setText(ui.progress, `${finished} / ${b.total}${done ? ' · done' : ''}`);
  setText(ui.makespan, fmtMs(b.makespan_ms));
  const bar = progressBar(b, { 'aria-label': `Progress of batch ${b.id}` });
  ui.bar.replaceWith(bar);
  ui.bar = bar;
  ui.link.setAttribute('aria-label', `Batch ${b.id}${b.name ? ` ${b.name}` : ''}: ${finished} of ${b.total} done`
    + `${b.speedup == null ? '' : `, speedup ${fmtSpeedup(b.speedup)}`}`);
  return ui;
}
