// Client-side model: recent jobs (for the timeline and pool lanes), latest workers/stats, throughput samples.

import { FINAL, parseTime } from './util.js';

const MAX_JOBS = 3000;
const MAX_SAMPLES = 120;

export const model = {
  jobs: new Map(), // id -> job, only recent ones: never the whole table
  workers: null, // GET /v1/workers body
  stats: null, // GET /v1/stats body
  samples: [], // [clientTimeMs, finished_total]
};

// Keep the newest knowledge of a job; a final state never goes back to running (events and polls can race).
export function upsertJob(job) {
  const old = model.jobs.get(job.id);
  if (old && FINAL.has(old.state) && !FINAL.has(job.state) && old.attempts >= job.attempts) return old;
  model.jobs.set(job.id, job);
  if (model.jobs.size > MAX_JOBS * 1.25) pruneJobs();
  return job;
}

function pruneJobs() {
  const key = (j) => parseTime(j.finished_at) ?? parseTime(j.started_at) ?? Infinity;
  const sorted = [...model.jobs.values()].sort((a, b) => key(b) - key(a));
  model.jobs = new Map(sorted.slice(0, MAX_JOBS).map((j) => [j.id, j]));
}

export function setStats(stats) {
  model.stats = stats;
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
