// Client-side model: recent jobs (for the timeline and pool lanes), latest workers/stats, throughput samples.

import { FINAL, parseTime } from './util.js';

const MAX_JOBS = 3000;
const MAX_SAMPLES = 120;
const SAMPLE_MS = 1000; // stats are read more often while events flow; the throughput keeps one sample a second

export const model = {
  jobs: new Map(), // id -> job, only recent ones: never the whole table
  workers: null, // GET /v1/workers body
  stats: null, // GET /v1/stats body, or the event stream's `stats` event (the same object)
  statsAt: 0, // when it was read (Date.now()): its uptime_s is as of then
  samples: [], // [clientTimeMs, finished_total]
  nodeNames: new Map(), // cluster only: node id -> name, from every /v1/workers read (a node's id keeps its name)
};

// Cluster (--db postgres://…) only: /v1/workers then carries `node` and `nodes`; a SQLite jobd has neither.
export const clustered = () => Array.isArray(model.workers?.nodes);
export const selfNodeId = () => model.workers?.node?.id ?? null;

export function setWorkers(w) {
  model.workers = w;
  for (const n of w.nodes || []) model.nodeNames.set(n.id, n.name);
}

// The node's name, or null when no /v1/workers read has listed it.
export const nodeName = (id) => model.nodeNames.get(id) ?? null;

// A job of this node's own pool: every job off a cluster; on one, those whose last attempt ran here (or none yet).
export function isLocal(job) {
  const self = selfNodeId();
  return self == null || job.node_id == null || job.node_id === self;
}

// Keep the newest knowledge of a job; a final state never goes back to running (events and polls can race).
// A compact event (/v1/events: the fields a change moves) is merged into what is known, so command, name and the
// rest stay; a job known only from events lacks them (see hasSpec).
export function upsertJob(job) {
  const old = model.jobs.get(job.id);
  if (old && FINAL.has(old.state) && !FINAL.has(job.state) && old.attempts >= job.attempts) return old;
  if (old && job.command === undefined) job = { ...old, ...job };
  model.jobs.set(job.id, job);
  if (model.jobs.size > MAX_JOBS * 1.25) pruneJobs();
  return job;
}

// The job's full JSON was read (GET, a list, a full event): not only a compact event's fields.
export const hasSpec = (job) => job.command !== undefined;

function pruneJobs() {
  const key = (j) => parseTime(j.finished_at) ?? parseTime(j.started_at) ?? Infinity;
  const sorted = [...model.jobs.values()].sort((a, b) => key(b) - key(a));
  model.jobs = new Map(sorted.slice(0, MAX_JOBS).map((j) => [j.id, j]));
}

export function setStats(stats) {
  if (stats !== model.stats) model.statsAt = Date.now();
  model.stats = stats;
  const last = model.samples[model.samples.length - 1];
  if (last && Date.now() - last[0] < SAMPLE_MS) return;
  model.samples.push([Date.now(), stats.finished_total]);
  if (model.samples.length > MAX_SAMPLES) model.samples.shift();
}

// Jobs finished per second over the last `windowS` seconds of samples.
export function throughput(windowS = 10) {
  const s = model.samples;
  if (s.length < 2) return null;
  const last = s[s.length - 1];
  let first = s[0];
  for (let i = s.length - 2; i >= 0; i--) {
    first = s[i];
    if (last[0] - s[i][0] >= windowS * 1000) break;
  }
  const dt = (last[0] - first[0]) / 1000;
  return dt > 0 ? Math.max(0, last[1] - first[1]) / dt : null;
}

// Rate between consecutive samples, for the sparkline.
export function rateSeries() {
  const s = model.samples;
  const out = [];
  for (let i = 1; i < s.length; i++) {
    const dt = (s[i][0] - s[i - 1][0]) / 1000;
    out.push(dt > 0 ? Math.max(0, s[i][1] - s[i - 1][1]) / dt : 0);
  }
  return out;
}
