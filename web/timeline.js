// Pool lanes + Gantt timeline: one lane per worker slot (live busy/idle, current job, elapsed) with the recent
// jobs it ran drawn as bars against wall time on one <canvas> (a multi-core job in each lane it held) laid over the lane tracks (DOM bars cost Chromium
// style, layout and paint for every bar at every render while a burst flies). Hover a bar for the job, click it to
// open the job (hit-testing on the drawn bars). The lanes stay DOM (role=group, aria-label with what the lane shows);
// the canvas carries `jobdTimeline` (bars(), lanes, renders): what was drawn, for tests. On a cluster the lanes are
// this node's workers, so only jobs that ran on this node are drawn.

import { STATES, h, badge, fmtMs, fmtClock, parseTime, cmdText, jobTitle, stateLabel, setText } from './util.js';
import { model, isLocal, hasSpec } from './model.js';

const FIT_GAP_MS = 10000;
const MIN_SPAN_MS = 1000;
const MAX_SPAN_MS = 600000;
const MAX_BARS_PER_LANE = 400; // drawn, not DOM: the bound is the canvas's draw time, not Chromium's layout
const MANY_LANES = 6; // above this, lanes get compact
const SPEC_AFTER_MS = 500; // a lane's job known only from compact events is read once it has run this long
const BAR_INSET = 7; // px between a track's edge and its bars (4 when lanes are compact)
const BAR_INSET_MANY = 4;
const MIN_BAR_PX = 3;
const LABEL_MIN_PX = 34; // a bar this wide carries its "#id"
const STRIPE_PX = 14; // running bars: diagonal stripes, shifted with the clock (still if the user asks for less motion)
const STILL = window.matchMedia('(prefers-reduced-motion: reduce)');

const STEPS_S = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

let root;
let axis;
let canvas;
let tooltip;
let opts;
let colors = null; // state -> CSS colour, read once from the stylesheet
let lanes = []; // {row, label, pill, job, done, track}
let drawn = []; // bars of the last draw: {id, slot, state, x, y, w, h} in px from the canvas's top left
let tipId = null; // the job whose tooltip shows
let renders = 0;
let geo = null; // geometry(), until a size changes
const resized = new ResizeObserver(() => { geo = null; });
let windowMode = 'fit';

export function initTimeline(container, tooltipEl, legendEl, options) {
  root = container;
  tooltip = tooltipEl;
  opts = options; // {onOpen(id), needJob(id): a promise, settled once the job was read}
  for (const s of STATES) legendEl.append(h('span', { class: 'legend-item' }, h('i', { class: `sw s-${s}` }), stateLabel(s)));
  root.addEventListener('mousemove', (e) => {
    const bar = barAt(e);
    root.classList.toggle('on-bar', Boolean(bar));
    if (!bar) hideTip();
    else if (tipId !== bar.id) showTip(bar.id, e);
    else placeTip(e);
  });
  root.addEventListener('mouseleave', () => { root.classList.remove('on-bar'); hideTip(); });
  root.addEventListener('click', (e) => {
    const bar = barAt(e);
    if (bar) opts.onOpen(bar.id);
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
    };
    l.label = h('div', { class: 'lane-label' },
      h('div', { class: 'lane-name' }, h('strong', {}, `worker ${slot}`), l.pill), l.job, l.done);
    l.row = h('div', { class: 'lane', role: 'group', 'aria-label': `Worker ${slot}`,
      dataset: { testid: 'lane', slot: String(slot), state: 'idle' } }, l.label, l.track);
    root.append(l.row);
    lanes.push(l);
  }
  canvas = h('canvas', { class: 'tl-canvas', 'aria-hidden': 'true', dataset: { testid: 'timeline-canvas' } });
  canvas.jobdTimeline = {
    bars: () => { const r = canvas.getBoundingClientRect(); return drawn.map((b) => ({ ...b, x: b.x + r.left, y: b.y + r.top })); },
    get lanes() { return lanes.length; },
    get renders() { return renders; },
  };
  root.append(canvas);
  resized.disconnect();
  for (const el of [root, axis, ...lanes.map((l) => l.track)]) resized.observe(el);
  geo = null;
}

// The lanes a job's bar goes in: every slot it held (`slots`, a multi-core job's), else its worker's.
export const jobSlots = (j) => (Array.isArray(j.slots) && j.slots.length ? j.slots : [j.worker]);

// A job's bar: its times parsed once per render (Date.parse of thousands of jobs was the render's main cost).
function span(j, now) {
  const s = parseTime(j.started_at);
  return { j, s, e: parseTime(j.finished_at) ?? (j.state === 'running' ? now : s) };
}

