// Timeline tests: 8 × sleep 1 on 2 workers give 4 pairs of side-by-side bars (artifacts/timeline.png); the bars
// are drawn on a canvas, and hovering/clicking one finds its job by hit-testing; one lane per worker; the timeline
// redraws while jobs run, at most once per 200 ms; a 2-cpu job is drawn in both lanes; the page also fits a 390 px
// phone screen.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardSession } from './lib/session.mjs';
import { submitForm, withShot, screenshot, tid, waitBars, timelineBars, barPoint } from './lib/browser.mjs';

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
    await waitBars(page, ids, 'succeeded');
    const bars = (await timelineBars(page)).filter((b) => ids.includes(b.id))
      .map((b) => ({ slot: String(b.slot), left: b.x, right: b.x + b.w }));
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

// Hit-testing: the point under the mouse finds the bar drawn there, for a bar on each lane; off the bars, no tip.
test('hovering a drawn bar shows its job, clicking it opens that job', { timeout: 30000 }, () =>
  withShot(page, 'bar-click', async () => {
    const drawn = await timelineBars(page);
    const picks = [drawn.find((b) => b.slot === 0), drawn.find((b) => b.slot === 1)];
    assert.ok(picks.every(Boolean), `a bar on each lane: ${JSON.stringify(drawn)}`);
    for (const bar of picks) {
      const at = await barPoint(page, bar.id);
      await page.mouse.move(at.x, at.y);
      await page.waitForFunction((want) => {
        const tip = document.getElementById('tooltip');
        return !tip.hidden && tip.dataset.jobId === String(want);
      }, bar.id);
      assert.match(await page.textContent('#tooltip'), new RegExp(`#${bar.id}\\b.*sleep 1`));
      await page.mouse.click(at.x, at.y);
      await page.waitForSelector(`${tid('job-detail')}[open]`);
      await page.waitForFunction((want) => document.querySelector('#detail-title').textContent.startsWith(`Job #${want}`), bar.id);
      await page.click(tid('detail-close'));
    }
    const label = await page.locator(`${tid('lane')} .lane-label`).first().boundingBox();
    await page.mouse.move(label.x + label.width / 2, label.y + label.height / 2);
    await page.waitForSelector('#tooltip', { state: 'hidden' });
  }));

test('one lane per worker: the DOM lanes and the canvas lanes both match /v1/workers', { timeout: 30000 }, () =>
  withShot(page, 'lanes', async () => {
    const { size } = await jobd.api.get('/v1/workers');
    assert.equal(size, 2);
    const lanes = await page.$$eval(tid('lane'), (els) => els.map((l) => [l.dataset.slot, l.getAttribute('aria-label')]));
    assert.deepEqual(lanes.map(([slot]) => slot), ['0', '1']);
    for (const [slot, label] of lanes) assert.match(label, new RegExp(`^Worker ${slot}, (idle|busy), \\d+ jobs? on the timeline$`));
    assert.equal(await page.$eval(tid('timeline-canvas'), (c) => c.jobdTimeline.lanes), size);
    assert.ok((await timelineBars(page)).every((b) => b.slot >= 0 && b.slot < size));
  }));

// The mechanism that keeps the page live without costing the machine: while jobs run the timeline redraws (so
// lanes and counts move), never more often than once per RENDER_MS = 200 ms however many events arrive.
test('while jobs run the page redraws, at most every 200 ms', { timeout: 60000 }, () =>
  withShot(page, 'renders', async () => {
    await submitForm(page, { command: 'sleep 1', copies: 6, name: 'rate' });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="lane"][data-state="busy"]').length > 0);
    const c = await page.evaluate(() => {
      const tl = document.querySelector('[data-testid="timeline-canvas"]').jobdTimeline;
      window.rateFrom = { renders: tl.renders, at: performance.now() };
      return window.rateFrom;
    });
    await page.waitForFunction(() => performance.now() - window.rateFrom.at >= 1500, null, { polling: 100 });
    const r = await page.evaluate(() => ({
      renders: document.querySelector('[data-testid="timeline-canvas"]').jobdTimeline.renders - window.rateFrom.renders,
      ms: performance.now() - window.rateFrom.at,
    }));
    assert.ok(r.renders >= 1, `no redraw in ${r.ms} ms while jobs ran (from ${c.renders})`);
    assert.ok(r.renders <= Math.floor(r.ms / 200) + 1, `${r.renders} redraws in ${r.ms.toFixed(0)} ms: more than one per 200 ms`);
  }));

// A multi-core job (cpus: 2) holds both workers: its one job is drawn as a bar in each lane, at the same place, and
// both lanes show it while it runs.
test('a 2-cpu job is drawn across both lanes', { timeout: 30000 }, () =>
  withShot(page, 'cpus', async () => {
    const job = await jobd.api.post('/v1/jobs', { command: 'sleep 0.5', cpus: 2 });
    await waitBars(page, [job.id], 'succeeded');
    const bars = (await timelineBars(page)).filter((b) => b.id === job.id).sort((a, b) => a.slot - b.slot);
    assert.deepEqual(bars.map((b) => b.slot), [0, 1]);
    assert.ok(Math.abs(bars[0].x - bars[1].x) < 1 && Math.abs(bars[0].w - bars[1].w) < 1, JSON.stringify(bars));
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
