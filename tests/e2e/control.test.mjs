// Browser tests of queues, schedules and per-job limits on the dashboard: a queue limited to 1 from the Queues panel
// runs its jobs one at a time, a paused one holds its job until resumed; a per-second cron schedule made from the
// Schedules panel fires, opens its last job, stops when paused and goes when deleted; the server's cron error shows
// beside the cron field; a job's queue and limits from the submit form show in its detail view, and a unique job's
// key; a rate-limited queue shows its window's use. Real jobd, 2 workers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardSession } from './lib/session.mjs';
import { until } from './lib/jobd.mjs';
import { submitForm, screenshot, waitText, withShot, tid } from './lib/browser.mjs';

let jobd;
let browser;
let page;
dashboardSession({ workers: 2 }, (s) => ({ jobd, browser, page } = s));

const queueRow = (name) => `${tid('queue-row')}[data-queue="${name}"]`;
const scheduleRow = (id) => `${tid('schedule-row')}[data-schedule-id="${id}"]`;

const closeDetail = async () => {
  await page.click(tid('detail-close'));
  await page.waitForSelector(`${tid('job-detail')}:not([open])`, { state: 'attached' });
};

// Some wall-clock time passes, measured by a job of the default queue that must run meanwhile.
async function jobdRuns(command) {
  const job = await jobd.api.post('/v1/jobs', { command });
  return until(`job ${job.id} to succeed`, async () => (await jobd.api.get(`/v1/jobs/${job.id}`)).state === 'succeeded', 15000);
}

