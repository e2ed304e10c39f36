// Dashboard entry point: wires the panels to the API and to live updates (SSE with polling fallback), hash routing
// (#/jobs/{id}, #/batches/{id}, #/schedules/{id}). On a cluster node (jobd on PostgreSQL) it also shows the Nodes
// panel, and keeps polling the job lists: a node's /v1/events carries only the jobs it runs itself.

import { api, onUnauthorized, onReachable } from './api.js';
import { FINAL, throttle, startCountdowns, setText } from './util.js';
import { model, upsertJob, setStats, setWorkers, clustered, isLocal } from './model.js';
import { startLive } from './live.js';
import { initCounts, renderCounts } from './counts.js';
import { initTimeline, renderTimeline, setWindow, jobSlots } from './timeline.js';
import { initNodes, renderNodes } from './nodes.js';
import { initJobs, setFilter, reset as resetJobs, refreshJobs } from './jobs.js';
import { initDetail, openJob, closeDetail, detailJobEvent, detailNodesChanged, openJobId } from './detail.js';
import { initBatch, showBatch, batchJobEvent, batchId } from './batch.js';
import { initBatches, batchesJobEvent, batchesChanged, batchesTick, setOpenBatch } from './batches.js';
import { initSubmit } from './submit.js';
import { initQueues, refreshQueues } from './queues.js';
import { initSchedules, refreshSchedules, showSchedule, addSchedule } from './schedules.js';
import { initScheduleForm } from './schedform.js';
import { initConfirm } from './confirm.js';
import { initBulk, updateBulk } from './bulk.js';
import { initAuth, promptToken } from './auth.js';
import { initDrain, renderDrain, applyDrain } from './drain.js';
import { refreshAccess } from './access.js';
import { onFrameQueued, flushFrame } from './frame.js';

const $ = (id) => document.getElementById(id);
const ANIMATE_MS = 250;
// Events are applied to the model as they come (cheap); the lanes, timeline and counts are drawn at most every
// RENDER_MS however many arrive, in one frame with what the panels' API reads queued meanwhile (frame.js). The
// counts come with the stream (`stats` events, at most every 100 ms while they move); on a cluster, whose counts
// the stream has not, they are re-read every STATS_MS while events flow.
const RENDER_MS = 200;
const STATS_MS = 200;
const ready = { counts: false, table: false };
let live = null;
let jobsDirty = true;
let renderTimer = null;
let lastRender = 0;
const pendingJobs = new Map(); // id -> the GET in flight
const TABLE_REFRESH_MS = 700;
const STALE_BATCH = 20;

const refreshTable = throttle(() => {
  jobsDirty = false;
  refreshJobs();
}, TABLE_REFRESH_MS);

const refreshStats = throttle(() => api.get('/v1/stats').then((s) => { setStats(s); scheduleRender(); }, () => {}), STATS_MS);

function markReady(part) {
  if (ready[part]) return;
  ready[part] = true;
  if (ready.counts && ready.table) {
    performance.mark('jobd:first-render');
    document.documentElement.dataset.ready = 'true';
  }
}

function scheduleRender() {
  if (renderTimer !== null) return;
  renderTimer = setTimeout(() => requestAnimationFrame(() => {
    renderTimer = null;
    lastRender = performance.now();
    flushFrame();
    renderTimeline();
    renderNodes();
    renderCounts();
    renderDrain();
    if (model.stats) markReady('counts');
  }), Math.max(0, lastRender + RENDER_MS - performance.now()));
}

function setConn(mode) {
  const el = $('conn');
  const text = { live: 'live', polling: 'polling', offline: 'jobd unreachable', auth: 'token needed', connecting: 'connecting…' }[mode];
  if (el.dataset.mode === mode) return; // read every second: only a change touches the page
  el.dataset.mode = mode;
  el.querySelector('.conn-text').textContent = text;
}

// A job we know only the id of (e.g. the one a busy worker runs) or only from compact events (no command, no name).
// Resolves once it was read (or could not be).
function needJob(id) {
  if (!pendingJobs.has(id)) {
    pendingJobs.set(id, api.get(`/v1/jobs/${id}`).then((j) => { upsertJob(j); scheduleRender(); })
      .catch(() => {}).finally(() => pendingJobs.delete(id)));
  }
  return pendingJobs.get(id);
}

