// Schedules panel: every cron schedule (GET /v1/schedules) with its zone, next run in local time and as a countdown,
// runs, skipped firings, last error and a link to its last job (opens the job detail); pause/resume and delete
// (after a confirmation). app.js re-reads it on every tick; rows are kept per schedule and a cell is redrawn only
// when what it shows changed, so focus on a button survives. #/schedules/{id} picks (highlights) one row.

import { h, setText, syncChildren, fmtDateTime, parseTime, waitTag, cmdText } from './util.js';
import { api } from './api.js';
import { confirmAction } from './confirm.js';

let el; // {body, msg, count, heading}
let opts; // {onOpenJob(id)}
const rows = new Map(); // id -> ui
let picked = null;
let focusPending = false; // #/schedules/{id} before the first list arrived
let loaded = false;
let empty = null;
const deleted = new Set(); // ids deleted here: a list read that was already under way must not bring them back

export function initSchedules(elements, options) {
  el = elements;
  opts = options;
  empty = h('tr', { class: 'empty' }, h('td', { colspan: '8' }, 'No schedules yet — make one with "New schedule" below.'));
}

export async function refreshSchedules() {
  try {
    render((await api.get('/v1/schedules')).schedules);
  } catch (err) {
    if (err.status !== 401 && !loaded) say(`Could not load schedules: ${err.message}`);
  }
}

// A schedule just made by the form: listed at once and picked (focus stays in the form).
export function addSchedule(s) {
  update(rows.get(s.id) || create(s.id), s);
  picked = s.id;
  render([...rows.values()].map((ui) => ui.s));
}

export function showSchedule(id) {
  picked = id;
  focusPending = true;
  applyPick();
}

function say(text, ok = false) {
  el.msg.className = ok ? 'form-msg ok' : 'form-msg';
  el.msg.textContent = text;
}

function render(list) {
  loaded = true;
  const sorted = list.filter((s) => !deleted.has(s.id)).sort((a, b) => a.id - b.id);
  for (const id of [...rows.keys()]) if (!sorted.some((s) => s.id === id)) rows.delete(id);
  const trs = sorted.map((s) => update(rows.get(s.id) || create(s.id), s).tr);
  syncChildren(el.body, trs.length ? trs : [empty]);
  setText(el.count, sorted.length ? `· ${sorted.length}` : '');
  applyPick();
}

function applyPick() {
  for (const ui of rows.values()) {
    const on = ui.id === picked;
    ui.tr.classList.toggle('picked', on);
    if (on) ui.tr.setAttribute('aria-current', 'true');
    else ui.tr.removeAttribute('aria-current');
  }
  if (!focusPending || !loaded) return;
  focusPending = false;
  const ui = rows.get(picked);
  if (ui) {
    ui.tr.focus({ preventScroll: true });
    ui.tr.scrollIntoView({ block: 'nearest' });
  } else say(`There is no schedule #${picked} (any more).`);
}

function create(id) {
  // label: the column's name, shown before the value where a phone screen turns rows into cards
  const td = (cls, testid, label) => h('td', { class: cls, dataset: label ? { testid, label } : { testid } });
  const ui = { id, s: null };
  ui.title = td('sched-title', 'schedule-title');
  ui.zone = td('wide', 'schedule-timezone', 'Zone');
  ui.next = td('', 'schedule-next', 'Next run');
  ui.runs = td('num', 'schedule-runs', 'Runs');
  ui.skipped = td('num', 'schedule-skipped', 'Skipped');
  ui.lastJob = td('', 'schedule-last-job', 'Last job');
  ui.error = td('wide sched-error', 'schedule-error', 'Last error');
  ui.pause = h('button', { type: 'button', dataset: { testid: 'schedule-pause' }, onclick: () => togglePause(ui) });
  ui.del = h('button', {
    type: 'button', class: 'ghost', dataset: { testid: 'schedule-delete' }, 'aria-label': `Delete schedule ${id}`,
    onclick: () => remove(ui),
  }, 'Delete');
  ui.tr = h('tr', { tabindex: '-1', dataset: { testid: 'schedule-row', scheduleId: String(id) } },
    ui.title, ui.zone, ui.next, ui.runs, ui.skipped, ui.lastJob, ui.error,
    h('td', { class: 'actions' }, h('div', { class: 'row', dataset: { mutates: '' } }, ui.pause, ui.del)));
  rows.set(id, ui);
  return ui;
}