// The status and body of a request that is expected to fail (the lib's client throws on errors).
async function raw(method, path, body) {
  const r = await fetch(jobd.url + path, {
    method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

const openScheduleForm = async () => {
  if (!(await page.$(`${tid('schedule-new')}[open]`))) await page.click(`${tid('schedule-new')} > summary`);
};

test('a queue limited to 1 from the panel runs 3 jobs one at a time; a paused queue holds its job until resumed', { timeout: 45000 }, () =>
  withShot(page, 'queues', async () => {
    await page.fill(tid('queue-new-name'), 'solo');
    await page.click(tid('queue-add'));
    await waitText(page, tid('queues-msg'), 'Queue solo added.');
    const row = queueRow('solo');
    await page.waitForSelector(`${row}[data-concurrency=""]`);
    assert.equal((await page.textContent(`${row} ${tid('queue-limit')}`)).trim(), 'no limit');

    await page.fill(`${row} ${tid('queue-limit-input')}`, '0');
    await page.click(`${row} ${tid('queue-limit-set')}`);
    await waitText(page, `${row} ${tid('queue-msg')}`, 'concurrency must be');
    assert.equal(await page.getAttribute(`${row} ${tid('queue-limit-input')}`, 'aria-invalid'), 'true');
    await page.fill(`${row} ${tid('queue-limit-input')}`, '1');
    await page.click(`${row} ${tid('queue-limit-set')}`);
    await page.waitForSelector(`${row}[data-concurrency="1"]`);
    await waitText(page, `${row} ${tid('queue-msg')}`, 'Limit set to 1.');
    assert.equal((await jobd.api.get('/v1/queues/solo')).concurrency, 1);

    // Sample what the panel shows every 20 ms while the queue works.
    await page.evaluate((sel) => {
      window.soloSeen = { maxRunning: 0, maxQueued: 0 };
      window.soloSampler = setInterval(() => {
        const r = document.querySelector(sel);
        if (!r) return;
        window.soloSeen.maxRunning = Math.max(window.soloSeen.maxRunning, Number(r.dataset.running));
        window.soloSeen.maxQueued = Math.max(window.soloSeen.maxQueued, Number(r.dataset.queued));
      }, 20);
    }, row);
    await page.fill(tid('submit-queue'), 'solo');
    const batchId = await submitForm(page, { command: 'sleep 0.5', copies: 3, name: 'one-at-a-time' });
    await page.fill(tid('submit-queue'), '');
    await until('3 jobs of solo done', async () => (await jobd.api.get(`/v1/batches/${batchId}`)).counts.succeeded === 3, 20000);
    await page.waitForSelector(`${row}[data-running="0"][data-queued="0"]`);
    const seen = await page.evaluate(() => { clearInterval(window.soloSampler); return window.soloSeen; });
    assert.equal(seen.maxRunning, 1, `the panel showed at most 1 running: ${JSON.stringify(seen)}`);
    assert.ok(seen.maxQueued >= 1, `the panel showed jobs waiting: ${JSON.stringify(seen)}`);
    const { jobs } = await jobd.api.get(`/v1/jobs?batch_id=${batchId}&limit=10`);
    assert.ok(jobs.every((j) => j.queue === 'solo'));
    const spans = jobs.map((j) => [Date.parse(j.started_at), Date.parse(j.finished_at)]).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], `job ${i} started before job ${i - 1} ended`);

    await page.click(`${row} ${tid('queue-pause')}`);
    await page.waitForSelector(`${row}[data-paused="true"] ${tid('queue-paused')}:not([hidden])`);
    assert.equal((await page.textContent(`${row} ${tid('queue-pause')}`)).trim(), 'Resume');
    await page.fill(tid('submit-queue'), 'solo');
    const held = await submitForm(page, { command: 'echo held-e2e' });
    await page.fill(tid('submit-queue'), '');
    await page.waitForSelector(`${row}[data-queued="1"]`);
    assert.equal((await page.textContent(`${row} ${tid('queue-queued')}`)).trim(), '1');
    await jobdRuns('sleep 0.3'); // the pool dispatched meanwhile, just not from the paused queue
    assert.equal((await jobd.api.get(`/v1/jobs/${held}`)).state, 'queued');
    assert.equal(await page.getAttribute(tid('detail-state'), 'data-state'), 'queued');
    assert.equal(await page.getAttribute(row, 'data-queued'), '1');
    await closeDetail();

    await page.click(`${row} ${tid('queue-pause')}`);
    await page.waitForSelector(`${row}[data-paused="false"]`);
    await until('the held job to succeed', async () => (await jobd.api.get(`/v1/jobs/${held}`)).state === 'succeeded', 15000);
    await page.waitForSelector(`${tid('job-row')}[data-job-id="${held}"][data-state="succeeded"]`);
    await page.waitForSelector(`${row}[data-queued="0"]`);
  }));

test('a per-second schedule made from the page fires, opens its last job, stops when paused, goes when deleted', { timeout: 45000 }, () =>
  withShot(page, 'schedule', async () => {
    await openScheduleForm();
    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    assert.equal(await page.inputValue(tid('schedule-timezone')), zone, 'the browser\'s zone is the default');
    await page.fill(tid('schedule-cron'), '* * * * * *');
    await page.fill(tid('schedule-name'), 'tick');
    await page.fill(tid('schedule-command'), 'echo tick-e2e');
    await page.click(tid('schedule-create'));
    await waitText(page, tid('schedule-msg'), 'Created schedule #');
    const id = Number((await page.textContent(tid('schedule-msg'))).match(/#(\d+)/)[1]);
    const row = scheduleRow(id);
    await page.waitForSelector(`${row}.picked`);
    assert.match(await page.textContent(`${row} ${tid('schedule-title')}`), /tick\s*\* \* \* \* \* \*\s*echo tick-e2e/);
    assert.equal((await page.textContent(`${row} ${tid('schedule-timezone')}`)).trim(), zone);
    await page.waitForSelector(`${row} ${tid('schedule-next-in')}`);
    assert.match(await page.textContent(`${row} ${tid('schedule-next')}`), /(in \d+(\.\d)? s|due now)\d{1,4}\D\d{1,2}\D\d{1,4} \d\d:\d\d:\d\d$/);

    const runsOnPage = () => page.getAttribute(row, 'data-runs').then(Number);
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.dataset.runs) >= 1, row, { timeout: 10000 });
    const first = await runsOnPage();
    await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel)?.dataset.runs) > n, [row, first], { timeout: 10000 });
    assert.equal((await page.textContent(`${row} ${tid('schedule-runs')}`)).trim(), String(await runsOnPage()));

    const link = `${row} ${tid('schedule-last-job-link')}`;
    const jobId = Number((await page.textContent(link)).slice(1));
    await page.click(link);
    await waitText(page, '#detail-title', `Job #${jobId}`);
    await waitText(page, tid('detail-stdout'), 'tick-e2e');
    await waitText(page, tid('detail-schedule'), `schedule #${id}`);
    assert.equal((await jobd.api.get(`/v1/jobs/${jobId}`)).schedule_id, id);
    await page.click(tid('detail-schedule'));
    await page.waitForSelector(`${tid('job-detail')}:not([open])`, { state: 'attached' });
    assert.equal(await page.evaluate(() => location.hash), `#/schedules/${id}`);
    await page.waitForFunction((sel) => document.activeElement === document.querySelector(sel), row);

    // "all" lists the schedule's jobs in the jobs table (GET /v1/jobs?schedule_id=).
    await page.click(`${row} ${tid('schedule-jobs-link')}`);
    assert.equal(await page.inputValue(tid('filter-schedule')), String(id));
    // The table reloads with the filter: wait until every row shown is one of the schedule's jobs (read the
    // rows first, then the API, so that jobs fired meanwhile are in the API's list too).
    await until('the jobs table to show only the schedule\'s jobs', async () => {
      const shown = await page.$$eval('#jobs-body tr[data-job-id]', (rows) => rows.map((tr) => Number(tr.dataset.jobId)));
      const made = new Set((await jobd.api.get(`/v1/jobs?schedule_id=${id}&limit=500`)).jobs.map((j) => j.id));
      return shown.includes(jobId) && shown.every((j) => made.has(j));
    }, 10000);
    await page.click('#f-clear');

    await page.click(`${row} ${tid('schedule-pause')}`);
    await page.waitForSelector(`${row}[data-paused="true"]`);
    await waitText(page, `${row} ${tid('schedule-next')}`, 'paused');
    const runs = (await jobd.api.get(`/v1/schedules/${id}`)).runs;
    await jobdRuns('sleep 1.5'); // more than one firing's worth of time
    assert.equal((await jobd.api.get(`/v1/schedules/${id}`)).runs, runs, 'no firing while paused');
    assert.equal(await runsOnPage(), runs);

    await page.click(`${row} ${tid('schedule-delete')}`);
    await page.waitForSelector(`${tid('confirm-dialog')}[open]`);
    assert.match(await page.textContent(tid('confirm-dialog')), /Delete schedule "tick"\?/);
    await page.click(tid('confirm-cancel'));
    await page.waitForSelector(`${tid('confirm-dialog')}:not([open])`, { state: 'attached' });
    assert.ok(await page.$(row), 'kept after Cancel');
    await page.click(`${row} ${tid('schedule-delete')}`);
    await page.click(tid('confirm-ok'));
    await page.waitForSelector(row, { state: 'detached' });
    await waitText(page, tid('schedules-msg'), 'Deleted schedule "tick".');
    assert.equal((await raw('GET', `/v1/schedules/${id}`)).status, 404);
    assert.equal((await jobd.api.get(`/v1/jobs/${jobId}`)).schedule_id, id, 'its jobs stay');
    await page.waitForFunction(() => !document.querySelector('[data-testid="schedule-row"]')); // not brought back by a refresh
  }));