// A job we hold as running whose worker now runs something else has finished and we missed it: re-read it.
// (On a cluster only this node's jobs: another node's worker slots are not in pool.workers.)
function refetchStale(pool) {
  const onSlot = new Map(pool.workers.map((w) => [w.slot, w.job_id]));
  let n = 0;
  for (const j of model.jobs.values()) {
    if (j.state === 'running' && isLocal(j) && onSlot.get(j.worker) !== j.id && n++ < STALE_BATCH) needJob(j.id);
  }
}

// Cluster: mirror a job event onto its node's busy list too (the Nodes panel), before the next /v1/workers read.
function patchNodes(job) {
  const nodes = model.workers && model.workers.nodes;
  if (!nodes || job.node_id == null) return;
  for (const n of nodes) {
    const runsHere = job.state === 'running' && n.id === job.node_id;
    const had = (n.busy || []).some((b) => b.job_id === job.id);
    if (runsHere === had) continue;
    n.busy = runsHere ? (n.busy || []).filter((b) => b.slot !== job.worker).concat({ slot: job.worker, job_id: job.id })
      : n.busy.filter((b) => b.job_id !== job.id);
    n.busy_count = n.busy.length;
  }
}

// Mirror a job event onto the worker lanes at once, before the next /v1/workers read.
function patchWorkers(job) {
  patchNodes(job);
  if (!isLocal(job)) return; // another node's worker slot
  for (const slot of jobSlots(job)) { // a multi-core job holds several
    const w = model.workers && model.workers.workers.find((x) => x.slot === slot);
    if (!w) continue;
    if (job.state === 'running') Object.assign(w, { state: 'busy', job_id: job.id, job_started_at: job.started_at });
    else if (w.job_id === job.id && FINAL.has(job.state)) Object.assign(w, { state: 'idle', job_id: null });
  }
}

function onJobEvent(job) {
  upsertJob(job);
  patchWorkers(job);
  detailJobEvent(job);
  batchJobEvent(job);
  batchesJobEvent(job);
  refreshTable();
  if (clustered()) refreshStats();
  scheduleRender();
}

// A `stats` event: this node's figures as GET /v1/stats has them (on a cluster the tick reads the cluster's).
function onStatsEvent(stats) {
  if (clustered()) return;
  setStats(stats);
  scheduleRender();
}

// Each read is applied (and rendered) as soon as it arrives: the counts need not wait for the job lists.
// On a cluster every tick is a full one: jobs that other nodes run change without an event on this node's stream.
// While the stream is live the counts come with it: a tick without a `stats` event since says they stayed.
async function onTick(full) {
  if (clustered()) full = true;
  if (!full && model.stats) setStats(model.stats);
  const reads = [
    api.get('/v1/workers').then((w) => {
      setWorkers(w);
      const { size, size_source: src } = w;
      setText($('pool-size'), `· ${size} worker${size === 1 ? '' : 's'}${src ? ` (size from ${src})` : ''}${w.node ? ` on ${w.node.name}` : ''}`);
      refetchStale(w);
      detailNodesChanged();
      if (live) setConn(live.mode);
    }),
    full ? api.get('/v1/stats').then(setStats) : null,
    refreshQueues(),
    refreshSchedules(),
  ];
  if (full) {
    for (const q of ['state=running&limit=500', 'state=succeeded,failed,timed_out,canceled&limit=200']) {
      reads.push(api.get(`/v1/jobs?${q}`).then((r) => r.jobs.forEach(upsertJob)));
    }
  }
  for (const r of reads) r?.then(scheduleRender, () => {});
  if (full || jobsDirty) refreshTable();
  batchesTick(full);
  await Promise.allSettled(reads);
}

