// Recent batches on the main page: a batch submitted over plain HTTP (not through the page) shows its progress and
// speedup there, live, without being opened; clicking it opens the batch view. Screenshot artifacts/recent-batches.png.
// The list's reads are coalesced (not one per job event), and it follows batches by polling without the event stream.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardSession } from './lib/session.mjs';
import { until } from './lib/jobd.mjs';
import { openDashboard, withShot, screenshot, tid } from './lib/browser.mjs';

let jobd;
let browser;
let page;
dashboardSession({ workers: 2 }, (s) => ({ jobd, browser, page } = s));

const row = (id) => `${tid('recent-batch')}[data-batch-id="${id}"]`;

// 2 × sleep 1 on 2 workers: an ideal speedup of 2. The machine is shared with other builds and tests, so the
// bound is 1.3 rather than the 1.5 that dashboard.test.mjs asks of a batch run from the form.
test('a batch of 2 × sleep 1 sent with plain HTTP shows 2 / 2 and its speedup in the list, unopened', { timeout: 60000 }, () =>
  withShot(page, 'recent-batches', async () => {
    const b = await jobd.api.post('/v1/batches', { name: 'curl-pair', jobs: [{ command: 'sleep 1' }, { command: 'sleep 1' }] });
    await page.waitForSelector(row(b.id));
    assert.match(await page.textContent(`${row(b.id)} .batch-row-name`), /curl-pair/);
    await page.waitForSelector(`${row(b.id)}[data-done="true"]`, { timeout: 30000 });
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.speedup !== '', row(b.id), { timeout: 10000 });
    const shown = await page.$eval(row(b.id), (li) => ({
      progress: li.querySelector('[data-testid="recent-batch-progress"]').textContent,
      speedup: li.querySelector('[data-testid="recent-batch-speedup"]').textContent,
      value: Number(li.dataset.speedup),
      makespan: li.querySelector('[data-testid="recent-batch-makespan"]').textContent,
      segs: li.querySelectorAll('.progress .seg.s-succeeded').length,
    }));
    assert.match(shown.progress, /^2 \/ 2/);
    assert.ok(shown.value >= 1.3, `speedup in the list is ${shown.value}`);
    assert.match(shown.speedup, /^\d\.\d\d×$/);
    assert.match(shown.makespan, /^\d+\.\d\d s$/);
    assert.equal(shown.segs, 1, 'the bar is all succeeded');
    const api = await jobd.api.get(`/v1/batches/${b.id}`);
    assert.equal(shown.value, api.speedup, 'the list shows the API\'s speedup');
    assert.ok(await page.isHidden(tid('batch-view')), 'the batch view was never opened');

    const path = await screenshot(page.locator(tid('recent-batches')), 'recent-batches.png');
    console.log(`# screenshot: ${path}`);

    await page.click(`${row(b.id)} a`);
    await page.waitForSelector(`${tid('batch-title')}[data-batch-id="${b.id}"]`);
    assert.ok(await page.isVisible(tid('batch-view')));
    assert.equal(await page.evaluate(() => location.hash), `#/batches/${b.id}`);
    await page.waitForSelector(`${row(b.id)} a[aria-current="true"]`);
    await page.waitForSelector(`${tid('batch-speedup')}[data-value]:not([data-value=""])`);
    assert.equal(Number(await page.getAttribute(tid('batch-speedup'), 'data-value')), api.speedup);
    assert.deepEqual(browser.errors, []);
  }));

test('a running batch\'s row follows its jobs live, newest batch first', { timeout: 30000 }, () =>
  withShot(page, 'recent-batches-live', async () => {
    const b = await jobd.api.post('/v1/batches', { jobs: [{ command: ['true'] }, { command: ['sleep', '60'] }] });
    const first = await page.$eval(tid('recent-batches-list'), (ul) => ul.firstElementChild?.dataset.batchId);
    await page.waitForSelector(`${row(b.id)}[data-finished="1"][data-done="false"]`);
    assert.equal(await page.$eval(tid('recent-batches-list'), (ul) => ul.firstElementChild.dataset.batchId), String(b.id),
      `newest first (before it came: ${first})`);
    assert.match(await page.textContent(`${row(b.id)} ${tid('recent-batch-progress')}`), /^1 \/ 2$/);
    assert.equal(await page.textContent(`${row(b.id)} ${tid('recent-batch-speedup')}`), '');
    const sleeper = b.job_ids[1];
    await until('the sleep to run', async () => (await jobd.api.get(`/v1/jobs/${sleeper}`)).state === 'running', 10000);
    await jobd.api.post(`/v1/jobs/${sleeper}/cancel`);
    await page.waitForSelector(`${row(b.id)}[data-done="true"]`, { timeout: 15000 });
    assert.match(await page.textContent(`${row(b.id)} ${tid('recent-batch-progress')}`), /^2 \/ 2 · done$/);
    assert.deepEqual(browser.errors, []);
  }));

test('a batch\'s job events are coalesced: its 120 events make at most about one batches read per second', { timeout: 30000 }, () =>
  withShot(page, 'recent-batches-coalesced', async () => {
    const reads = [];
    const onRequest = (r) => { if (new URL(r.url()).pathname.startsWith('/v1/batches')) reads.push(r.url()); };
    page.on('request', onRequest);
    const t0 = Date.now();
    const b = await jobd.api.post('/v1/batches', { jobs: Array.from({ length: 40 }, () => ({ command: ['true'] })) });
    await page.waitForSelector(`${row(b.id)}[data-done="true"][data-finished="40"]`, { timeout: 20000 });
    const seconds = (Date.now() - t0) / 1000;
    page.off('request', onRequest);
    assert.ok(reads.length <= Math.ceil(seconds) + 2, `${reads.length} reads in ${seconds.toFixed(1)} s: ${reads.join(' ')}`);
  }));

test('without the event stream the list still follows a batch, by polling', { timeout: 30000 }, async () => {
  const polling = await browser.ctx.newPage();
  await polling.route('**/v1/events*', (route) => route.abort());
  await withShot(polling, 'recent-batches-polling', async () => {
    await openDashboard(polling, jobd.url);
    await polling.waitForSelector(`${tid('conn')}[data-mode="polling"]`);
    const b = await jobd.api.post('/v1/batches', { name: 'polled', jobs: [{ command: 'sleep 0.3' }, { command: 'sleep 0.3' }] });
    await polling.waitForSelector(`${row(b.id)}[data-done="true"]`, { timeout: 15000 });
    assert.match(await polling.textContent(`${row(b.id)} ${tid('recent-batch-progress')}`), /^2 \/ 2 · done$/);
    assert.notEqual(await polling.getAttribute(row(b.id), 'data-speedup'), '');
  });
  await polling.close();
  assert.deepEqual(browser.errors, []);
});
