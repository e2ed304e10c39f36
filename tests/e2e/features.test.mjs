// Browser tests of issue 8's job control on the dashboard: delayed jobs and retry backoff from the form, rerun of a
// finished job from its detail view, "Rerun failures" of a batch. Real jobd, 2 workers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardSession } from './lib/session.mjs';
import { submitForm, screenshot, waitText, withShot, tid } from './lib/browser.mjs';

let jobd;
let browser;
let page;
dashboardSession({ workers: 2 }, (s) => ({ jobd, browser, page } = s));

const closeDetail = async () => {
  await page.click(tid('detail-close'));
  await page.waitForSelector(`${tid('job-detail')}:not([open])`, { state: 'attached' });
};

const clearOptions = async () => {
  for (const f of ['submit-delay', 'submit-attempts', 'submit-backoff']) await page.fill(tid(f), '');
};

test('the submit form with the delay, attempts and backoff inputs still looks right', { timeout: 30000 }, () =>
  withShot(page, 'form', async () => {
    for (const [testid, label] of [['submit-delay', 'Delay (s)'], ['submit-attempts', 'Max attempts'],
      ['submit-backoff', 'Retry backoff (s)']]) {
      const id = await page.getAttribute(tid(testid), 'id');
      assert.equal((await page.textContent(`label[for="${id}"]`)).trim(), label);
    }
    const boxes = await Promise.all(['submit-name', 'submit-copies', 'submit-delay', 'submit-attempts', 'submit-backoff']
      .map((t) => page.locator(tid(t)).boundingBox()));
    const form = await page.locator(tid('submit-form')).boundingBox();
    for (const b of boxes) assert.ok(b.x >= form.x && b.x + b.width <= form.x + form.width + 0.5, 'input inside the form');
    assert.ok(Math.abs(boxes[2].y - boxes[3].y) < 1, 'delay and max attempts share a row');
    assert.ok(Math.abs(boxes[2].width - boxes[0].width) < 1, 'new inputs as wide as the others');
    await screenshot(page.locator(tid('submit-form')), 'submit-form.png');
  }));

test('a job delayed 2 s from the form waits visibly, then succeeds', { timeout: 30000 }, () =>
  withShot(page, 'delay', async () => {
    await page.fill(tid('submit-delay'), '2');
    const id = await submitForm(page, { command: 'echo delayed-e2e', name: 'later' });
    await clearOptions();
    const job = await jobd.api.get(`/v1/jobs/${id}`);
    assert.equal(job.state, 'queued');
    assert.ok(Date.parse(job.run_at) - Date.parse(job.created_at) >= 1900, `run_at ${job.run_at}`);
    assert.equal(job.next_attempt_at, null);

    await waitText(page, '#detail-title', `Job #${id}`);
    await page.waitForSelector(`${tid('detail-wait')}[data-kind="delay"]:not([hidden])`);
    assert.match(await page.textContent(tid('detail-wait')), /starts in \d+(\.\d)? s · runs at/);
    assert.equal(await page.getAttribute(tid('detail-state'), 'data-state'), 'queued');
    const row = `${tid('job-row')}[data-job-id="${id}"]`;
    await page.waitForSelector(`${row}[data-state="queued"] ${tid('job-wait')}`);
    assert.match(await page.textContent(`${row} ${tid('job-wait')}`), /starts in|due now/);

    await page.waitForSelector(`${tid('detail-state')}[data-state="succeeded"]`, { timeout: 15000 });
    assert.equal(await page.isHidden(tid('detail-wait')), true, 'no wait line once it ran');
    await waitText(page, tid('detail-stdout'), 'delayed-e2e');
    const done = await jobd.api.get(`/v1/jobs/${id}`);
    assert.ok(Date.parse(done.started_at) >= Date.parse(done.run_at), 'did not start before run_at');
    await page.waitForSelector(`${row}[data-state="succeeded"]`);
    assert.equal(await page.$(`${row} ${tid('job-wait')}`), null);
    await closeDetail();
  }));

test('a retry waiting out its backoff shows when the next attempt is due', { timeout: 30000 }, () =>
  withShot(page, 'backoff', async () => {
    await page.fill(tid('submit-attempts'), '2');
    await page.fill(tid('submit-backoff'), '3');
    const id = await submitForm(page, { command: 'exit 3' });
    await clearOptions();
    await waitText(page, '#detail-title', `Job #${id}`);
    await page.waitForSelector(`${tid('detail-wait')}[data-kind="retry"]:not([hidden])`, { timeout: 10000 });
    assert.match(await page.textContent(tid('detail-wait')), /retry (in \d+(\.\d)? s|due) · next attempt at/);
    assert.match(await page.textContent(tid('detail-error')), /attempt 1 of 2 exited with code 3; retrying in/);
    const waiting = await jobd.api.get(`/v1/jobs/${id}`);
    assert.equal(waiting.retry_backoff_s, 3);
    await page.waitForSelector(`${tid('detail-state')}[data-state="failed"]`, { timeout: 15000 });
    assert.equal(await page.isHidden(tid('detail-wait')), true);
    assert.equal((await jobd.api.get(`/v1/jobs/${id}`)).attempts, 2);
    await closeDetail();

    await page.fill(tid('submit-attempts'), '11');
    await page.fill(tid('submit-command'), 'true');
    await page.click(tid('submit-button'));
    await waitText(page, tid('submit-msg'), 'Max attempts must be');
    assert.equal(await page.getAttribute(tid('submit-attempts'), 'aria-invalid'), 'true');
    await clearOptions();
  }));

