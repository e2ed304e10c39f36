// Job detail drawer: every field of one job, stdout/stderr (followed live through ?follow=true while it runs, read
// once when it is final, re-read only when the server declines to stream), cancel and rerun buttons,
// when a delayed or retrying job will start, the jobs it waits for (after), the job it reruns, its queue, the
// resource limits it runs under, the schedule that made it, on a cluster the node that ran it, and with a
// notify its webhook deliveries (each with its state and attempts, re-read while one is pending).

import { FINAL, h, badge, fmtMs, fmtDateTime, cmdText, jobWait, waitTag, tagsOf } from './util.js';
import { api } from './api.js';
import { nodeName } from './model.js';

const REFRESH_MS = 1000;
const TIME_FIELDS = new Set(['created_at', 'started_at', 'finished_at', 'next_attempt_at', 'run_at']);
let dlg;
let opts;
let current = null; // {id, job, timer, outputsFinal, follow: AbortController while following, followFailed, ui}
let returnFocus = null;

export function initDetail(dialog, options) {
  dlg = dialog;
  opts = options; // {onClose(), onOpenBatch(id), onOpenJob(id), onOpenSchedule(id), onChanged(job)}
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && dlg.open) closeDetail(); });
}

export const openJobId = () => (current ? current.id : null);

export function openJob(id) {
  if (current && current.id === id && dlg.open) return;
  stop();
  returnFocus = document.activeElement;
  current = { id, job: null, timer: null, outputsFinal: false, follow: null, followFailed: false, ui: build(id) };
  dlg.replaceChildren(current.ui.root);
  if (!dlg.open) dlg.show();
  current.ui.close.focus();
  refresh(current);
}

export function closeDetail() {
  if (!dlg.open) return;
  stop();
  dlg.close();
  if (returnFocus && returnFocus.isConnected) returnFocus.focus();
  opts.onClose();
}

function stop() {
  if (current) {
    clearTimeout(current.timer);
    if (current.follow) current.follow.abort();
  }
  current = null;
}

// Both streams through GET …?follow=true from their start: the server sends the bytes as the job writes them and
// ends the streams once it is final. Then one refresh reads the job and its output as kept (the truncation note).
// A server that declines (503 with too many followers) leaves it to the re-reads.
function startFollow(cur) {
  const ctl = new AbortController();
  cur.follow = ctl;
  const one = (name, pre, note) => {
    pre.textContent = '';
    pre.classList.add('empty');
    note.textContent = '';
    return api.stream(`/v1/jobs/${cur.id}/${name}?follow=true`, (piece) => appendOut(pre, piece), ctl.signal);
  };
  Promise.all([one('stdout', cur.ui.stdout, cur.ui.outNote), one('stderr', cur.ui.stderr, cur.ui.errNote)])
    .catch(() => { cur.followFailed = true; ctl.abort(); })
    .finally(() => {
      if (current !== cur || cur.follow !== ctl) return;
      cur.follow = null;
      clearTimeout(cur.timer);
      refresh(cur);
    });
}

// A new /v1/workers read may name the open job's node: redraw its control line (only if that changed).
export function detailNodesChanged() {
  if (current && current.job) renderControl(current.ui.control, current.job);
}

// A live event for the open job: show the state at once. Events are compact: merged into the job read, and a final
// one re-reads the job (its CPU, memory and output) now rather than at the next refresh.
export function detailJobEvent(job) {
  if (!current || job.id !== current.id || !current.job) return;
  current.job = { ...current.job, ...job };
  render(current);
  if (FINAL.has(job.state)) {
    const cur = current;
    clearTimeout(cur.timer);
    cur.timer = setTimeout(() => refresh(cur), 0);
  }
}

