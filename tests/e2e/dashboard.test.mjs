// Browser tests of the dashboard against a real jobd (2 workers): batch on two lanes + speedup, stdout, cancel, paging.

import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { dashboardSession } from './lib/session.mjs';
import { until } from './lib/jobd.mjs';
import { submitForm, waitText, withShot, tid, waitBars, timelineBars } from './lib/browser.mjs';

let jobd;
let browser;
let page;
dashboardSession({ workers: 2 }, (s) => ({ jobd, browser, page } = s));

test('a batch of 4 sleep 1 submitted from the form runs on both lanes with speedup > 1.5', { timeout: 60000 }, () =>
  withShot(page, 'batch', async () => {
    await page.waitForSelector(`${tid('lane')}[data-slot="1"]`);
    const batchId = await submitForm(page, { command: 'sleep 1', copies: 4, name: 'e2e-four' });
    await page.waitForSelector(`${tid('batch-title')}[data-batch-id="${batchId}"]`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="lane"][data-state="busy"]').length === 2);
    await page.waitForSelector(`${tid('batch-done')}[data-done="true"]`, { timeout: 30000 });
    const speedup = await page.waitForFunction(() => {
      const v = document.querySelector('[data-testid="batch-speedup"]')?.dataset.value;
      return v ? Number(v) : null;
    }, null, { timeout: 10000 }).then((h) => h.jsonValue());
    assert.ok(speedup > 1.5, `speedup on the page is ${speedup}`);
    assert.match(await page.textContent(tid('batch-speedup')), /×/);

    const { jobs } = await jobd.api.get(`/v1/jobs?batch_id=${batchId}&limit=10`);
    assert.equal(jobs.length, 4);
    const ids = jobs.map((j) => j.id);
    await waitBars(page, ids, 'succeeded');
    const lanes = (await timelineBars(page)).filter((b) => ids.includes(b.id)).map((b) => String(b.slot));
    assert.deepEqual([...new Set(lanes)].sort(), ['0', '1'], 'the batch ran on both worker lanes');
    assert.equal(lanes.filter((s) => s === '0').length, 2);
  }));

test('a job\'s stdout shows in the detail view', { timeout: 30000 }, () =>
  withShot(page, 'stdout', async () => {
    const id = await submitForm(page, { command: 'echo hello-e2e', copies: 1 });
    await page.waitForSelector(`${tid('job-detail')}[open]`);
    await waitText(page, '#detail-title', `Job #${id}`);
    await page.waitForSelector(`${tid('detail-state')}[data-state="succeeded"]`);
    await waitText(page, tid('detail-stdout'), 'hello-e2e');
    await page.click(tid('detail-close'));
    await page.waitForSelector(`${tid('job-detail')}:not([open])`, { state: 'attached' });
  }));

test('an argv JSON array is submitted as argv; a rejected spec shows the API\'s error', { timeout: 30000 }, () =>
  withShot(page, 'argv', async () => {
    await page.check(tid('mode-argv'));
    const id = await submitForm(page, { command: '["sh", "-c", "echo argv-$0", "ok"]', copies: 1 });
    await waitText(page, tid('detail-stdout'), 'argv-ok');
    assert.deepEqual((await jobd.api.get(`/v1/jobs/${id}`)).command, ['sh', '-c', 'echo argv-$0', 'ok']);
    await page.click(tid('detail-close'));

    await page.fill(tid('submit-command'), 'not json');
    await page.click(tid('submit-button'));
    await waitText(page, tid('submit-msg'), 'JSON array');
    await page.check(tid('mode-shell'));
    await page.fill(tid('submit-timeout'), '99999999');
    await page.fill(tid('submit-command'), 'true');
    await page.click(tid('submit-button'));
    await waitText(page, tid('submit-msg'), 'Rejected');
    assert.match(await page.textContent(tid('submit-msg')), /timeout_s/);
    await page.fill(tid('submit-timeout'), '');
  }));

test('stdout is shown live while the job runs', { timeout: 30000 }, () =>
  withShot(page, 'live-stdout', async () => {
    await submitForm(page, { command: 'echo first-line; sleep 2; echo second-line >&2', copies: 1 });
    await waitText(page, tid('detail-stdout'), 'first-line');
    assert.equal(await page.getAttribute(tid('detail-state'), 'data-state'), 'running');
    await waitText(page, tid('detail-stderr'), 'second-line');
    await page.waitForSelector(`${tid('detail-state')}[data-state="succeeded"]`);
    await page.click(tid('detail-close'));
  }));