function route() {
  const m = location.hash.match(/^#\/(jobs|batches|schedules)\/(\d+)$/);
  setOpenBatch(m && m[1] === 'batches' ? Number(m[2]) : batchId());
  if (m && m[1] === 'jobs') openJob(Number(m[2]));
  else if (m && m[1] === 'batches') {
    closeDetail();
    showBatch(Number(m[2]));
    $('batch-panel').scrollIntoView({ block: 'nearest' });
  } else if (m) {
    closeDetail();
    $('schedules-panel').scrollIntoView({ block: 'nearest' });
    showSchedule(Number(m[2]));
  } else closeDetail();
}

const go = (hash) => { if (location.hash === hash) route(); else location.hash = hash; };

function onTokenSaved() {
  setConn('connecting');
  refreshAccess();
  live.restart();
  resetJobs();
  batchesChanged();
  if (batchId()) showBatch(batchId());
  const id = openJobId();
  if (id) { closeDetail(); go(`#/jobs/${id}`); }
}

function init() {
  initCounts($('counts'), { onPickState: (s) => { setFilter({ state: s }); $('jobs-panel').scrollIntoView({ behavior: 'smooth' }); } });
  initTimeline($('timeline'), $('tooltip'), $('legend'), { onOpen: (id) => go(`#/jobs/${id}`), needJob });
  initNodes({ panel: $('nodes-panel'), list: $('nodes-list'), summary: $('nodes-summary'), status: $('nodes-status') });
  $('tl-window').addEventListener('change', (e) => { setWindow(e.target.value); scheduleRender(); });
  initJobs({
    body: $('jobs-body'), state: $('f-state'), batch: $('f-batch'), schedule: $('f-schedule'), tag: $('f-tag'), clear: $('f-clear'), filters: $('filters'),
    newest: $('pg-newest'), newer: $('pg-newer'), older: $('pg-older'), info: $('pg-info'),
  }, { onOpen: (id) => go(`#/jobs/${id}`), onFirstRender: () => markReady('table'), onFilter: () => updateBulk() });
  initBulk({ cancel: $('bulk-cancel'), rerun: $('bulk-rerun'), msg: $('bulk-msg'), filters: $('filters') },
    { onDone: () => { resetJobs(); batchesChanged(); } });
  initDetail($('detail'), {
    onClose: () => { if (location.hash.startsWith('#/jobs/')) history.replaceState(null, '', location.pathname + location.search); },
    onOpenBatch: (id) => go(`#/batches/${id}`),
    onOpenJob: (id) => go(`#/jobs/${id}`),
    onOpenSchedule: (id) => go(`#/schedules/${id}`),
    onChanged: (job) => { upsertJob(job); jobsDirty = true; scheduleRender(); },
  });
  const openNewBatch = (batch) => { jobsDirty = true; batchesChanged(); showBatch(batch.id, batch); go(`#/batches/${batch.id}`); };
  initBatches({ list: $('batches-list'), msg: $('batches-msg') }, { onOpen: (id) => go(`#/batches/${id}`) });
  initBatch({ panel: $('batch-panel'), body: $('batch-body'), showJobs: $('batch-jobs'), rerun: $('batch-rerun'), msg: $('batch-msg') }, {
    onShowJobs: (id) => { setFilter({ state: '', batch: String(id) }); $('jobs-panel').scrollIntoView({ behavior: 'smooth' }); },
    onOpenBatch: (id) => go(`#/batches/${id}`),
    onRerun: openNewBatch,
  });
  initSubmit($('submit-form'), $('submit-msg'), $('s-limits-set'), { // the queue counts change at once, not at the next tick
    onJob: (job) => { onJobEvent(job); refreshQueues(); go(`#/jobs/${job.id}`); },
    onBatch: (batch) => { refreshQueues(); openNewBatch(batch); },
  });
  initQueues({ list: $('queues-list'), strict: $('queues-strict'), form: $('queue-form'), msg: $('queues-msg'), names: $('queue-names') });
  initConfirm($('confirm-dialog'));
  initSchedules({ body: $('schedules-body'), msg: $('schedules-msg'), count: $('schedules-count'), heading: $('schedules-title') },
    { onOpenJob: (id) => go(`#/jobs/${id}`),
      onShowJobs: (id) => { setFilter({ state: '', schedule: String(id) }); $('jobs-panel').scrollIntoView({ behavior: 'smooth' }); } });
  initScheduleForm({ form: $('schedule-form'), msg: $('schedule-msg'), zones: $('tz-names'), localZone: $('sc-local-zone'), localWrap: $('sc-local-wrap') },
    { onCreated: addSchedule });
  initAuth($('token-dialog'), $('token-button'), onTokenSaved);
  initDrain({ button: $('drain-button'), badge: $('drain-badge') }, () => { refreshStats(); scheduleRender(); });
  refreshAccess();
  onUnauthorized(() => { setConn('auth'); promptToken(true); });
  onReachable((ok) => { if (!ok) setConn('offline'); });

  onFrameQueued(scheduleRender);
  live = startLive({ onJob: onJobEvent, onNode: applyDrain, onStats: onStatsEvent, onTick, onMode: setConn });
  window.addEventListener('hashchange', route);
  route();
  setInterval(() => { if (!document.hidden) scheduleRender(); }, ANIMATE_MS);
  startCountdowns();
}

init();