function build(id) {
  const ui = {
    title: h('h2', { id: 'detail-title' }, `Job #${id}`),
    close: h('button', { type: 'button', class: 'ghost', dataset: { testid: 'detail-close' }, onclick: closeDetail }, 'Close'),
    state: h('span', { dataset: { testid: 'detail-state' } }, '…'),
    cancel: h('button', { type: 'button', class: 'danger', dataset: { testid: 'detail-cancel', mutates: '' }, onclick: () => cancel() }, 'Cancel job'),
    rerun: h('button', {
      type: 'button', dataset: { testid: 'detail-rerun', mutates: '' }, hidden: true, onclick: () => rerun(),
      title: 'Submit a new job with this job\'s spec',
    }, 'Rerun'),
    batch: h('button', { type: 'button', class: 'ghost', hidden: true }, 'Open batch'),
    rerunOf: h('button', { type: 'button', class: 'link', dataset: { testid: 'detail-rerun-of' }, hidden: true }),
    control: h('p', { class: 'control-line', dataset: { testid: 'detail-control' } }),
    wait: h('p', { class: 'wait-line', dataset: { testid: 'detail-wait' }, hidden: true }),
    after: h('p', { class: 'wait-line after-line', dataset: { testid: 'detail-after' }, hidden: true }),
    msg: h('p', { class: 'form-msg', role: 'alert' }),
    error: h('p', { class: 'job-error', dataset: { testid: 'detail-error' }, hidden: true }),
    cmd: h('pre', { class: 'cmdline', dataset: { testid: 'detail-command' } }),
    summary: h('div', { class: 'summary' }),
    fields: h('dl', { class: 'fields', dataset: { testid: 'detail-fields' } }),
    stdout: h('pre', { class: 'out', dataset: { testid: 'detail-stdout' }, tabindex: '0', 'aria-label': 'Standard output' }),
    stderr: h('pre', { class: 'out err', dataset: { testid: 'detail-stderr' }, tabindex: '0', 'aria-label': 'Standard error' }),
    outNote: h('span', { class: 'muted', dataset: { testid: 'detail-stdout-note' } }),
    errNote: h('span', { class: 'muted' }),
    hooks: h('ul', { class: 'hooks', dataset: { testid: 'detail-deliveries' }, hidden: true }),
  };
  ui.root = h('div', { class: 'detail' },
    h('div', { class: 'detail-head' }, ui.title, ui.close),
    h('div', { class: 'row' }, ui.state, ui.cancel, ui.rerun, ui.batch, ui.rerunOf),
    ui.control, ui.wait, ui.after, ui.msg, ui.error, ui.cmd, ui.summary, ui.hooks,
    h('h3', {}, 'stdout ', ui.outNote), ui.stdout,
    h('h3', {}, 'stderr ', ui.errNote), ui.stderr,
    h('details', { open: true }, h('summary', {}, 'All fields'), ui.fields));
  return ui;
}

async function refresh(cur) {
  try {
    const job = await api.get(`/v1/jobs/${cur.id}`);
    if (current !== cur) return;
    cur.job = job;
    opts.onChanged(job);
    render(cur);
    if (job.notify && FINAL.has(job.state)) await refreshHooks(cur);
    if (job.output_purged) {
      showPurged(cur.ui.stdout, cur.ui.outNote, job.stdout_bytes);
      showPurged(cur.ui.stderr, cur.ui.errNote, job.stderr_bytes);
      cur.outputsFinal = true;
    } else if (!cur.outputsFinal && !FINAL.has(job.state) && !cur.followFailed) {
      if (!cur.follow) startFollow(cur);
    } else if (!cur.outputsFinal && !cur.follow) {
      const final = FINAL.has(job.state);
      const [o, e] = await Promise.all([api.text(`/v1/jobs/${cur.id}/stdout`), api.text(`/v1/jobs/${cur.id}/stderr`)]);
      if (current !== cur) return;
      showOut(cur.ui.stdout, cur.ui.outNote, o);
      showOut(cur.ui.stderr, cur.ui.errNote, e);
      cur.outputsFinal = final;
    }
  } catch (err) {
    if (current !== cur) return;
    cur.ui.msg.textContent = err.status === 404 ? `No job #${cur.id}.` : `Could not load: ${err.message}`;
    if (err.status === 404) return;
  }
  if (current === cur && !(cur.job && FINAL.has(cur.job.state) && cur.outputsFinal && !cur.hooksPending)) {
    cur.timer = setTimeout(() => refresh(cur), REFRESH_MS);
  }
}

// "webhook job.succeeded → https://… delivered · 3 attempts: HTTP 500, HTTP 500, HTTP 200".
async function refreshHooks(cur) {
  const { deliveries } = await api.get(`/v1/jobs/${cur.id}/deliveries`);
  if (current !== cur) return;
  cur.hooksPending = deliveries.some((d) => d.state === 'pending');
  cur.ui.hooks.hidden = deliveries.length === 0;
  cur.ui.hooks.replaceChildren(...deliveries.map((d) => h('li', { dataset: { state: d.state } },
    `webhook ${d.event} → ${d.url} `, badge(d.state),
    ` · ${d.attempts.length} attempt${d.attempts.length === 1 ? '' : 's'}`,
    d.attempts.length ? `: ${d.attempts.map((a) => (a.status ? `HTTP ${a.status}` : a.error)).join(', ')}` : '',
    d.next_attempt_at ? ` · next at ${fmtDateTime(d.next_attempt_at)}` : '')));
}

