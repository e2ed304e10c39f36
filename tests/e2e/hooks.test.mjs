// Browser test of completion webhooks in the job detail view: a job with a notify whose receiver (a local HTTP
// server here) answers 500 once and then 200 shows its delivery, delivered after two attempts (HTTP 500, HTTP 200);
// a job without notify shows no deliveries. Real jobd, 2 workers, short webhook backoff.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { dashboardSession } from './lib/session.mjs';
import { withShot, waitText, tid } from './lib/browser.mjs';

let jobd;
let browser;
let page;
dashboardSession({ workers: 2, args: ['--webhook-backoff', '0.05'] }, (s) => ({ jobd, browser, page } = s));

const codes = [500, 200];
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(codes.length > 1 ? codes.shift() : codes[0]); res.end('ok'); });
});
const listening = new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
after(() => receiver.close());

test('a job with a notify lists its delivery and attempts in the detail view', { timeout: 30000 }, () =>
  withShot(page, 'deliveries', async () => {
    await listening;
    const url = `http://127.0.0.1:${receiver.address().port}/hook`;
    const job = await jobd.api.post('/v1/jobs', { command: 'true', notify: { url } });
    await page.evaluate((id) => { location.hash = `#/jobs/${id}`; }, job.id);
    await page.waitForSelector(`${tid('detail-deliveries')} li[data-state="delivered"]`, { timeout: 15000 });
    await waitText(page, tid('detail-deliveries'), `webhook job.succeeded → ${url}`);
    await waitText(page, tid('detail-deliveries'), '2 attempts: HTTP 500, HTTP 200');
    const plain = await jobd.api.post('/v1/jobs', { command: 'true' });
    await page.evaluate((id) => { location.hash = `#/jobs/${id}`; }, plain.id);
    await page.waitForSelector(`${tid('detail-state')}[data-state="succeeded"]`, { timeout: 15000 });
    assert.equal(await page.isHidden(tid('detail-deliveries')), true);
  }));

test('no uncaught errors', () => {
  assert.equal(browser.errors.length, 0, browser.errors.join('\n'));
});
