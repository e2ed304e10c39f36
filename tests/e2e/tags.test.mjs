// Browser tests of tags and the bulk actions on the dashboard: a job's tags in the jobs table and its detail view,
// the table filtered by a tag, "Cancel all shown" confirming with the count its dry run gave (Cancel in the dialog
// changes nothing; confirming cancels exactly the matching jobs), "Rerun the failed shown" making one new batch of
// the failed ones. Real jobd, 2 workers; a paused queue keeps the jobs to cancel queued.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardSession } from './lib/session.mjs';
import { until } from './lib/jobd.mjs';
import { waitText, withShot, tid } from './lib/browser.mjs';

let jobd;
let browser;
let page;
dashboardSession({ workers: 2 }, (s) => ({ jobd, browser, page } = s));

const row = (id) => `${tid('job-row')}[data-job-id="${id}"]`;

async function filterByTag(tag) {
  await page.fill(tid('filter-tag'), tag);
  await page.dispatchEvent(tid('filter-tag'), 'change');
}

test('tags show in the table and the job view; the table filters by a tag', { timeout: 30000 }, () =>
  withShot(page, 'tags-table', async () => {
    const tagged = await jobd.api.post('/v1/jobs', { command: 'true', tags: { env: 'e2e-prod', team: 'ml' } });
    const other = await jobd.api.post('/v1/jobs', { command: 'true', tags: { env: 'e2e-dev' } });
    await filterByTag('env:e2e-prod');
    await page.waitForSelector(row(tagged.id));
    await page.waitForSelector(row(other.id), { state: 'detached' });
    const tags = await page.$$eval(`${row(tagged.id)} ${tid('job-tag')}`, (els) => els.map((e) => e.textContent));
    assert.deepEqual(tags, ['env:e2e-prod', 'team:ml']);
    await page.click(`${row(tagged.id)} button.link`);
    await waitText(page, tid('detail-control'), 'env:e2e-prod');
    await page.click(tid('detail-close'));
  }));

test('"Cancel all shown" states the count, does nothing on Cancel, and cancels exactly the matching jobs', { timeout: 30000 }, () =>
  withShot(page, 'tags-bulk-cancel', async () => {
    const held = await fetch(`${jobd.url}/v1/queues/e2e-held`, {
      method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ paused: true }),
    });
    assert.equal(held.status, 200);
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push((await jobd.api.post('/v1/jobs', { command: 'true', queue: 'e2e-held', tags: { bulk: 'e2e' } })).id);
    const other = await jobd.api.post('/v1/jobs', { command: 'true', queue: 'e2e-held', tags: { bulk: 'other' } });
    await filterByTag('bulk:e2e');
    await page.waitForSelector(row(mine[2]));
    assert.equal(await page.isDisabled(tid('bulk-cancel')), false);

    await page.click(tid('bulk-cancel'));
    await page.waitForSelector(`${tid('confirm-dialog')}[open]`);
    assert.match(await page.textContent(tid('confirm-dialog')), /Cancel 3 jobs\?/);
    await page.click(tid('confirm-cancel'));
    await page.waitForSelector(`${tid('confirm-dialog')}:not([open])`, { state: 'attached' });
    for (const id of mine) assert.equal((await jobd.api.get(`/v1/jobs/${id}`)).state, 'queued');

    await page.click(tid('bulk-cancel'));
    await page.waitForSelector(`${tid('confirm-dialog')}[open]`);
    await page.click(tid('confirm-ok'));
    await waitText(page, tid('bulk-msg'), 'Canceled 3 jobs.');
    for (const id of mine) assert.equal((await jobd.api.get(`/v1/jobs/${id}`)).state, 'canceled');
    assert.equal((await jobd.api.get(`/v1/jobs/${other.id}`)).state, 'queued');
    await page.waitForSelector(`${row(mine[0])}[data-state="canceled"]`);

    await page.click(tid('bulk-cancel'));
    await waitText(page, tid('bulk-msg'), 'None of the 3 jobs shown is still queued or running.');
    await filterByTag('');
    assert.equal(await page.isDisabled(tid('bulk-cancel')), true, 'an empty filter must not offer to cancel everything');
  }));

test('"Rerun the failed shown" reruns the failed jobs of the filter as one batch', { timeout: 30000 }, () =>
  withShot(page, 'tags-bulk-rerun', async () => {
    const b = await jobd.api.post('/v1/batches', { tags: { rr: 'e2e' }, jobs: [{ command: 'true' }, { command: 'exit 3' }] });
    await until('the batch to finish', async () => (await jobd.api.get(`/v1/batches/${b.id}`)).finished_at != null, 15000);
    await filterByTag('rr:e2e');
    await page.waitForSelector(row(b.job_ids[1]));
    await page.click(tid('bulk-rerun'));
    await page.waitForSelector(`${tid('confirm-dialog')}[open]`);
    assert.match(await page.textContent(tid('confirm-dialog')), /Rerun 1 failed job\?/);
    await page.click(tid('confirm-ok'));
    await waitText(page, tid('bulk-msg'), 'Rerun 1 job as batch #');
    const jobs = (await jobd.api.get(`/v1/jobs?tag=rr:e2e`)).jobs;
    assert.equal(jobs.length, 3);
    assert.equal(jobs[0].rerun_of, b.job_ids[1]);
  }));

test('no uncaught errors in the page', () => {
  assert.deepEqual(browser.errors, []);
});
