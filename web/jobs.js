// Jobs table: newest first, state/batch/schedule/tag filters, pagination that only follows the API's `next` links; a
// job outside the default queue carries its queue as a tag, and its own tags follow; on a cluster the worker column
// names the node too. jobsFilter() is the filter shown, for the bulk actions (bulk.js).

import { STATES, h, setText, badge, fmtMs, cmdText, fmtClock, parseTime, stateLabel, jobWait, waitTag, tagsOf } from './util.js';
import { api } from './api.js';
import { nodeName } from './model.js';
import { inFrame } from './frame.js';

const PAGE = 25;
let el;
let opts;
let pageUrl = null; // URL of the page shown
let history = []; // URLs of the newer pages, to go back
let nextUrl = null;
let loading = null;
let loaded = false;
let again = false; // a refresh was asked for while a load ran

export function initJobs(elements, options) {
  el = elements; // {body, state, batch, schedule, tag, clear, filters, newest, newer, older, info}
  opts = options; // {onOpen(id), onFirstRender(), onFilter()}
  for (const s of STATES) el.state.append(h('option', { value: s }, stateLabel(s)));
  el.state.addEventListener('change', () => reset());
  el.batch.addEventListener('change', () => { if (el.batch.value) el.schedule.value = ''; reset(); });
  el.schedule.addEventListener('change', () => { if (el.schedule.value) el.batch.value = ''; reset(); });
  el.tag.addEventListener('change', () => reset());
  el.filters.addEventListener('submit', (e) => { e.preventDefault(); reset(); });
  el.clear.addEventListener('click', () => setFilter({ state: '', batch: '', schedule: '', tag: '' }));
  el.older.addEventListener('click', () => {
    if (!nextUrl) return;
    history.push(pageUrl);
    load(nextUrl);
  });
  el.newer.addEventListener('click', () => { if (history.length) load(history.pop()); });
  el.newest.addEventListener('click', () => reset());
  el.body.addEventListener('click', (e) => {
    const link = e.target.closest('[data-open-id]');
    if (link) { opts.onOpen(Number(link.dataset.openId)); return; }
    const tr = e.target.closest('tr[data-job-id]');
    if (tr) opts.onOpen(Number(tr.dataset.jobId));
  });
}

// The API takes batch_id or schedule_id, not both: setting one clears the other.
export function setFilter({ state, batch, schedule, tag }) {
  if (state !== undefined) el.state.value = state;
  if (tag !== undefined) el.tag.value = tag;
  if (batch !== undefined) el.batch.value = batch;
  if (schedule !== undefined) el.schedule.value = schedule;
  if (batch) el.schedule.value = '';
  if (schedule) el.batch.value = '';
  reset();
}

// The filter shown, in the API's names: {state?, batch_id?, schedule_id?, tag?: ["key:value"]}.
export function jobsFilter() {
  const f = {};
  if (el.state.value) f.state = el.state.value;
  const b = el.batch.value.trim();
  const sc = el.schedule.value.trim();
  if (/^\d+$/.test(b)) f.batch_id = Number(b);
  else if (/^\d+$/.test(sc)) f.schedule_id = Number(sc);
  const t = el.tag.value.trim();
  if (t) f.tag = [t];
  return f;
}

function firstUrl() {
  const q = new URLSearchParams({ limit: String(PAGE) });
  for (const [k, v] of Object.entries(jobsFilter())) q.set(k, String(v));
  return `/v1/jobs?${q}`;
}

export function reset() {
  history = [];
  opts.onFilter();
  return load(firstUrl());
}

// Re-read the page on show (cheap: one keyset page); called on live updates, throttled by the caller.
export function refreshJobs() {
  if (loading) {
    again = true;
    return loading;
  }
  return load(pageUrl || firstUrl());
}

async function load(url) {
  const mine = (async () => {
    try {
      const data = await api.get(url);
      if (loading !== mine) return;
      pageUrl = url;
      nextUrl = data.next || null;
      inFrame('jobs', () => renderRows(data.jobs));
    } catch (err) {
      if (loading !== mine) return;
      if (err.status !== 401) el.body.replaceChildren(emptyRow(`Could not load jobs: ${err.message}`));
    } finally {
      if (loading === mine) {
        loading = null;
        if (again) {
          again = false;
          refreshJobs();
        }
      }
    }
  })();
  loading = mine;
  return mine;
}

function emptyRow(text) {
  return h('tr', { class: 'empty' }, h('td', { colspan: '9' }, text));
}