test('a finished job is rerun from its detail view; the new job links back by rerun_of', { timeout: 30000 }, () =>
  withShot(page, 'rerun', async () => {
    const id = await submitForm(page, { command: 'echo rerun-e2e', name: 'again' });
    await waitText(page, '#detail-title', `Job #${id}`);
    await page.waitForSelector(`${tid('detail-state')}[data-state="succeeded"]`);
    await page.waitForSelector(`${tid('detail-rerun')}:not([hidden])`);
    assert.equal(await page.isHidden(tid('detail-rerun-of')), true);
    await page.click(tid('detail-rerun'));

    await page.waitForFunction((old) => {
      const m = document.querySelector('#detail-title')?.textContent.match(/^Job #(\d+)/);
      return m && Number(m[1]) !== old;
    }, id);
    const newId = Number((await page.textContent('#detail-title')).match(/#(\d+)/)[1]);
    assert.ok(newId > id);
    assert.equal(await page.evaluate(() => location.hash), `#/jobs/${newId}`);
    await waitText(page, tid('detail-rerun-of'), `Rerun of #${id}`);
    await page.waitForSelector(`${tid('detail-state')}[data-state="succeeded"]`);
    await waitText(page, tid('detail-stdout'), 'rerun-e2e');
    const job = await jobd.api.get(`/v1/jobs/${newId}`);
    assert.equal(job.rerun_of, id);
    assert.equal(job.name, 'again');
    await page.waitForSelector(`${tid('job-row')}[data-job-id="${newId}"] ${tid('job-rerun-of')}[data-open-id="${id}"]`);

    await page.click(tid('detail-rerun-of'));
    await waitText(page, '#detail-title', `Job #${id}`);
    await closeDetail();
  }));

test('"Rerun failures" resubmits just the failed job of a batch as a new batch', { timeout: 45000 }, () =>
  withShot(page, 'batch-rerun', async () => {
    const first = await jobd.api.post('/v1/batches', {
      name: 'mixed', jobs: [{ command: 'true' }, { command: 'echo boom; exit 5' }, { command: 'true' }],
    });
    const failedId = first.job_ids[1];
    await page.evaluate((id) => { location.hash = `#/batches/${id}`; }, first.id);
    await page.waitForSelector(`${tid('batch-title')}[data-batch-id="${first.id}"]`);
    await page.waitForSelector(`${tid('batch-done')}[data-done="true"]`, { timeout: 20000 });
    await page.waitForSelector(`${tid('batch-rerun')}[data-failures="1"]:not([disabled])`);
    assert.match(await page.textContent(tid('batch-rerun')), /Rerun failures \(1\)/);
    await page.click(tid('batch-rerun'));

    await page.waitForFunction((old) => {
      const el = document.querySelector('[data-testid="batch-title"]');
      return el && Number(el.dataset.batchId) !== old;
    }, first.id);
    const newBatch = Number(await page.getAttribute(tid('batch-title'), 'data-batch-id'));
    await waitText(page, tid('batch-rerun-of'), `#${first.id}`);
    const b = await jobd.api.get(`/v1/batches/${newBatch}`);
    assert.equal(b.rerun_of, first.id);
    assert.equal(b.total, 1);
    await page.waitForSelector(`${tid('batch-done')}[data-done="true"]`, { timeout: 20000 });
    await waitText(page, tid('batch-count-failed'), 'failed 1');
    const { jobs } = await jobd.api.get(`/v1/jobs?batch_id=${newBatch}`);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].rerun_of, failedId);
    assert.equal(jobs[0].command, 'echo boom; exit 5');

    const ok = await jobd.api.post('/v1/batches', { jobs: [{ command: 'true' }] });
    await page.evaluate((id) => { location.hash = `#/batches/${id}`; }, ok.id);
    await page.waitForSelector(`${tid('batch-title')}[data-batch-id="${ok.id}"]`);
    await page.waitForSelector(`${tid('batch-done')}[data-done="true"]`, { timeout: 20000 });
    assert.equal(await page.isDisabled(tid('batch-rerun')), true, 'nothing failed: nothing to rerun');
    assert.equal(browser.errors.length, 0, browser.errors.join('\n'));
  }));

test('a job waiting on a dependency says so in the list and links to it from its detail view', { timeout: 30000 }, () =>
  withShot(page, 'after', async () => {
    const a = await jobd.api.post('/v1/jobs', { command: 'sleep 2', name: 'first' });
    const b = await jobd.api.post('/v1/jobs', { command: 'echo after-e2e', after: [a.id] });
    assert.deepEqual([b.after, b.blocked_by], [[a.id], 1]);
    const row = `${tid('job-row')}[data-job-id="${b.id}"]`;
    await page.waitForSelector(`${row}[data-state="queued"] ${tid('job-blocked')}`);
    assert.equal(await page.textContent(`${row} ${tid('job-blocked')}`), 'waiting on 1');
    await page.evaluate((id) => { location.hash = `#/jobs/${id}`; }, b.id);
    await waitText(page, tid('detail-after'), `after #${a.id} (1 unfinished)`);
    await page.waitForSelector(`${tid('detail-state')}[data-state="succeeded"]`, { timeout: 15000 });
    await waitText(page, tid('detail-stdout'), 'after-e2e');
    assert.equal((await page.textContent(tid('detail-after'))).trim(), `after #${a.id}`);
    await page.waitForSelector(`${row} ${tid('job-blocked')}`, { state: 'detached', timeout: 10000 });
    await page.click(`${tid('detail-after')} button`);
    await waitText(page, '#detail-title', `Job #${a.id}`);
    await closeDetail();
  }));
