// New-schedule form → POST /v1/schedules: cron, timezone (this browser's zone by default, UTC one click away),
// overlap, catch-up, name, start paused, and the job — its command (shell string or argv JSON) and queue read by
// jobfields.js exactly as the submit form reads them. Every error, the server's included, is shown under the input
// its error.field names ("cron", "timezone", "job.command", …); one naming no input goes to the form's message line.

import { api } from './api.js';
import { h } from './util.js';
import { watchCommandMode, readCommand, readQueue } from './jobfields.js';
import { inputFor, showFieldError, clearFieldErrors } from './formerr.js';

let form;
let msg;
let opts;
const field = (n) => form.elements.namedItem(n);

export const browserZone = () => {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; }
};

// elements: {form, msg, zones (datalist), localZone (button), localWrap}; options: {onCreated(schedule)}
export function initScheduleForm(elements, options) {
  ({ form, msg } = elements);
  opts = options;
  const local = browserZone();
  field('timezone').value = local;
  elements.localZone.textContent = `${local} (this browser)`;
  elements.localZone.dataset.tz = local;
  elements.localWrap.hidden = local === 'UTC';
  form.addEventListener('click', (e) => {
    const pick = e.target.closest('button[data-tz]');
    if (!pick) return;
    field('timezone').value = pick.dataset.tz;
    field('timezone').focus();
  });
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  elements.zones.replaceChildren(...[...new Set([local, 'UTC', ...all])].map((z) => h('option', { value: z })));
  watchCommandMode(form);
  form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
}

function fail(text, input) {
  if (input) showFieldError(input, text);
  else {
    msg.className = 'form-msg';
    msg.textContent = text;
  }
  return null;
}

// The request body, or null after showing what is wrong.
function readBody() {
  const body = { cron: field('cron').value.trim() };
  if (!body.cron) return fail('Enter a cron expression, e.g. */5 * * * * (or 6 fields, seconds first).', field('cron'));
  const tz = field('timezone').value.trim();
  if (tz) body.timezone = tz;
  body.overlap = field('overlap').value;
  body.catch_up = field('catch_up').value;
  const name = field('name').value.trim();
  if (name) body.name = name;
  if (field('paused').checked) body.paused = true;
  const job = {};
  const bad = readCommand(form, job) || readQueue(form, job);
  if (bad) return fail(bad.message, field(bad.name));
  body.job = job;
  return body;
}

async function submit() {
  clearFieldErrors(form);
  msg.textContent = '';
  const body = readBody();
  if (!body) return;
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const s = await api.post('/v1/schedules', body);
    msg.className = 'form-msg ok';
    msg.textContent = `Created schedule #${s.id}${s.paused ? ' (paused)' : ''}.`;
    field('name').value = '';
    opts.onCreated(s);
  } catch (err) {
    const input = inputFor(form, err.field);
    if (err.status === 401) fail('A token is required — enter it and try again.');
    else if (input) fail(err.message, input);
    else fail(`Rejected: ${err.message}${err.field ? ` (${err.field})` : ''}`);
  } finally {
    button.disabled = false;
  }
}