test('the server\'s cron and timezone errors show beside their fields', { timeout: 30000 }, () =>
  withShot(page, 'schedule-errors', async () => {
    await openScheduleForm();
    await page.fill(tid('schedule-cron'), '* * * * 99');
    await page.fill(tid('schedule-command'), 'true');
    await page.click(tid('schedule-create'));
    const want = (await raw('POST', '/v1/schedules', { cron: '* * * * 99', job: { command: 'true' } })).body.error;
    assert.equal(want.field, 'cron');
    const cronErr = `${tid('schedule-form')} [data-error-for="cron"]`;
    await waitText(page, cronErr, want.message);
    assert.equal(await page.getAttribute(tid('schedule-cron'), 'aria-invalid'), 'true');
    const errId = await page.getAttribute(cronErr, 'id');
    assert.ok((await page.getAttribute(tid('schedule-cron'), 'aria-describedby')).split(' ').includes(errId));
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'schedule-cron');
    const [cronBox, errBox] = await Promise.all([page.locator(tid('schedule-cron')).boundingBox(), page.locator(cronErr).boundingBox()]);
    assert.ok(errBox.y >= cronBox.y + cronBox.height - 1 && errBox.y - (cronBox.y + cronBox.height) < 20, 'right under the cron field');

    await page.fill(tid('schedule-cron'), '*/5 * * * *');
    await page.fill(tid('schedule-timezone'), 'Mars/Olympus');
    await page.click(tid('schedule-create'));
    await waitText(page, `${tid('schedule-form')} [data-error-for="timezone"]`, 'Mars/Olympus');
    assert.equal(await page.$(cronErr), null, 'the old cron error is gone');
    assert.equal(await page.getAttribute(tid('schedule-cron'), 'aria-invalid'), null);

    await page.fill(tid('schedule-timezone'), 'UTC');
    await page.fill(tid('schedule-command'), '');
    await page.click(tid('schedule-create'));
    await waitText(page, `${tid('schedule-form')} [data-error-for="job.command"]`, 'Enter a command.');
    assert.deepEqual((await jobd.api.get('/v1/schedules')).schedules, [], 'nothing was made');
    await page.click(tid('schedule-tz-utc'));
    await page.fill(tid('schedule-cron'), '');
  }));