// A delayed job or one waiting out its retry backoff: "starts in 12 s" / "retry in 0.7 s" beside the badge;
// a queued job whose dependencies have not all finished: "waiting on 2".
function stateCell(j) {
  const wait = jobWait(j);
  const blocked = j.state === 'queued' && j.blocked_by > 0;
  return h('td', { class: 'state' }, badge(j.state),
    wait ? waitTag(wait, { class: 'wait muted', dataset: { testid: 'job-wait' } }) : null,
    blocked ? h('span', { class: 'wait muted', dataset: { testid: 'job-blocked' }, title: `after ${(j.after || []).map((id) => `#${id}`).join(', ')}` },
      `waiting on ${j.blocked_by}`) : null);
}

function rerunLink(j) {
  if (j.rerun_of == null) return null;
  return h('button', {
    type: 'button', class: 'link rerun-of', title: `rerun of job #${j.rerun_of}`,
    'aria-label': `Open job ${j.rerun_of}, which job ${j.id} reruns`,
    dataset: { testid: 'job-rerun-of', openId: String(j.rerun_of) },
  }, `↻ #${j.rerun_of}`);
}

// On a cluster a worker slot is one node's: "n2 · 0" (node_id is null on SQLite, and the cell is just the slot).
function workerCell(j) {
  if (j.node_id == null || j.worker == null) return h('td', { class: 'wide' }, j.worker ?? '—');
  const node = nodeName(j.node_id) ?? `#${j.node_id}`;
  return h('td', { class: 'wide', title: `node ${node}, worker ${j.worker}`, dataset: { testid: 'job-node' } }, `${node} · ${j.worker}`);
}

// A row is rebuilt only when what it shows changed, and the body is touched only when its rows did: the table is
// re-read about every 0.7 s while jobs run, and each rebuilt row costs the page style and layout.
const rowKey = (j) => JSON.stringify([j.state, jobWait(j), j.blocked_by, j.after, j.worker, j.node_id, nodeName(j.node_id),
  j.queue_ms, j.run_ms, j.exit_code, j.signal, j.name, j.queue, j.rerun_of]);
let shown = new Map(); // job id -> {key, tr}

function jobRow(j) {
  return h('tr', { dataset: { testid: 'job-row', jobId: String(j.id), state: j.state } },
    h('td', {}, h('button', { type: 'button', class: 'link', 'aria-label': `Open job ${j.id}` }, `#${j.id}`)),
    stateCell(j),
    h('td', { class: 'cmd', title: cmdText(j.command) }, rerunLink(j),
      j.queue && j.queue !== 'default' ? h('span', { class: 'tag', title: `queue ${j.queue}`, dataset: { testid: 'job-queue' } }, j.queue) : null,
      j.name ? h('span', { class: 'job-name' }, j.name) : null,
      tagsOf(j).map((t) => h('span', { class: 'tag', title: `tag ${t}`, dataset: { testid: 'job-tag' } }, t)),
      h('code', {}, cmdText(j.command))),
    h('td', { class: 'wide' }, j.batch_id ?? '—'),
    workerCell(j),
    h('td', { class: 'num' }, fmtMs(j.queue_ms)),
    h('td', { class: 'num' }, fmtMs(j.run_ms)),
    h('td', { class: 'num' }, j.exit_code ?? (j.signal != null ? `sig ${j.signal}` : '—')),
    h('td', { class: 'wide muted' }, fmtClock(parseTime(j.created_at))));
}

function renderRows(jobs) {
  const next = new Map();
  for (const j of jobs) {
    const key = rowKey(j);
    const old = shown.get(j.id);
    next.set(j.id, old && old.key === key ? old : { key, tr: jobRow(j) });
  }
  const rows = [...next.values()].map((r) => r.tr);
  const same = rows.length > 0 && rows.length === el.body.children.length && rows.every((tr, i) => el.body.children[i] === tr);
  if (!same) el.body.replaceChildren(...(rows.length ? rows : [emptyRow('No jobs match.')]));
  shown = next;
  el.older.disabled = !nextUrl;
  el.newer.disabled = history.length === 0;
  el.newest.disabled = history.length === 0;
  setText(el.info, `page ${history.length + 1}${jobs.length ? ` · #${jobs[0].id}–#${jobs[jobs.length - 1].id}` : ''}`);
  if (!loaded) {
    loaded = true;
    opts.onFirstRender();
  }
}