// Redraw a cell only when its key changed.
function fill(cell, key, make) {
  if (cell.jobdKey === key) return;
  cell.jobdKey = key;
  cell.replaceChildren(...[make()].flat().filter((c) => c != null));
}

const label = (s) => (s.name ? `"${s.name}"` : `#${s.id} (${s.cron})`);

function update(ui, s) {
  ui.s = s;
  Object.assign(ui.tr.dataset, { paused: String(s.paused), runs: String(s.runs), skipped: String(s.skipped) });
  const queue = s.job.queue && s.job.queue !== 'default' ? s.job.queue : null;
  fill(ui.title, JSON.stringify([s.name, s.cron, s.job.command, queue]), () => [
    s.name ? h('strong', { class: 'sched-name' }, s.name) : null, h('code', { class: 'cron' }, s.cron),
    h('div', { class: 'muted small sched-cmd', title: cmdText(s.job.command) },
      queue ? h('span', { class: 'tag' }, queue) : null, h('code', {}, cmdText(s.job.command)))]);
  fill(ui.zone, s.timezone, () => s.timezone);
  fill(ui.next, `${s.paused} ${s.next_run_at}`, () => {
    if (s.paused) return h('span', { class: 'tag warn' }, 'paused');
    if (!s.next_run_at) return '—';
    return [waitTag({ kind: 'next', at: parseTime(s.next_run_at) }, { class: 'next-in', dataset: { testid: 'schedule-next-in' } }),
      h('span', { class: 'muted small next-at', title: s.next_run_at }, fmtDateTime(s.next_run_at, false))];
  });
  fill(ui.runs, String(s.runs), () => String(s.runs));
  fill(ui.skipped, String(s.skipped), () => String(s.skipped));
  fill(ui.lastJob, String(s.last_job_id), () => (s.last_job_id == null ? '—' : [h('button', {
    type: 'button', class: 'link', dataset: { testid: 'schedule-last-job-link' },
    'aria-label': `Open job ${s.last_job_id}, the last one schedule ${s.id} made`,
    title: s.last_run_at ? `fired ${fmtDateTime(s.last_run_at, false)}` : null,
    onclick: () => opts.onOpenJob(s.last_job_id),
  }, `#${s.last_job_id}`), ' ', h('button', {
    type: 'button', class: 'link small', dataset: { testid: 'schedule-jobs-link' },
    'aria-label': `Show every job schedule ${s.id} made in the jobs table`,
    onclick: () => opts.onShowJobs(s.id),
  }, 'all')]));
  fill(ui.error, String(s.last_error), () => (s.last_error ? h('span', { title: s.last_error }, s.last_error) : '—'));
  setText(ui.pause, s.paused ? 'Resume' : 'Pause');
  ui.pause.setAttribute('aria-label', `${s.paused ? 'Resume' : 'Pause'} schedule ${s.id}`);
  return ui;
}

async function togglePause(ui) {
  const verb = ui.s.paused ? 'resume' : 'pause';
  ui.pause.disabled = true;
  try {
    update(ui, await api.post(`/v1/schedules/${ui.id}/${verb}`, {}));
    say(`Schedule ${label(ui.s)} ${verb === 'pause' ? 'paused' : 'resumed'}.`, true);
  } catch (err) {
    say(`Could not ${verb} schedule #${ui.id}: ${err.message}`);
  } finally {
    ui.pause.disabled = false;
  }
}

async function remove(ui) {
  const ok = await confirmAction({
    title: `Delete schedule ${label(ui.s)}?`,
    text: 'It will make no more jobs. The jobs it already made stay.',
    ok: 'Delete schedule',
  });
  if (!ok) return;
  ui.del.disabled = true;
  try {
    await api.del(`/v1/schedules/${ui.id}`);
    say(`Deleted schedule ${label(ui.s)}.`, true);
  } catch (err) {
    ui.del.disabled = false;
    if (err.status !== 404) { say(`Could not delete schedule #${ui.id}: ${err.message}`); return; }
  }
  deleted.add(ui.id);
  rows.delete(ui.id);
  render([...rows.values()].map((r) => r.s));
  el.heading.focus(); // its row (and the button that had focus) is gone
}
