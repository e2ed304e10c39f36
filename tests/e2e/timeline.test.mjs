// Timeline screenshot test: 8 × sleep 1 on 2 workers give 4 pairs of side-by-side bars (artifacts/timeline.png);
// the page also fits a 390 px phone screen.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardSession } from './lib/session.mjs';
import { submitForm, withShot, screenshot, tid } from './lib/browser.mjs';

let jobd;
let browser;
let page;
dashboardSession({ workers: 2 }, (s) => ({ jobd, browser, page } = s));

test('8 × sleep 1 on 2 workers: 4 pairs of side-by-side bars, saved as artifacts/timeline.png', { timeout: 60000 }, () =>
  withShot(page, 'timeline', async () => {
    const batchId = await submitForm(page, { command: 'sleep 1', copies: 8, name: 'eight' });
    await page.waitForSelector(`${tid('batch-done')}[data-done="true"]`, { timeout: 40000 });
    const { jobs } = await jobd.api.get(`/v1/jobs?batch_id=${batchId}&limit=10`);
    const ids = jobs.map((j) => j.id);
    await page.waitForFunction((want) => want.every((id) => document.querySelector(
      `[data-testid="timeline-bar"][data-job-id="${id}"][data-state="succeeded"]`)), ids);
    const bars = await page.$$eval(tid('timeline-bar'), (els) => els.map((b) => {
      const r = b.getBoundingClientRect();
      return { slot: b.closest('[data-testid="lane"]').dataset.slot, left: r.left, right: r.right };
    }));
    assert.equal(bars.length, 8);
    const lane = (s) => bars.filter((b) => b.slot === s).sort((a, b) => a.left - b.left);
    const [l0, l1] = [lane('0'), lane('1')];
    assert.equal(l0.length, 4);
    assert.equal(l1.length, 4);
    const width = l0[0].right - l0[0].left;
    for (let i = 0; i < 4; i++) {
      assert.ok(Math.abs(l0[i].left - l1[i].left) < width / 2, `pair ${i} side by side: ${l0[i].left} vs ${l1[i].left}`);
      if (i) assert.ok(l0[i].left >= l0[i - 1].right - 1, 'bars on a lane do not overlap');
    }
    await page.mouse.move(0, 0);
    await page.evaluate(() => window.scrollTo(0, 0));
    const path = await screenshot(page.locator(tid('pool')), 'timeline.png');
    console.log(`# screenshot: ${path}`);
  }));

test('hovering a bar shows its job, clicking it opens the job', { timeout: 30000 }, () =>
  withShot(page, 'bar-click', async () => {
    const bar = page.locator(tid('timeline-bar')).first();
    const id = await bar.getAttribute('data-job-id');
    await bar.hover();
    await page.waitForSelector('#tooltip:not([hidden])');
    assert.match(await page.textContent('#tooltip'), new RegExp(`#${id}\\b.*sleep 1`));
    await bar.click();
    await page.waitForSelector(`${tid('job-detail')}[open]`);
    await page.waitForFunction((want) => document.querySelector('#detail-title').textContent.startsWith(`Job #${want}`), id);
    await page.click(tid('detail-close'));
  }));

test('at 390 px wide the page fits the screen and shows lanes, counts and the form', { timeout: 30000 }, () =>
  withShot(page, 'phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth);
    for (const id of ['counts', 'lane', 'submit-form', 'jobs-table']) assert.ok(await page.isVisible(tid(id)), id);
    await screenshot(page, 'phone.png');
    await page.setViewportSize({ width: 1280, height: 900 });
  }));

test('no uncaught errors in the page', () => {
  assert.deepEqual(browser.errors, []);
});
