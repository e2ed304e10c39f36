// Pool lanes + Gantt timeline: one lane per worker slot (live busy/idle, current job, elapsed) with the recent
// jobs it ran drawn as bars against wall time. Hover a bar for the job, click it to open the job. On a cluster the
// lanes are this node's workers, so only jobs that ran on this node are drawn.

import { STATES, h, badge, fmtMs, fmtClock, parseTime, cmdText, jobTitle, stateLabel } from './util.js';
import { model, isLocal, hasSpec } from './model.js';

const FIT_GAP_MS = 10000;
const MIN_SPAN_MS = 1000;
const MAX_SPAN_MS = 600000;
const MAX_BARS_PER_LANE = 150; // each bar costs style and layout at every render while a burst flies
const MANY_LANES = 6; // above this, lanes get compact
const SPEC_AFTER_MS = 500; // a lane's job known only from compact events is read once it has run this long
const STRIPES_AFTER_MS = 1000; // a running bar's stripes move once it has run this long

const STEPS_S = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

let root;
let axis;
let tooltip;
let opts;
let lanes = []; // {row, label, pill, job, done, track, bars: Map}
let windowMode = 'fit';

export function initTimeline(container, tooltipEl, legendEl, options) {
  root = container;
  tooltip = tooltipEl;
  opts = options; // {onOpen(id), needJob(id): a promise, settled once the job was read}
  for (const s of STATES) legendEl.append(h('span', { class: 'legend-item' }, h('i', { class: `sw s-${s}` }), stateLabel(s)));
  root.addEventListener('mouseover', (e) => {
    const bar = e.target.closest('.bar');
    if (bar) showTip(bar, e);
  });
  root.addEventListener('mousemove', (e) => { if (!tooltip.hidden) placeTip(e); });
  root.addEventListener('mouseout', (e) => { if (e.target.closest('.bar')) tooltip.hidden = true; });
  root.addEventListener('click', (e) => {
    const bar = e.target.closest('.bar');
    if (bar) opts.onOpen(Number(bar.dataset.jobId));
  });
}

export function setWindow(mode) { windowMode = mode; }

function buildLanes(size) {
  root.replaceChildren();
  root.classList.toggle('many', size > MANY_LANES);
  axis = h('div', { class: 'tl-axis', 'aria-hidden': 'true' });
  root.append(h('div', { class: 'lane axis-row' }, h('div', { class: 'lane-label' }), axis));
  lanes = [];
  for (let slot = 0; slot < size; slot++) {
    const l = {
      pill: h('span', { class: 'pill idle' }, 'idle'),
      job: h('div', { class: 'lane-job', dataset: { testid: 'lane-job' } }, '—'),
      done: h('div', { class: 'lane-done muted' }),
      track: h('div', { class: 'lane-track', dataset: { testid: 'lane-track' } }),
      bars: new Map(),
    };
    l.label = h('div', { class: 'lane-label' },
      h('div', { class: 'lane-name' }, h('strong', {}, `worker ${slot}`), l.pill), l.job, l.done);
    l.row = h('div', { class: 'lane', role: 'group', 'aria-label': `Worker ${slot}`,
      dataset: { testid: 'lane', slot: String(slot), state: 'idle' } }, l.label, l.track);
    root.append(l.row);
    lanes.push(l);
  }
}

const jobEnd = (j, now) => parseTime(j.finished_at) ?? (j.state === 'running' ? now : null);

// "fit recent": the latest burst of activity — jobs chained back from the newest with idle gaps under FIT_GAP_MS.
function computeRange(placed, now) {
  if (windowMode !== 'fit') return [now - Number(windowMode) * 1000, now];
  if (!placed.length) return [now - 30000, now];
  const spans = placed.map((j) => [parseTime(j.started_at), jobEnd(j, now) ?? parseTime(j.started_at)]);
  spans.sort((x, y) => y[0] - x[0]);
  let end = 0;
  for (const [, e] of spans) end = Math.max(end, e);
  let start = spans[0][0];
  for (const [s, e] of spans) if (e >= start - FIT_GAP_MS) start = Math.min(start, s);
  start = Math.max(start, end - MAX_SPAN_MS);
  if (end - start < MIN_SPAN_MS) {
    const grow = (MIN_SPAN_MS - (end - start)) / 2;
    start -= grow;
    end += grow;
  }
  const pad = (end - start) * 0.03;
  return [start - pad, end + pad];
}

function renderAxis(t0, t1) {
  const width = axis.clientWidth || 600;
  const span = (t1 - t0) / 1000;
  const step = STEPS_S.find((s) => span / s <= width / 120) ?? STEPS_S[STEPS_S.length - 1];
  const ticks = [];
  for (let i = Math.ceil(t0 / 1000 / step); i * step * 1000 <= t1; i++) {
    const t = Math.round(i * step * 1000);
    const whole = t % 1000 === 0 || step >= 1;
    // Sub-second ticks read "+.5"; the first tick always carries the clock so the axis is anchored.
    const label = whole || !ticks.length ? fmtClock(t, !whole) : `+${((t % 1000) / 1000).toFixed(1).slice(1)}`;
    ticks.push(h('span', { class: 'tick', style: `left:${((t - t0) / (t1 - t0)) * 100}%` }, label));
  }
  axis.replaceChildren(...ticks);
}

