// Live updates: the page follows /v1/events when the server streams them (its counts too, from `stats` events), and
// falls back to polling on its own when the stream is unavailable (blocked here), with the same results on screen.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJobd } from './lib/jobd.mjs';
import { launch, openDashboard, withShot, tid, waitBars } from './lib/browser.mjs';

let jobd;
let browser;

before(async () => {
  jobd = await startJobd({ workers: 2, token: 'live-token' });
  browser = await launch();
  await (await browser.page()).addInitScript(() => localStorage.setItem('jobd.token', 'live-token'));
});

after(async () => {
  if (browser) await browser.close();
  if (jobd) await jobd.stop();
});

// A job submitted behind the page's back shows up in the table and on a lane, finished.
async function seesJobFinish(page) {
  const job = await jobd.api.post('/v1/jobs', { command: 'sleep 0.3' });
  await page.waitForSelector(`${tid('job-row')}[data-job-id="${job.id}"][data-state="succeeded"]`);
  await waitBars(page, [job.id], 'succeeded');
}

test('with the event stream (coalesced, with stats; the token in its header) the page is live', { timeout: 30000 }, async () => {
  const page = await browser.page();
  const streams = [];
  let statsReads = 0;
  page.on('request', (r) => {
    if (r.url().includes('/v1/events')) streams.push({ url: r.url(), auth: r.headers().authorization });
    if (r.url().includes('/v1/stats')) statsReads++;
  });
  await withShot(page, 'live', async () => {
    await openDashboard(page, jobd.url);
    await page.waitForSelector(`${tid('conn')}[data-mode="live"]`);
    assert.ok(streams.some((s) => /[?&]coalesce=true\b/.test(s.url) && /[?&]stats=true\b/.test(s.url) && s.auth === 'Bearer live-token'),
      `event streams: ${JSON.stringify(streams)}`);
    // Live, the counts come with the stream's `stats` events: no /v1/stats read while a job runs and ends.
    const before = Number(await page.textContent(tid('count-succeeded')));
    statsReads = 0;
    await seesJobFinish(page);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="count-succeeded"]').textContent) === n, before + 1);
    assert.equal(statsReads, 0, 'GET /v1/stats while live');
  });
});

test('without the event stream the page polls and still updates', { timeout: 30000 }, async () => {
  const page = await browser.ctx.newPage();
  await page.route('**/v1/events*', (route) => route.abort());
  await withShot(page, 'polling', async () => {
    await openDashboard(page, jobd.url);
    await page.waitForSelector(`${tid('conn')}[data-mode="polling"]`);
    await seesJobFinish(page);
    assert.equal(await page.getAttribute(tid('conn'), 'data-mode'), 'polling');
  });
  await page.close();
});

test('no uncaught errors in the page', () => {
  assert.deepEqual(browser.errors, []);
});
