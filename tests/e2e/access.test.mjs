// Drain and read-only access on the dashboard. With the --read-token saved, the page (told by GET /v1/whoami) shows
// a "read-only" badge and no control that would change anything: every data-mutates element — submit form, cancel
// and rerun in the job detail, batch rerun, drain, queue and schedule controls — is out of sight. With the write
// token the Drain button drains this node: the badge says "draining…" while a job runs, "drained · idle" once it
// ended (live, from the stream's `node` event), and Resume clears it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJobd, until } from './lib/jobd.mjs';
import { launch, openDashboard, waitText, withShot, tid } from './lib/browser.mjs';

const WRITE = 'e2e-write-token';
const READ = 'e2e-read-token';
let jobd;
let browser;
let page;

before(async () => {
  jobd = await startJobd({ workers: 2, token: WRITE, args: ['--read-token', READ] });
  browser = await launch();
  page = await browser.page();
});

after(async () => {
  if (browser) await browser.close();
  if (jobd) await jobd.stop();
});

async function useToken(token) {
  await page.goto(jobd.url);
  await page.evaluate((t) => localStorage.setItem('jobd.token', t), token);
  await openDashboard(page, jobd.url);
}

// The data-mutates elements a person could see (and so click).
const visibleMutating = () => page.evaluate(() => [...document.querySelectorAll('[data-mutates]')]
  .filter((el) => el.getClientRects().length > 0)
  .map((el) => el.dataset.testid || el.id || el.className || el.tagName));

test('with the read token no control that mutates is shown, and the page still reads', { timeout: 60000 }, () =>
  withShot(page, 'access-read', async () => {
    const job = await jobd.api.post('/v1/jobs', { command: ['echo', 'read-me'] });
    const batch = await jobd.api.post('/v1/batches', { jobs: [{ command: ['false'] }] });
    await jobd.api.post('/v1/schedules', { cron: '0 3 * * *', job: { command: ['true'] } });
    await until('the batch to end', async () => (await jobd.api.get(`/v1/batches/${batch.id}`)).finished_at);
    await useToken(READ);
    await page.waitForSelector('html[data-access="read"]', { state: 'attached' });
    assert.ok(await page.isVisible(tid('access-badge')));
    await page.waitForSelector(tid('schedule-row'));
    await page.waitForSelector(tid('queue-row'));
    await page.goto(`${jobd.url}/#/batches/${batch.id}`);
    await page.waitForSelector(tid('batch-view'));
    await page.goto(`${jobd.url}/#/jobs/${job.id}`);
    await waitText(page, tid('detail-stdout'), 'read-me');
    assert.deepEqual(await visibleMutating(), []);
    assert.ok((await page.$$('[data-mutates]')).length >= 8, 'the mutating controls are marked');
  }));

test('with the write token the controls are there, and Drain/Resume follow the node live', { timeout: 60000 }, () =>
  withShot(page, 'access-drain', async () => {
    await useToken(WRITE);
    await page.waitForSelector('html[data-access="write"]', { state: 'attached' });
    assert.ok(!(await page.isVisible(tid('access-badge'))));
    assert.ok(await page.isVisible(tid('submit-form')));
    const running = await jobd.api.post('/v1/jobs', { command: ['sleep', '30'] });
    await until('the job to run', async () => (await jobd.api.get(`/v1/jobs/${running.id}`)).state === 'running');
    await waitText(page, tid('drain-button'), 'Drain');
    await page.click(tid('drain-button'));
    await waitText(page, tid('drain-badge'), 'draining…');
    await waitText(page, tid('drain-button'), 'Resume');
    await jobd.api.post(`/v1/jobs/${running.id}/cancel`);
    await waitText(page, tid('drain-badge'), 'drained · idle');
    await page.click(tid('drain-button'));
    await page.waitForSelector(tid('drain-badge'), { state: 'hidden' });
    await waitText(page, tid('drain-button'), 'Drain');
    assert.equal((await jobd.api.get('/v1/stats')).draining, false);
  }));

test('no uncaught errors in the page', () => {
  assert.deepEqual(browser.errors, []);
});