// "fit recent": the latest burst of activity — jobs chained back from the newest with idle gaps under FIT_GAP_MS.
function computeRange(placed, now) {
  if (windowMode !== 'fit') return [now - Number(windowMode) * 1000, now];
  if (!placed.length) return [now - 30000, now];
  const spans = [...placed].sort((x, y) => y.s - x.s);
  let end = 0;
  for (const { e } of spans) end = Math.max(end, e);
  let start = spans[0].s;
  for (const { s, e } of spans) if (e >= start - FIT_GAP_MS) start = Math.min(start, s);
  start = Math.max(start, end - MAX_SPAN_MS);
  if (end - start < MIN_SPAN_MS) {
    const grow = (MIN_SPAN_MS - (end - start)) / 2;
    start -= grow;
    end += grow;
  }
  const pad = (end - start) * 0.03;
  return [start - pad, end + pad];
}

function renderLaneLabel(l, w, now, shown) {
  const busy = w.state === 'busy';
  if (l.row.dataset.state !== (busy ? 'busy' : 'idle')) {
    l.row.dataset.state = busy ? 'busy' : 'idle';
    l.pill.className = `pill ${busy ? 'busy' : 'idle'}`;
    l.pill.textContent = busy ? 'busy' : 'idle';
  }
  setText(l.done, `${w.jobs_done ?? 0} done${w.pid ? ` · pid ${w.pid}` : ''}`);
  const label = `Worker ${w.slot ?? lanes.indexOf(l)}, ${busy ? 'busy' : 'idle'}, ${shown} job${shown === 1 ? '' : 's'} on the timeline`;
  if (l.row.getAttribute('aria-label') !== label) l.row.setAttribute('aria-label', label);
  if (!busy || w.job_id == null) {
    setText(l.job, 'waiting for work');
    if (l.job.dataset.jobId !== '') l.job.dataset.jobId = '';
    return;
  }
  const j = model.jobs.get(w.job_id);
  const since = parseTime(w.job_started_at) ?? (j && parseTime(j.started_at));
  if (l.job.dataset.jobId !== String(w.job_id)) l.job.dataset.jobId = String(w.job_id);
  const el = since ? Math.max(0, now - since) : null;
  if (!j || (!hasSpec(j) && el >= SPEC_AFTER_MS)) opts.needJob(w.job_id);
  const elapsed = el === null ? '…' : el < 60000 ? `${(el / 1000).toFixed(1)} s` : fmtMs(el);
  setText(l.job, `#${w.job_id} ${j ? jobTitle(j) : ''} · ${elapsed}`);
}

// Where the axis and the tracks are, in px from the timeline's top left: measured again only after the timeline or
// one of its parts changed size (a ResizeObserver says so), so a render reads no layout.
function geometry() {
  if (geo) return geo;
  const origin = root.getBoundingClientRect();
  const boxOf = (el) => {
    const r = el.getBoundingClientRect();
    return { x: r.left - origin.left + el.clientLeft, y: r.top - origin.top + el.clientTop, width: el.clientWidth, height: el.clientHeight };
  };
  geo = { width: root.clientWidth, height: root.clientHeight, axisBox: boxOf(axis), tracks: lanes.map((l) => boxOf(l.track)) };
  return geo;
}

