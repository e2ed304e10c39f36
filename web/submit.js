// Submit form: a command (shell string or argv JSON array), name, timeout, priority, delay, max attempts, retry
// backoff, queue, resource limits, × N copies (→ POST /v1/batches). Optional fields are only sent when filled.
// The command, queue and limits are read by jobfields.js, which the new-schedule form shares.

import { api } from './api.js';
import { watchCommandMode, readCommand, readQueue, readLimits, watchLimits } from './jobfields.js';
import { inputFor, markInvalid } from './formerr.js';

const MAX_COPIES = 10000;
const MAX_DELAY_S = 366 * 86400; // the server's limits (docs/API.md)
const MAX_ATTEMPTS = 10;
const MAX_BACKOFF_S = 86400;
let form;
let msg;
let opts;
const field = (n) => form.elements.namedItem(n);

export function initSubmit(formEl, msgEl, limitsNote, options) {
  form = formEl;
  msg = msgEl;
  opts = options; // {onJob(job), onBatch(batch)}
  form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  watchCommandMode(form);
  watchLimits(form, limitsNote);
}

// target: the name of the input at fault, or the input itself.
function fail(text, target) {
  msg.textContent = text;
  msg.className = 'form-msg';
  const input = typeof target === 'string' ? field(target) : target;
  if (input) markInvalid(input);
  return null;
}

// Build one job spec from the form, or report what is wrong and return null.
function readSpec() {
  for (const f of form.querySelectorAll('[aria-invalid]')) f.removeAttribute('aria-invalid');
  const spec = {};
  const bad = readCommand(form, spec);
  if (bad) return fail(bad.message, bad.name);
  const name = field('name').value.trim();
  if (name) spec.name = name;
  if (field('timeout').value !== '') {
    const t = Number(field('timeout').value);
    if (!(t > 0)) return fail('Timeout must be a number of seconds > 0.', 'timeout');
    spec.timeout_s = t;
  }
  const p = Number(field('priority').value || 0);
  if (!Number.isInteger(p) || p < -1000 || p > 1000) return fail('Priority must be an integer from −1000 to 1000.', 'priority');
  if (p) spec.priority = p;
  if (!readRetries(spec)) return null;
  const extra = readQueue(form, spec) || readLimits(form, spec);
  return extra ? fail(extra.message, extra.name) : spec;
}

// Delay, max attempts and retry backoff: each only when filled in.
function readRetries(spec) {
  const filled = (n) => field(n).value.trim() !== '';
  if (filled('delay')) {
    const d = Number(field('delay').value);
    if (!(d >= 0 && d <= MAX_DELAY_S)) return fail(`Delay must be a number of seconds from 0 to ${MAX_DELAY_S} (a year).`, 'delay');
    spec.delay_s = d;
  }
  if (filled('attempts')) {
    const a = Number(field('attempts').value);
    if (!Number.isInteger(a) || a < 1 || a > MAX_ATTEMPTS) return fail(`Max attempts must be an integer from 1 to ${MAX_ATTEMPTS}.`, 'attempts');
    spec.max_attempts = a;
  }
  if (filled('backoff')) {
    const b = Number(field('backoff').value);
    if (!(b > 0 && b <= MAX_BACKOFF_S)) return fail(`Retry backoff must be a number of seconds > 0 and ≤ ${MAX_BACKOFF_S}.`, 'backoff');
    spec.retry_backoff_s = b;
  }
  return spec;
}

async function submit() {
  const spec = readSpec();
  if (!spec) return;
  const copies = Number(field('copies').value || 1);
  if (!Number.isInteger(copies) || copies < 1 || copies > MAX_COPIES) {
    fail(`Copies must be an integer from 1 to ${MAX_COPIES}.`, 'copies');
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  msg.className = 'form-msg ok';
  msg.textContent = 'Submitting…';
  try {
    if (copies === 1) {
      const job = await api.post('/v1/jobs', spec);
      msg.textContent = `Submitted job #${job.id}.`;
      opts.onJob(job);
    } else {
      const jobs = Array.from({ length: copies }, (_, i) => (spec.name ? { ...spec, name: `${spec.name}-${i + 1}` } : spec));
      const body = { jobs };
      if (spec.name) body.name = spec.name;
      const batch = await api.post('/v1/batches', body);
      msg.textContent = `Submitted batch #${batch.id} of ${copies} jobs.`;
      opts.onBatch(batch);
    }
  } catch (err) {
    const where = err.field ? ` (${err.field})` : '';
    fail(err.status === 401 ? 'A token is required — enter it and submit again.' : `Rejected: ${err.message}${where}`,
      inputFor(form, err.field));
  } finally {
    button.disabled = false;
  }
}