// Retention (--max-output-disk) deleted the files; the job keeps its byte counts.
function showPurged(pre, note, bytes) {
  pre.textContent = '';
  pre.classList.add('empty');
  note.textContent = `(${bytes ?? 0} bytes, deleted by the server's --max-output-disk bound)`;
}

function showOut(pre, note, { text, truncated }) {
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  if (pre.textContent !== text) pre.textContent = text;
  pre.classList.toggle('empty', text === '');
  note.textContent = truncated ? '(truncated at the output limit)' : '';
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

function appendOut(pre, piece) {
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.append(piece);
  pre.classList.remove('empty');
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

function render(cur) {
  const { job, ui } = cur;
  ui.title.textContent = `Job #${job.id}${job.name ? ` · ${job.name}` : ''}`;
  ui.state.replaceChildren(badge(job.state));
  ui.state.dataset.state = job.state;
  const active = job.state === 'queued' || job.state === 'running';
  ui.cancel.hidden = !active;
  if (job.cancel_requested) { ui.cancel.disabled = true; ui.cancel.textContent = 'Cancelling…'; }
  ui.rerun.hidden = !FINAL.has(job.state);
  ui.batch.hidden = job.batch_id == null;
  ui.rerunOf.hidden = job.rerun_of == null;
  if (job.rerun_of != null) {
    ui.rerunOf.textContent = `Rerun of #${job.rerun_of}`;
    ui.rerunOf.setAttribute('aria-label', `Open job ${job.rerun_of}, which this job reruns`);
    ui.rerunOf.onclick = () => opts.onOpenJob(job.rerun_of);
  }
  renderControl(ui.control, job);
  renderWait(ui.wait, job);
  renderAfter(ui.after, job);
  ui.error.hidden = !job.error;
  ui.error.textContent = job.error || '';
  ui.batch.onclick = () => opts.onOpenBatch(job.batch_id);
  ui.cmd.textContent = `${Array.isArray(job.command) ? '$ ' : 'sh -c '}${Array.isArray(job.command) ? cmdText(job.command) : JSON.stringify(job.command)}`;
  const stat = (k, v) => h('div', { class: 'stat' }, h('span', { class: 'muted' }, k), h('strong', {}, v));
  // A multi-core job says how many slots it holds, and which (its `cpus` and `slots` fields are listed below too).
  const cpus = job.cpus > 1 ? stat('cpus', `${job.cpus}${job.slots ? ` · slots ${job.slots.join(', ')}` : ''}`) : null;
  ui.summary.replaceChildren(stat('waited', fmtMs(job.queue_ms)), stat('run', fmtMs(job.run_ms)),
    stat('cpu user', fmtMs(job.cpu_user_ms)), stat('cpu sys', fmtMs(job.cpu_sys_ms)),
    stat('max rss', job.max_rss_kb == null ? '—' : `${(job.max_rss_kb / 1024).toFixed(1)} MiB`),
    stat('exit', job.exit_code ?? (job.signal != null ? `signal ${job.signal}` : '—')), ...(cpus ? [cpus] : []));
  ui.fields.replaceChildren(...Object.entries(job).flatMap(([k, v]) => [
    h('dt', {}, k),
    h('dd', { dataset: { field: k } }, fieldText(k, v)),
  ]));
}

// "starts in 12 s · runs at <time>" for a delayed job, "retry in 0.7 s · next attempt at <time>" while it backs off.
function renderWait(p, job) {
  const wait = jobWait(job);
  p.hidden = !wait;
  if (!wait) { p.replaceChildren(); delete p.dataset.kind; return; }
  p.dataset.kind = wait.kind;
  const at = wait.kind === 'retry' ? job.next_attempt_at : job.run_at;
  p.replaceChildren(h('strong', {}, waitTag(wait)), ` · ${wait.kind === 'retry' ? 'next attempt' : 'runs'} at ${fmtDateTime(at)}`);
}

const LIMIT_TEXT = {
  memory_mb: (v) => `memory ${v} MiB`, cpu_s: (v) => `CPU ${v} s`, open_files: (v) => `${v} open files`, processes: (v) => `${v} processes`,
};

// "queue batch · limits memory 256 MiB, 64 open files · unique sync (while queued, running) · made by schedule #3
// · node n2 · tags env:prod": limits, the unique key and tags only when set, the node only on a cluster (node_id is
// null on SQLite; named from the last nodes list, else "#id"); redrawn only when it changed, so the schedule button
// keeps focus while the job runs.
function renderControl(p, job) {
  const node = job.node_id == null ? null : nodeName(job.node_id) ?? `#${job.node_id}`;
  const key = JSON.stringify([job.queue, job.limits, job.unique_key, job.unique_while, job.schedule_id, node, job.tags]);
  if (p.jobdKey === key) return;
  p.jobdKey = key;
  const limits = Object.entries(job.limits || {}).filter(([k, v]) => v != null && LIMIT_TEXT[k]);
  p.replaceChildren(...['queue ', h('span', { class: 'tag', dataset: { testid: 'detail-queue' } }, job.queue ?? 'default'),
    limits.length ? [' · limits ', h('span', { dataset: { testid: 'detail-limits' } },
      limits.map(([k, v]) => LIMIT_TEXT[k](v)).join(', '))] : null,
    job.unique_key != null ? [' · unique ', h('span', {
      class: 'tag', dataset: { testid: 'detail-unique' }, title: 'another submit with this key answers this job meanwhile',
    }, job.unique_key), ` (while ${(job.unique_while || []).join(', ')})`] : null,
    job.schedule_id != null ? [' · made by ', h('button', {
      type: 'button', class: 'link', dataset: { testid: 'detail-schedule' },
      'aria-label': `Show schedule ${job.schedule_id}, which made this job`, onclick: () => opts.onOpenSchedule(job.schedule_id),
    }, `schedule #${job.schedule_id}`)] : null,
    node != null ? [' · node ', h('span', {
      dataset: { testid: 'detail-node', nodeId: String(job.node_id) }, title: `node id ${job.node_id}, where its last attempt ran`,
    }, node)] : null,
    tagsOf(job).length ? [' · tags ', ...tagsOf(job).map((t) => h('span', { class: 'tag', dataset: { testid: 'detail-tag' } }, t))] : null,
  ].flat().filter((c) => c != null));
}

// "after #12, #13 (2 unfinished)": each dependency opens its job.
function renderAfter(p, job) {
  const after = job.after || [];
  p.hidden = after.length === 0;
  if (!after.length) { p.replaceChildren(); return; }
  const links = after.flatMap((id, i) => [i ? ', ' : '', h('button', {
    type: 'button', class: 'link', 'aria-label': `Open job ${id}, which job ${job.id} waits for`,
    onclick: () => opts.onOpenJob(id),
  }, `#${id}`)]);
  const left = job.blocked_by ? ` (${job.blocked_by} unfinished)` : '';
  p.replaceChildren('after ', ...links, left);
}

function fieldText(k, v) {
  if (v === null || v === undefined) return 'null';
  if (TIME_FIELDS.has(k)) return `${fmtDateTime(v)} (${v})`;
  if (typeof v === 'object') return JSON.stringify(v);
  if (k.endsWith('_ms') && typeof v === 'number') return `${fmtMs(v)} (${v})`;
  return String(v);
}

async function cancel() {
  const cur = current;
  if (!cur) return;
  cur.ui.cancel.disabled = true;
  cur.ui.msg.textContent = '';
  try {
    const job = await api.post(`/v1/jobs/${cur.id}/cancel`, {});
    if (current !== cur) return;
    cur.job = job;
    opts.onChanged(job);
    render(cur);
    if (!job.cancel_requested) cur.ui.cancel.disabled = false;
  } catch (err) {
    if (current !== cur) return;
    cur.ui.cancel.disabled = false;
    cur.ui.msg.textContent = err.status === 409 ? 'The job had already finished.' : `Cancel failed: ${err.message}`;
  }
}

async function rerun() {
  const cur = current;
  if (!cur) return;
  cur.ui.rerun.disabled = true;
  cur.ui.msg.textContent = '';
  try {
    const job = await api.post(`/v1/jobs/${cur.id}/rerun`, {});
    opts.onChanged(job);
    if (current === cur) opts.onOpenJob(job.id);
  } catch (err) {
    if (current !== cur) return;
    cur.ui.rerun.disabled = false;
    cur.ui.msg.textContent = err.status === 409 ? 'Only a finished job can be rerun.' : `Rerun failed: ${err.message}`;
  }
}
