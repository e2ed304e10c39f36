// "Cancel all shown" and "Rerun the failed shown" under the jobs table: the table's filter (every page of it, not
// just the one on screen) sent to POST /v1/jobs/cancel or /v1/jobs/rerun, first as a dry run whose counts the
// confirmation states, then for real. The server refuses an empty filter, so "cancel all" waits for one; "rerun
// the failed" is its own filter (state failed) and needs no other, but not against a table filtered to another state.

import { api } from './api.js';
import { confirmAction } from './confirm.js';
import { jobsFilter } from './jobs.js';

let el;
let opts;

export function initBulk(elements, options) {
  el = elements; // {cancel, rerun, msg, filters}
  opts = options; // {onDone(result)}
  el.cancel.addEventListener('click', () => act('cancel'));
  el.rerun.addEventListener('click', () => act('rerun'));
  el.filters.addEventListener('input', updateBulk);
  el.filters.addEventListener('change', updateBulk);
  updateBulk();
}

function filterFor(action) {
  const f = jobsFilter();
  if (action === 'rerun') f.state = 'failed';
  return f;
}

export function updateBulk() {
  if (!el) return; // the table's first load may come before initBulk
  const f = jobsFilter();
  el.cancel.disabled = Object.keys(f).length === 0;
  el.rerun.disabled = f.state != null && f.state !== 'failed';
}

const plural = (n, one) => `${n} ${one}${n === 1 ? '' : 's'}`;

async function act(action) {
  const filter = filterFor(action);
  const done = action === 'cancel' ? 'canceled' : 'rerun';
  el.msg.textContent = '';
  try {
    const dry = await api.post(`/v1/jobs/${action}`, { ...filter, dry_run: true });
    const n = dry[done];
    if (n === 0) {
      el.msg.textContent = action === 'cancel' ? `None of the ${plural(dry.matched, 'job')} shown is still queued or running.`
        : 'No failed job is shown.';
      return;
    }
    const ok = await confirmAction(action === 'cancel'
      ? { title: `Cancel ${plural(n, 'job')}?`, text: `${plural(n, 'job')} of the ${dry.matched} this filter matches (on every page) will be canceled; running ones are stopped.`, ok: `Cancel ${plural(n, 'job')}` }
      : { title: `Rerun ${plural(n, 'failed job')}?`, text: `${plural(n, 'failed job')} this filter matches (on every page) will be submitted again, as one new batch.`, ok: `Rerun ${plural(n, 'job')}` });
    if (!ok) return;
    const res = await api.post(`/v1/jobs/${action}`, filter);
    el.msg.textContent = action === 'cancel' ? `Canceled ${plural(res.canceled, 'job')}.`
      : `Rerun ${plural(res.rerun, 'job')}${res.batch_id != null ? ` as batch #${res.batch_id}` : ''}.`;
    opts.onDone(res);
  } catch (err) {
    if (err.status !== 401) el.msg.textContent = `Could not ${action}: ${err.message}`;
  }
}
