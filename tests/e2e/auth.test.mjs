// Token test: a jobd started with --token makes the page ask for it; once entered, data loads and submits work.
// Also: no other page may frame the dashboard.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJobd } from './lib/jobd.mjs';
import { launch, submitForm, waitText, withShot, tid } from './lib/browser.mjs';

const TOKEN = 'e2e-secret-token';
let jobd;
let browser;
let page;

before(async () => {
  jobd = await startJobd({ workers: 2, token: TOKEN });
  browser = await launch();
  page = await browser.page();
});

after(async () => {
  if (browser) await browser.close();
  if (jobd) await jobd.stop();
});

test('a 401 opens the token prompt; with the token, data loads', { timeout: 60000 }, () =>
  withShot(page, 'auth', async () => {
    await jobd.api.post('/v1/jobs', { command: ['true'] });
    await page.goto(jobd.url);
    await page.waitForSelector(`${tid('token-dialog')}[open]`);
    assert.equal(await page.getAttribute(tid('conn'), 'data-mode'), 'auth');
    await page.fill(tid('token-input'), TOKEN);
    await page.click(tid('token-save'));
    await page.waitForSelector('html[data-ready="true"]', { state: 'attached' });
    await page.waitForSelector(`${tid('job-row')}[data-job-id="1"]`);
    await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-testid="count-queued"]').textContent));
    assert.equal(await page.evaluate(() => localStorage.getItem('jobd.token')), TOKEN);
    assert.ok(!(await page.isVisible(`${tid('token-dialog')}[open]`)));

    await submitForm(page, { command: 'echo with-token', copies: 1 });
    await waitText(page, tid('detail-stdout'), 'with-token');
    await page.waitForFunction(() => document.querySelector('[data-testid="conn"]').dataset.mode !== 'auth');
  }));

test('the saved token is used after a reload: no prompt', { timeout: 30000 }, () =>
  withShot(page, 'auth-reload', async () => {
    await page.reload();
    await page.waitForSelector('html[data-ready="true"]', { state: 'attached' });
    assert.ok(!(await page.isVisible(`${tid('token-dialog')}[open]`)));
  }));

// Its own browser: the refused frame logs a CSP violation, which `browser.errors` would count.
test('another page cannot frame the dashboard (X-Frame-Options, CSP frame-ancestors)', { timeout: 30000 }, async () => {
  const other = await launch();
  try {
    const p = await other.page();
    await p.setContent(`<iframe src="${jobd.url}/"></iframe>`, { waitUntil: 'domcontentloaded' });
    const frame = await (await p.waitForSelector('iframe')).contentFrame();
    await frame.waitForLoadState('domcontentloaded');
    const framed = Boolean(await frame.$(tid('counts')).catch(() => null));
    assert.equal(framed, false, 'the dashboard rendered inside a foreign page\'s frame');
  } finally {
    await other.close();
  }
});

test('no uncaught errors in the page', () => {
  assert.deepEqual(browser.errors, []);
});