test('a job submitted with a queue and limits shows them in its detail view and the table', { timeout: 30000 }, () =>
  withShot(page, 'limits', async () => {
    await page.fill(tid('submit-queue'), 'limited');
    await page.click(`${tid('submit-limits')} > summary`);
    await page.fill(tid('submit-limit-memory'), '256');
    await page.fill(tid('submit-limit-files'), '128');
    await waitText(page, tid('submit-limits-set'), '(2 set)');
    const id = await submitForm(page, { command: 'echo limits-e2e' });
    await waitText(page, '#detail-title', `Job #${id}`);
    await waitText(page, tid('detail-queue'), 'limited');
    assert.equal((await page.textContent(tid('detail-limits'))).trim(), 'memory 256 MiB, 128 open files');
    assert.equal(await page.$(tid('detail-schedule')), null, 'not made by a schedule');
    await page.waitForSelector(`${tid('detail-state')}[data-state="succeeded"]`);
    await waitText(page, tid('detail-stdout'), 'limits-e2e');
    const job = await jobd.api.get(`/v1/jobs/${id}`);
    assert.equal(job.queue, 'limited');
    assert.deepEqual(job.limits, { memory_mb: 256, cpu_s: null, open_files: 128, processes: null });
    await waitText(page, `${tid('job-row')}[data-job-id="${id}"] ${tid('job-queue')}`, 'limited');
    await page.waitForSelector(queueRow('limited'));
    await closeDetail();

    await page.fill(tid('submit-limit-memory'), '1.5');
    await page.fill(tid('submit-command'), 'true');
    await page.click(tid('submit-button'));
    await waitText(page, tid('submit-msg'), 'Memory (MiB) must be a whole number');
    assert.equal(await page.getAttribute(tid('submit-limit-memory'), 'aria-invalid'), 'true');
    await page.fill(tid('submit-limit-memory'), '99999999');
    await page.click(tid('submit-button'));
    await waitText(page, tid('submit-msg'), 'Rejected');
    assert.match(await page.textContent(tid('submit-msg')), /limits\.memory_mb/);
    assert.equal(await page.getAttribute(tid('submit-limit-memory'), 'aria-invalid'), 'true');
    for (const f of ['submit-queue', 'submit-limit-memory', 'submit-limit-files']) await page.fill(tid(f), '');
  }));

test('a unique job shows its key and states in its detail view', { timeout: 30000 }, () =>
  withShot(page, 'unique', async () => {
    const job = await jobd.api.post('/v1/jobs', { command: 'true', unique_key: 'nightly:sync', unique_while: ['queued', 'running', 'succeeded'] });
    await page.click(`${tid('job-row')}[data-job-id="${job.id}"]`);
    await waitText(page, '#detail-title', `Job #${job.id}`);
    await waitText(page, tid('detail-unique'), 'nightly:sync');
    assert.match(await page.textContent(tid('detail-control')), /unique nightly:sync \(while queued, running, succeeded\)/);
    await closeDetail();
  }));

test('a rate-limited queue shows its limit, the window\'s use and when it frees', { timeout: 30000 }, () =>
  withShot(page, 'queue-rate', async () => {
    assert.equal((await raw('PUT', '/v1/queues/metered', { rate: { limit: 1, period_s: 3600 } })).status, 200);
    const job = await jobd.api.post('/v1/jobs', { command: 'true', queue: 'metered' });
    await until(`job ${job.id} to succeed`, async () => (await jobd.api.get(`/v1/jobs/${job.id}`)).state === 'succeeded', 15000);
    await jobd.api.post('/v1/jobs', { command: 'true', queue: 'metered' });
    const rate = `${queueRow('metered')} ${tid('queue-rate')}`;
    await waitText(page, rate, 'rate 1 per 3600 s, 1 used, next at');
    assert.equal((await raw('PUT', '/v1/queues/metered', { rate: null })).status, 200);
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '', rate);
  }));

test('the queues and schedules panels fit 1280 px and 390 px screens', { timeout: 30000 }, () =>
  withShot(page, 'control-layout', async () => {
    await jobd.api.post('/v1/schedules', { cron: '@daily', name: 'nightly report', timezone: 'UTC', job: { command: 'echo report', queue: 'solo' } });
    await jobd.api.post('/v1/schedules', { cron: '*/10 * * * *', paused: true, job: { command: ['sh', '-c', 'exit 0'] } });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="schedule-row"]').length === 2);
    await openScheduleForm();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page.locator(tid('schedules-panel')), 'schedules-1280.png');
    await screenshot(page.locator(tid('queues-panel')), 'queues-1280.png');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth);
    for (const id of ['schedules-panel', 'queues-panel', 'schedule-form']) assert.ok(await page.isVisible(tid(id)), id);
    await screenshot(page.locator(tid('schedules-panel')), 'schedules-390.png');
    await screenshot(page.locator(tid('queues-panel')), 'queues-390.png');
    await page.setViewportSize({ width: 1280, height: 900 });
  }));

test('no uncaught errors in the page', () => {
  assert.deepEqual(browser.errors, []);
});