function renderLaneLabel(l, w, now) {
  const busy = w.state === 'busy';
  l.row.dataset.state = busy ? 'busy' : 'idle';
  l.pill.className = `pill ${busy ? 'busy' : 'idle'}`;
  l.pill.textContent = busy ? 'busy' : 'idle';
  l.done.textContent = `${w.jobs_done ?? 0} done${w.pid ? ` · pid ${w.pid}` : ''}`;
  if (!busy || w.job_id == null) {
    l.job.textContent = 'waiting for work';
    l.job.dataset.jobId = '';
    return;
  }
  const j = model.jobs.get(w.job_id);
  const since = parseTime(w.job_started_at) ?? (j && parseTime(j.started_at));
  l.job.dataset.jobId = String(w.job_id);
  const el = since ? Math.max(0, now - since) : null;
  if (!j || (!hasSpec(j) && el >= SPEC_AFTER_MS)) opts.needJob(w.job_id);
  const elapsed = el === null ? '…' : el < 60000 ? `${(el / 1000).toFixed(1)} s` : fmtMs(el);
  l.job.textContent = `#${w.job_id} ${j ? jobTitle(j) : ''} · ${elapsed}`;
}

function renderBars(l, jobs, t0, t1, now) {
  const seen = new Set();
  for (const j of jobs.slice(-MAX_BARS_PER_LANE)) {
    const s = parseTime(j.started_at);
    const e = jobEnd(j, now) ?? s;
    if (e < t0 || s > t1) continue;
    seen.add(j.id);
    let bar = l.bars.get(j.id);
    if (!bar) {
      bar = h('button', { type: 'button', tabindex: '-1', class: 'bar', dataset: { testid: 'timeline-bar', jobId: String(j.id) } },
        h('span', { class: 'bar-text', 'aria-hidden': 'true' }, `#${j.id}`));
      l.bars.set(j.id, bar);
      l.track.append(bar);
    }
    const left = ((Math.max(s, t0) - t0) / (t1 - t0)) * 100;
    const width = ((Math.min(e, t1) - Math.max(s, t0)) / (t1 - t0)) * 100;
    bar.style.left = `${left}%`;
    bar.style.width = `calc(${width}% - 2px)`;
    // Class, data and label only when they change (a running bar's label has its elapsed time): each write
    // invalidates the bar's style.
    const label = `Job ${j.id} ${jobTitle(j)}, ${stateLabel(j.state)}, ${fmtMs(e - s)}`;
    if (bar.dataset.state !== j.state) {
      bar.className = `bar s-${j.state}`;
      bar.dataset.state = j.state;
      bar.dataset.worker = String(j.worker);
    }
    if (bar.getAttribute('aria-label') !== label) bar.setAttribute('aria-label', label);
    // Stripes move only on jobs that run a while: a burst of short ones would repaint the lanes every frame.
    bar.classList.toggle('long', j.state === 'running' && now - s >= STRIPES_AFTER_MS);
  }
  for (const [id, bar] of l.bars) {
    if (!seen.has(id)) { bar.remove(); l.bars.delete(id); }
  }
}

export function renderTimeline() {
  const w = model.workers;
  if (!w) return;
  if (lanes.length !== w.size) buildLanes(w.size);
  const now = Date.now();
  const perLane = lanes.map(() => []);
  for (const j of model.jobs.values()) {
    if (j.started_at && j.worker != null && perLane[j.worker] && j.state !== 'queued' && isLocal(j)) perLane[j.worker].push(j);
  }
  for (const list of perLane) list.sort((a, b) => parseTime(a.started_at) - parseTime(b.started_at));
  const [t0, t1] = computeRange(perLane.flat(), now);
  renderAxis(t0, t1);
  root.style.setProperty('--now', `${((now - t0) / (t1 - t0)) * 100}%`);
  root.classList.toggle('shows-now', now <= t1);
  lanes.forEach((l, i) => {
    renderLaneLabel(l, w.workers.find((x) => x.slot === i) || { state: 'idle' }, now);
    renderBars(l, perLane[i], t0, t1, now);
  });
}

function showTip(bar, e) {
  const id = Number(bar.dataset.jobId);
  const j = model.jobs.get(id);
  if (!j) return;
  // Known only from compact events: read it, then show it again if the tip is still on this bar.
  if (!hasSpec(j)) {
    opts.needJob(id).then(() => {
      const again = model.jobs.get(id);
      if (again && hasSpec(again) && !tooltip.hidden && tooltip.dataset.jobId === String(id)) showTip(bar, e);
    });
  }
  tooltip.dataset.jobId = String(id);
  const now = Date.now();
  const run = j.run_ms ?? (j.started_at ? now - parseTime(j.started_at) : null);
  tooltip.replaceChildren(
    h('div', { class: 'tip-head' }, h('strong', {}, `#${j.id}`), ' ', badge(j.state)),
    h('div', { class: 'tip-cmd' }, j.name ? `${j.name} — ${cmdText(j.command)}` : cmdText(j.command)),
    h('div', { class: 'muted' }, `worker ${j.worker} · ${fmtClock(parseTime(j.started_at), true)} · run ${fmtMs(run)}`),
    j.exit_code != null ? h('div', { class: 'muted' }, `exit ${j.exit_code}`) : null,
  );
  tooltip.hidden = false;
  placeTip(e);
}

function placeTip(e) {
  const pad = 14;
  const r = tooltip.getBoundingClientRect();
  const x = Math.min(e.clientX + pad, window.innerWidth - r.width - 4);
  const y = e.clientY + pad + r.height > window.innerHeight ? e.clientY - r.height - pad : e.clientY + pad;
  tooltip.style.transform = `translate(${Math.max(4, x)}px, ${Math.max(4, y)}px)`;
}
