// Batch view: progress bar stacked by state, counts, makespan / total run time / parallel speedup; live until done.
// "Rerun failures" resubmits the jobs that failed or timed out as a new batch (linked back by rerun_of).

import { STATES, h, fmtMs, fmtDateTime, stateLabel, batchFinished, batchDone, progressBar, fmtSpeedup } from './util.js';
import { api } from './api.js';

const REFRESH_MS = 1000;
const RERUN_STATES = ['failed', 'timed_out'];
let el;
let opts;
let current = null; // {id, batch, timer, rerunning}

export function initBatch(elements, options) {
  el = elements; // {panel, body, showJobs, rerun, msg}
  opts = options; // {onShowJobs(id), onOpenBatch(id), onRerun(batch)}
  el.showJobs.addEventListener('click', () => { if (current) opts.onShowJobs(current.id); });
  el.rerun.addEventListener('click', () => rerunFailures());
}

export const batchId = () => (current ? current.id : null);

export function showBatch(id, initial = null) {
  if (!current || current.id !== id) {
    if (current) clearTimeout(current.timer);
    current = { id, batch: null, timer: null, rerunning: false };
    el.body.replaceChildren(h('p', { class: 'muted' }, `Loading batch #${id}…`));
    el.msg.textContent = '';
    renderRerun();
  }
  el.panel.hidden = false;
  if (initial) render(initial);
  refresh(current);
}

// A job of the shown batch changed: re-read the batch soon.
export function batchJobEvent(job) {
  if (current && job.batch_id === current.id && !current.timer) {
    current.timer = setTimeout(() => refresh(current), 200);
  }
}

async function refresh(cur) {
  clearTimeout(cur.timer);
  cur.timer = null;
  try {
    const b = await api.get(`/v1/batches/${cur.id}`);
    if (current !== cur) return;
    render(b);
  } catch (err) {
    if (current !== cur) return;
    if (err.status === 404) { el.body.replaceChildren(h('p', { class: 'form-msg' }, `No batch #${cur.id}.`)); return; }
  }
  if (current === cur && !cur.timer && !(cur.batch && batchDone(cur.batch) && cur.batch.speedup != null)) {
    cur.timer = setTimeout(() => refresh(cur), REFRESH_MS);
  }
}

function render(b) {
  current.batch = b;
  const total = b.total || 0;
  const finished = batchFinished(b);
  const done = batchDone(b);
  const bar = progressBar(b, { 'aria-label': 'Batch progress', dataset: { testid: 'batch-progress' } });
  const speed = fmtSpeedup(b.speedup);
  const stat = (label, value, testid, extra = {}) => h('div', { class: 'stat' },
    h('span', { class: 'muted' }, label), h('strong', { dataset: { testid, ...extra } }, value));
  el.body.replaceChildren(
    h('p', { class: 'batch-name', dataset: { testid: 'batch-title', batchId: String(b.id) } },
      h('strong', {}, `#${b.id}`), b.name ? ` ${b.name}` : '',
      b.rerun_of == null ? null : h('span', { class: 'muted' }, ' · rerun of ', h('button', {
        type: 'button', class: 'link', dataset: { testid: 'batch-rerun-of' },
        'aria-label': `Open batch ${b.rerun_of}, which this batch reruns`, onclick: () => opts.onOpenBatch(b.rerun_of),
      }, `#${b.rerun_of}`))),
    h('div', { class: 'progress-line' }, bar,
      h('span', { class: 'muted', dataset: { testid: 'batch-done', done: String(done) } }, `${finished} / ${total}${done ? ' · done' : ''}`)),
    h('div', { class: 'chips' }, ...STATES.map((s) => h('span', { class: `chip s-${s}`, dataset: { testid: `batch-count-${s}` } },
      h('i', { class: `sw s-${s}` }), `${stateLabel(s)} ${b.counts[s] || 0}`))),
    h('div', { class: 'summary big' },
      stat('speedup', speed, 'batch-speedup', { value: b.speedup == null ? '' : String(b.speedup) }),
      stat('makespan', fmtMs(b.makespan_ms), 'batch-makespan'),
      stat('total run', fmtMs(b.total_run_ms), 'batch-total-run')),
    h('p', { class: 'muted small' }, `created ${fmtDateTime(b.created_at)}`,
      b.started_at ? ` · started ${fmtDateTime(b.started_at)}` : '',
      b.finished_at ? ` · finished ${fmtDateTime(b.finished_at)}` : ''),
  );
  renderRerun();
}

const failures = (b) => RERUN_STATES.reduce((n, s) => n + (b.counts[s] || 0), 0);

// The button counts the failures so far; disabled while there are none (or while a rerun is being submitted).
function renderRerun() {
  const n = current && current.batch ? failures(current.batch) : 0;
  el.rerun.disabled = n === 0 || current.rerunning;
  el.rerun.textContent = n ? `Rerun failures (${n})` : 'Rerun failures';
  el.rerun.title = n ? `Submit the ${n} failed or timed-out job${n === 1 ? '' : 's'} again as a new batch`
    : 'No job of this batch failed or timed out';
  el.rerun.dataset.failures = String(n);
}

async function rerunFailures() {
  const cur = current;
  if (!cur || !cur.batch || cur.rerunning) return;
  cur.rerunning = true;
  el.msg.textContent = '';
  renderRerun();
  try {
    const b = await api.post(`/v1/batches/${cur.id}/rerun?state=${RERUN_STATES.join(',')}`, {});
    if (current === cur) opts.onRerun(b);
  } catch (err) {
    if (current !== cur) return;
    el.msg.textContent = err.status === 409 ? 'No job of this batch failed or timed out.' : `Rerun failed: ${err.message}`;
  } finally {
    cur.rerunning = false;
    if (current === cur) renderRerun();
  }
}