test('the job view follows output through ?follow=true while the job runs, without re-reading it', { timeout: 30000 }, () =>
  withShot(page, 'follow-stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobd-e2e-follow-'));
    const gate = join(dir, 'go');
    const urls = [];
    const onReq = (r) => urls.push(new URL(r.url()).pathname + new URL(r.url()).search);
    page.on('request', onReq);
    try {
      await submitForm(page, { command: `echo live-one; while [ ! -e ${gate} ]; do sleep 0.02; done; echo live-two`, copies: 1 });
      await waitText(page, tid('detail-stdout'), 'live-one');
      assert.equal(await page.getAttribute(tid('detail-state'), 'data-state'), 'running');
      assert.ok(urls.some((u) => /\/stdout\?follow=true$/.test(u)), `followed: ${urls.join(' ')}`);
      assert.ok(!urls.some((u) => /\/stdout$/.test(u)), `no re-read while running: ${urls.join(' ')}`);
      writeFileSync(gate, '');
      await waitText(page, tid('detail-stdout'), 'live-two');
      await page.waitForSelector(`${tid('detail-state')}[data-state="succeeded"]`);
      assert.equal((await page.textContent(tid('detail-stdout'))).trim(), 'live-one\nlive-two');
    } finally {
      page.off('request', onReq);
      rmSync(dir, { recursive: true, force: true });
    }
    await page.click(tid('detail-close'));
  }));

test('a running job is cancelled from the detail view', { timeout: 30000 }, () =>
  withShot(page, 'cancel', async () => {
    const id = await submitForm(page, { command: 'sleep 30', copies: 1 });
    await page.waitForSelector(`${tid('detail-state')}[data-state="running"]`);
    await page.click(tid('detail-cancel'));
    await page.waitForSelector(`${tid('detail-state')}[data-state="canceled"]`, { timeout: 20000 });
    const job = await jobd.api.get(`/v1/jobs/${id}`);
    assert.equal(job.state, 'canceled');
    await page.waitForSelector(`${tid('job-row')}[data-job-id="${id}"][data-state="canceled"]`);
    await page.click(tid('detail-close'));
  }));

test('the jobs table pages by following next links and filters by batch and state', { timeout: 60000 }, () =>
  withShot(page, 'paging', async () => {
    const batch = await jobd.api.post('/v1/batches', { jobs: Array.from({ length: 30 }, () => ({ command: ['true'] })) });
    await until('30 true jobs', async () => (await jobd.api.get(`/v1/batches/${batch.id}`)).counts.succeeded === 30);
    const listed = []; // every jobs-list response the page got: {path, next}
    const rel = (u) => { const x = new URL(u); return x.pathname + x.search; };
    const onResp = async (r) => {
      if (r.url().includes('/v1/jobs?') && r.ok()) listed.push({ path: rel(r.url()), next: (await r.json()).next });
    };
    page.on('response', onResp);
    await page.selectOption(tid('filter-state'), '');
    await page.fill(tid('filter-batch'), String(batch.id));
    await page.dispatchEvent(tid('filter-batch'), 'change');
    await page.waitForSelector(`${tid('job-row')}[data-job-id="${Math.max(...batch.job_ids)}"]`);
    await page.waitForFunction(() => !document.querySelector('[data-testid="jobs-older"]').disabled);
    await page.click(tid('jobs-older'));
    await page.waitForSelector(`${tid('job-row')}[data-job-id="${Math.min(...batch.job_ids)}"]`);
    page.off('response', onResp);
    const page2 = listed.find((l) => l.path.includes('before_id'));
    assert.ok(page2, 'page 2 was requested');
    assert.ok(listed.some((l) => l.next === page2.path), `page 2 (${page2.path}) is a next link the API gave`);
    const rows = await page.$$eval(tid('job-row'), (trs) => trs.map((tr) => Number(tr.dataset.jobId)));
    assert.ok(rows.every((id) => batch.job_ids.includes(id)) && rows.length === 5, `page 2 rows: ${rows}`);
    await page.click(tid('jobs-newest'));
    await page.selectOption(tid('filter-state'), 'canceled');
    await page.fill(tid('filter-batch'), '');
    await page.dispatchEvent(tid('filter-batch'), 'change');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="job-row"]')];
      return rows.length === 1 && rows[0].dataset.state === 'canceled';
    });
  }));

test('no uncaught errors in the page', () => {
  assert.deepEqual(browser.errors, []);
});
