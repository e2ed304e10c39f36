// Browser test of retention on the dashboard: with --max-output-disk, the oldest finished jobs lose their output
// files; their detail view says so (with the byte counts kept) instead of showing an empty or failed output.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardSession } from './lib/session.mjs';
import { until } from './lib/jobd.mjs';
import { waitText, withShot, tid } from './lib/browser.mjs';

let jobd;
let page;
dashboardSession({ workers: 1, args: ['--max-output-disk', '200'] }, (s) => ({ jobd, page } = s));

test('a job whose output the disk bound deleted says so in its detail view', { timeout: 30000 }, () =>
  withShot(page, 'retention', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const job = await jobd.api.post('/v1/jobs', { command: 'head -c 150 /dev/zero | tr "\\0" x' });
      await until(`job ${job.id} to finish`, async () => (await jobd.api.get(`/v1/jobs/${job.id}`)).state === 'succeeded', 15000);
      ids.push(job.id);
    }
    const first = await until('the oldest output to be purged', async () => {
      const j = await jobd.api.get(`/v1/jobs/${ids[0]}`);
      return j.output_purged ? j : null;
    }, 15000);
    assert.equal(first.stdout_bytes, 150);
    await page.evaluate((id) => { location.hash = `#/jobs/${id}`; }, ids[0]);
    await waitText(page, tid('detail-stdout-note'), 'deleted by the server');
    assert.match(await page.textContent(tid('detail-stdout-note')), /150 bytes/);
    assert.equal((await page.textContent(tid('detail-stdout'))).trim(), '');

    const last = await jobd.api.get(`/v1/jobs/${ids[2]}`);
    assert.equal(last.output_purged, false);
    await page.evaluate((id) => { location.hash = `#/jobs/${id}`; }, ids[2]);
    await waitText(page, tid('detail-stdout'), 'x'.repeat(150));
  }));
