// Scale check (not in the default run): seed 100,000 `true` jobs through POST /v1/batches (10 × 10,000, --workers 2),
// wait until all ran, then measure the dashboard's first render in Chromium (navigation start → counts and jobs
// table rendered, the page's `jobd:first-render` mark). Env: JOBS (100000), BATCH (10000), RUNS (3), JOBD_BIN;
// JOBD_URL (+ JOBD_TOKEN) measures an already running, already seeded jobd instead (after its queue drains).
// Usage: node tests/e2e/scale.mjs

import { startJobd, makeApi, until } from './lib/jobd.mjs';
import { launch } from './lib/browser.mjs';

const JOBS = Number(process.env.JOBS || 100000);
const BATCH = Number(process.env.BATCH || 10000);
const RUNS = Number(process.env.RUNS || 3);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function seed(api, submit) {
  const t0 = Date.now();
  for (let n = 0; submit && n < JOBS; n += BATCH) {
    const size = Math.min(BATCH, JOBS - n);
    await api.post('/v1/batches', { name: `seed-${n / BATCH + 1}`, jobs: Array.from({ length: size }, () => ({ command: ['true'] })) });
  }
  const submitted = Date.now();
  await until('every seeded job to finish', async () => {
    const s = await api.get('/v1/stats');
    return s.counts.queued === 0 && s.counts.running === 0;
  }, 30 * 60 * 1000, 1000);
  const done = Date.now();
  const s = await api.get('/v1/stats');
  if (submit) {
    console.log(`seeded ${JOBS} jobs: submitted in ${(submitted - t0) / 1000} s, all finished after ${(done - t0) / 1000} s` +
      ` (${Math.round(JOBS / ((done - t0) / 1000))} jobs/s)`);
  }
  console.log(`counts ${JSON.stringify(s.counts)}`);
}

// One cold page load in a fresh tab: ms from navigation start to the first-render mark, and to the load event.
async function measure(ctx, url) {
  const page = await ctx.newPage();
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]', { state: 'attached', timeout: 60000 });
  const m = await page.evaluate(() => ({
    firstRender: performance.getEntriesByName('jobd:first-render')[0].startTime,
    domContentLoaded: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
    rows: document.querySelectorAll('[data-testid="job-row"]').length,
  }));
  // Responsiveness: a page of older jobs and a state filter, each timed until rendered.
  let t = Date.now();
  const top = await page.getAttribute('[data-testid="job-row"]', 'data-job-id');
  await page.click('[data-testid="jobs-older"]');
  await page.waitForFunction((id) => document.querySelector('[data-testid="job-row"]')?.dataset.jobId !== id, top);
  m.olderPage = Date.now() - t;
  t = Date.now();
  await page.selectOption('[data-testid="filter-state"]', 'succeeded');
  await page.waitForFunction(() => document.querySelector('[data-testid="jobs-page"]').textContent.startsWith('page 1'));
  m.filter = Date.now() - t;
  await page.close();
  return m;
}

const jobd = process.env.JOBD_URL
  ? { url: process.env.JOBD_URL, api: makeApi(process.env.JOBD_URL, process.env.JOBD_TOKEN), stop: async () => {} }
  : await startJobd({ workers: 2 });
let browser;
try {
  await seed(jobd.api, !process.env.JOBD_URL);
  browser = await launch();
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await measure(browser.ctx, jobd.url));
  for (const r of runs) {
    console.log(`first render ${r.firstRender.toFixed(0)} ms (DOMContentLoaded ${r.domContentLoaded.toFixed(0)} ms, ` +
      `${r.rows} rows), older page ${r.olderPage} ms, state filter ${r.filter} ms`);
  }
  const total = Object.values((await jobd.api.get('/v1/stats')).counts).reduce((a, b) => a + b, 0);
  console.log(`RESULT: ${total} jobs in the db: first render median ${median(runs.map((r) => r.firstRender)).toFixed(0)} ms ` +
    `over ${RUNS} loads (navigation start → counts and jobs table rendered)`);
  if (browser.errors.length) console.log(`page errors: ${browser.errors.join('; ')}`);
} finally {
  if (browser) await browser.close();
  await jobd.stop();
}
