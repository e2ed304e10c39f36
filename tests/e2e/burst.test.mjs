// A burst of trivial jobs with the page open: the page applies the (compact) job events to its model and keeps
// drawing while thousands arrive — the counts climb through many values on the way and reach the final numbers,
// the lanes end idle, and a bar of a job known only from its events still shows its command when hovered.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJobd } from './lib/jobd.mjs';
import { launch, openDashboard, withShot, tid, timelineBars, barPoint } from './lib/browser.mjs';

const N = 2000;
const BURST_TIMEOUT_MS = 180000;

let jobd;
let browser;

before(async () => {
  jobd = await startJobd({ workers: 2 });
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (jobd) await jobd.stop();
});

test(`a burst of ${N} jobs: the counts keep updating on the way and reach the final numbers`, { timeout: BURST_TIMEOUT_MS + 30000 }, async () => {
  const page = await browser.page();
  await withShot(page, 'burst', async () => {
    await openDashboard(page, jobd.url);
    await page.waitForSelector(`${tid('conn')}[data-mode="live"]`);
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid="count-succeeded"]');
      window.seenSucceeded = new Set();
      new MutationObserver(() => window.seenSucceeded.add(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
    });
    await jobd.api.post('/v1/batches', { name: 'burst', jobs: Array.from({ length: N }, (_, i) => ({ command: ['true'], name: `b${i}` })) });
    await page.waitForFunction((n) => document.querySelector('[data-testid="count-succeeded"]').textContent === String(n),
      N, { timeout: BURST_TIMEOUT_MS });
    await page.waitForFunction(() => ['queued', 'running'].every((s) => document.querySelector(`[data-testid="count-${s}"]`).textContent === '0')
      && [...document.querySelectorAll('[data-testid="lane"]')].every((l) => l.dataset.state === 'idle'));
    const seen = await page.evaluate(() => [...window.seenSucceeded]);
    const between = seen.filter((v) => v !== '0' && v !== String(N));
    assert.ok(between.length >= 3, `succeeded count seen only as ${JSON.stringify(seen)}`);
    // Bars are drawn from compact events; hovering one reads the job and shows its name.
    const drawn = await timelineBars(page);
    assert.ok(drawn.length > 0, 'the timeline drew bars');
    const { id } = drawn[drawn.length - 1];
    const at = await barPoint(page, id);
    await page.mouse.move(at.x, at.y);
    await page.waitForFunction((want) => {
      const tip = document.getElementById('tooltip');
      return !tip.hidden && new RegExp(`#${want}\\b.*b\\d+ — true`).test(tip.textContent);
    }, id);
  });
});

test('no uncaught errors in the page', () => {
  assert.deepEqual(browser.errors, []);
});