// The canvas covers the whole timeline (it is transparent but for the axis, the bars and the now line): its size in
// device pixels follows the timeline's; the tracks' boxes say where each lane's bars go.
function fitCanvas(w, hgt) {
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(hgt * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(hgt * dpr);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${hgt}px`;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, hgt);
  return ctx;
}

function stateColors() {
  if (!colors) {
    const css = getComputedStyle(document.documentElement);
    colors = Object.fromEntries(STATES.map((s) => [s, css.getPropertyValue(`--s-${s}`).trim() || '#888']));
    colors.muted = css.getPropertyValue('--muted').trim() || '#888';
  }
  return colors;
}

function drawAxis(ctx, box, t0, t1) {
  const span = (t1 - t0) / 1000;
  const step = STEPS_S.find((s) => span / s <= box.width / 120) ?? STEPS_S[STEPS_S.length - 1];
  ctx.fillStyle = stateColors().muted;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  let first = true;
  for (let i = Math.ceil(t0 / 1000 / step); i * step * 1000 <= t1; i++) {
    const t = Math.round(i * step * 1000);
    const whole = t % 1000 === 0 || step >= 1;
    // Sub-second ticks read "+.5"; the first tick always carries the clock so the axis is anchored.
    const label = whole || first ? fmtClock(t, !whole) : `+${((t % 1000) / 1000).toFixed(1).slice(1)}`;
    first = false;
    ctx.fillText(label, box.x + ((t - t0) / (t1 - t0)) * box.width, box.y + box.height / 2);
  }
}

function drawBars(ctx, slot, box, spans, t0, t1, now) {
  const c = stateColors();
  const inset = lanes.length > MANY_LANES ? BAR_INSET_MANY : BAR_INSET;
  const y = box.y + inset;
  const hgt = Math.max(4, box.height - 2 * inset);
  const px = (t) => box.x + ((t - t0) / (t1 - t0)) * box.width;
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.x, box.y, box.width, box.height);
  ctx.clip();
  ctx.font = '600 11px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  let shown = 0;
  for (const { j, s, e } of spans.slice(-MAX_BARS_PER_LANE)) {
    if (e < t0 || s > t1) continue;
    const x = px(Math.max(s, t0));
    const w = Math.max(MIN_BAR_PX, px(Math.min(e, t1)) - x - 2);
    ctx.fillStyle = c[j.state] || c.queued;
    ctx.fillRect(x, y, w, hgt);
    if (j.state === 'running') {
      ctx.save();
      ctx.beginPath();
      ctx.rect(x, y, w, hgt);
      ctx.clip();
      ctx.beginPath();
      for (let sx = x - hgt - 2 * STRIPE_PX + (STILL.matches ? 0 : (now / 40) % (2 * STRIPE_PX)); sx < x + w; sx += 2 * STRIPE_PX) {
        ctx.moveTo(sx, y + hgt);
        ctx.lineTo(sx + hgt, y);
        ctx.lineTo(sx + hgt + STRIPE_PX, y);
        ctx.lineTo(sx + STRIPE_PX, y + hgt);
        ctx.closePath();
      }
      ctx.fillStyle = '#2563eb';
      ctx.fill();
      ctx.restore();
    }
    if (w >= LABEL_MIN_PX) {
      ctx.fillStyle = j.state === 'running' ? '#eff6ff' : '#0b1020cc';
      ctx.fillText(`#${j.id}`, x + 6, y + hgt / 2, w - 8);
    }
    drawn.push({ id: j.id, slot, state: j.state, x, y, w, h: hgt });
    shown++;
  }
  ctx.restore();
  return shown;
}

export function renderTimeline() {
  const w = model.workers;
  if (!w) return;
  if (lanes.length !== w.size) buildLanes(w.size);
  renders++;
  const now = Date.now();
  const perLane = lanes.map(() => []);
  for (const j of model.jobs.values()) {
    if (!j.started_at || j.worker == null || j.state === 'queued' || !isLocal(j)) continue;
    const sp = span(j, now);
    for (const slot of jobSlots(j)) if (perLane[slot]) perLane[slot].push(sp); // a multi-core job: across its lanes
  }
  for (const list of perLane) list.sort((a, b) => a.s - b.s);
  const [t0, t1] = computeRange(perLane.flat(), now);
  const { width, height, axisBox, tracks } = geometry();
  const ctx = fitCanvas(width, height);
  drawn = [];
  drawAxis(ctx, axisBox, t0, t1);
  const shown = lanes.map((l, i) => drawBars(ctx, i, tracks[i], perLane[i], t0, t1, now));
  if (now <= t1) {
    ctx.fillStyle = '#f8fafc55';
    for (const b of tracks) ctx.fillRect(b.x + ((now - t0) / (t1 - t0)) * b.width, b.y, 2, b.height);
  }
  lanes.forEach((l, i) => renderLaneLabel(l, w.workers.find((x) => x.slot === i) || { state: 'idle', slot: i }, now, shown[i]));
  if (tipId !== null && !drawn.some((b) => b.id === tipId)) hideTip();
}

function barAt(e) {
  if (!canvas) return null;
  const r = canvas.getBoundingClientRect();
  const x = e.clientX - r.left;
  const y = e.clientY - r.top;
  // The last drawn is on top (bars of a lane are drawn oldest first).
  for (let i = drawn.length - 1; i >= 0; i--) {
    const b = drawn[i];
    if (x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h) return b;
  }
  return null;
}

function hideTip() {
  tipId = null;
  tooltip.hidden = true;
}

function showTip(id, e) {
  const j = model.jobs.get(id);
  if (!j) return;
  tipId = id;
  // Known only from compact events: read it, then show it again if the tip is still on this job.
  if (!hasSpec(j)) {
    opts.needJob(id).then(() => {
      const again = model.jobs.get(id);
      if (again && hasSpec(again) && tipId === id) showTip(id, e);
    });
  }
  tooltip.dataset.jobId = String(id);
  const now = Date.now();
  const run = j.run_ms ?? (j.started_at ? now - parseTime(j.started_at) : null);
  tooltip.replaceChildren(
    h('div', { class: 'tip-head' }, h('strong', {}, `#${j.id}`), ' ', badge(j.state)),
    h('div', { class: 'tip-cmd' }, j.name ? `${j.name} — ${cmdText(j.command)}` : cmdText(j.command)),
    h('div', { class: 'muted' }, `worker ${jobSlots(j).join('+')} · ${fmtClock(parseTime(j.started_at), true)} · run ${fmtMs(run)}`),
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
