// The dashboard of a cluster node: a throwaway PostgreSQL (tests/pg/pg-server.sh), two jobd nodes n1 and n2 on one
// database (1 worker each, --lease 3). The Nodes panel of n1 lists both alive, busy with the `sleep 5` jobs they run,
// n1 marked "this node"; the busy-workers card shows the cluster's totals; a job's detail names its node; after a
// kill -9 of n2 the panel shows n2 dead within lease + heartbeat. Skipped when /usr/lib/postgresql is missing.
// Also: on SQLite (no `nodes`) none of this shows.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJobd, until, REPO } from './lib/jobd.mjs';
import { launch, openDashboard, screenshot, submitForm, waitText, withShot, tid } from './lib/browser.mjs';

const PG_SCRIPT = join(REPO, 'tests/pg/pg-server.sh');
const SKIP_PG = existsSync('/usr/lib/postgresql') ? false
  : 'no PostgreSQL server (/usr/lib/postgresql is missing): apt-get install postgresql to run the cluster test';
const LEASE_S = 3;

const s = { nodes: [], dirs: [] }; // everything started, for the cleanup
let browser;

function stopPg() {
  if (!s.pgDir) return;
  const r = spawnSync('bash', [PG_SCRIPT, 'stop', s.pgDir], { encoding: 'utf8' });
  if (r.status !== 0) process.stderr.write(`cluster test: pg-server.sh stop ${s.pgDir} failed: ${r.stderr}\n`);
  s.pgDir = null;
}

// Last resort if the runner dies without the after hook: no jobd or PostgreSQL left behind.
process.on('exit', () => {
  for (const pid of s.pids || []) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  stopPg();
});

before(async () => {
  browser = await launch();
  if (SKIP_PG) return;
  s.tmp = mkdtempSync(join(tmpdir(), 'jobd-e2e-cluster-'));
  s.dirs.push(s.tmp);
  s.pgDir = mkdtempSync(join(tmpdir(), 'jobd-e2e-pg-')); // fresh and empty, as pg-server.sh wants
  const base = execFileSync('bash', [PG_SCRIPT, 'start', s.pgDir], { encoding: 'utf8' }).trim();
  assert.match(base, /^postgresql:\/\/postgres@\/postgres\?/, `pg-server.sh printed ${base}`);
  execFileSync('psql', [base, '-Xqc', 'CREATE DATABASE jobd_e2e']);
  s.db = base.replace('/postgres?', '/jobd_e2e?');
  s.pids = [];
  for (const name of ['n1', 'n2']) {
    const node = await startJobd({
      workers: 1, db: s.db,
      args: ['--node-name', name, '--lease', String(LEASE_S), '--output-dir', join(s.tmp, `out-${name}`)],
    });
    s.nodes.push(node);
    s.dirs.push(node.dir); // startJobd keeps its dir when given a db
    node.name = name;
    node.self = (await node.api.get('/v1/workers')).node;
    assert.equal(node.self?.name, name, `GET /v1/workers of ${name} names this node`);
    s.pids.push(node.self.pid);
  }
}, { timeout: 90000 });

after(async () => {
  if (browser) await browser.close().catch(() => {});
  for (const node of s.nodes) await node.stop().catch(() => {});
  s.pids = [];
  stopPg();
  for (const d of s.dirs) rmSync(d, { recursive: true, force: true });
}, { timeout: 60000 });

const row = (name) => `${tid('node-row')}[data-name="${name}"]`;

test('on SQLite there is no Nodes panel, no node in the detail, the busy card is the local pool', { timeout: 60000 }, async () => {
  const jobd = await startJobd({ workers: 2 });
  const page = await browser.ctx.newPage();
  try {
    await withShot(page, 'cluster-sqlite', async () => {
      await openDashboard(page, jobd.url);
      await page.waitForSelector(`${tid('lane')}[data-slot="1"]`);
      assert.equal(await page.isHidden(tid('nodes-panel')), true, 'Nodes panel hidden');
      await waitText(page, tid('count-busy'), '/ 2');
      assert.equal(await page.textContent(tid('count-busy-label')), 'busy workers');
      assert.doesNotMatch(await page.textContent(tid('server-info')), /node/);
      assert.doesNotMatch(await page.textContent('#pool-size'), / on /);
      const id = await submitForm(page, { command: 'true' });
      await page.waitForSelector(`${tid('detail-state')}[data-state="succeeded"]`);
      await waitText(page, '#detail-title', `Job #${id}`);
      assert.equal(await page.$(tid('detail-node')), null, 'no node line for node_id null');
      assert.equal(await page.textContent(`${tid('detail-fields')} dd[data-field="node_id"]`), 'null');
    });
  } finally {
    await page.close().catch(() => {});
    await jobd.stop();
  }
});

test('the Nodes panel of n1 shows both nodes busy with their jobs, n1 as this node, then n2 dead after kill -9',
  { skip: SKIP_PG, timeout: 120000 }, async () => {
    const [n1, n2] = s.nodes;
    const page = await browser.page();
    await withShot(page, 'cluster', async () => {
      await openDashboard(page, n1.url);
      await page.waitForSelector(`${tid('nodes-panel')}:not([hidden])`);
      await page.waitForSelector(`${row('n1')}[data-state="alive"][data-self="true"]`);
      await page.waitForSelector(`${row('n2')}[data-state="alive"][data-self="false"]`);
      assert.equal(await page.textContent(`${row('n1')} ${tid('node-self')}`), 'this node');
      assert.equal(await page.isHidden(`${row('n2')} ${tid('node-self')}`), true);
      assert.match(await page.textContent(`${row('n2')} ${tid('node-where')}`), new RegExp(`pid ${n2.self.pid}`));

      // Two sleep 5 jobs: one worker per node, so each node runs one.
      const jobs = [];
      for (let i = 0; i < 2; i++) jobs.push(await n1.api.post('/v1/jobs', { command: 'sleep 5', name: `cluster-${i}` }));
      const running = await until('both jobs running', async () => {
        const js = await Promise.all(jobs.map((j) => n1.api.get(`/v1/jobs/${j.id}`)));
        return js.every((j) => j.state === 'running') ? js : null;
      }, 10000);
      const on = (node) => running.find((j) => j.node_id === node.self.id);
      assert.ok(on(n1) && on(n2), `one job per node: ${JSON.stringify(running.map((j) => [j.id, j.node_id]))}`);

      for (const node of [n1, n2]) {
        const id = on(node).id;
        await page.waitForSelector(`${row(node.name)}[data-busy="1"] ${tid('node-job')}[data-job-id="${id}"]`, { timeout: 5000 });
        assert.equal(await page.textContent(`${row(node.name)} ${tid('node-busy')}`), '1/1 busy');
        assert.equal(await page.getAttribute(`${row(node.name)} ${tid('node-job')}`, 'href'), `#/jobs/${id}`);
        assert.match(await page.textContent(`${row(node.name)} ${tid('node-heartbeat')}`), /^heartbeat (just now|\d+ s ago)$/);
      }
      for (const node of [n1, n2]) { // the jobs table (re-read every tick on a cluster) names each job's node
        await waitText(page, `${tid('job-row')}[data-job-id="${on(node).id}"][data-state="running"] ${tid('job-node')}`, `${node.name} · 0`, 5000);
      }
      await waitText(page, tid('count-busy'), '2 / 2', 5000);
      assert.equal(await page.textContent(tid('count-busy-label')), 'busy · 2 nodes');
      assert.match(await page.textContent(tid('nodes-summary')), /2 alive/);
      await screenshot(page, 'cluster-nodes.png');

      // The job n2 runs, opened from the link on n2's card: its detail names n2.
      await page.click(`${row('n2')} ${tid('node-job')}`);
      await page.waitForSelector(`${tid('job-detail')}[open]`);
      await waitText(page, '#detail-title', `Job #${on(n2).id}`);
      await waitText(page, tid('detail-node'), 'n2', 5000);
      assert.equal(await page.textContent(tid('detail-node')), 'n2');
      await page.click(tid('detail-close'));

      // kill -9 n2 (the pid its own /v1/workers gave, checked to be that jobd): dead within lease + heartbeat.
      const pid = n2.self.pid;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      assert.ok(cmdline.includes('--node-name') && cmdline[cmdline.indexOf('--node-name') + 1] === 'n2',
        `pid ${pid} is node n2: ${cmdline.join(' ')}`);
      const n2JobRunning = (await n1.api.get(`/v1/jobs/${on(n2).id}`)).state === 'running';
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      await page.waitForSelector(`${row('n2')}[data-state="dead"]`, { timeout: (LEASE_S + 3) * 1000 });
      const deadAfterMs = Date.now() - killedAt;
      console.log(`n2 shown dead ${deadAfterMs} ms after kill -9 (lease ${LEASE_S} s)`);
      assert.equal(await page.textContent(`${row('n2')} ${tid('node-state')}`), 'dead');
      assert.equal(await page.$eval(`${row('n2')} ${tid('node-state')}`, (e) => e.className), 'badge n-dead');
      assert.equal(await page.textContent(`${row('n2')} ${tid('node-busy')}`), '0/1 busy');
      await page.waitForSelector(`${row('n1')}[data-state="alive"]`);
      await waitText(page, tid('count-busy-label'), 'busy · 1 node', 5000);
      assert.match(await page.textContent(tid('nodes-summary')), /1 alive, 1 dead/);
      await screenshot(page, 'cluster-dead.png');

      // n1's job: its detail names n1.
      await page.evaluate((id) => { location.hash = `#/jobs/${id}`; }, on(n1).id);
      await waitText(page, '#detail-title', `Job #${on(n1).id}`);
      await waitText(page, tid('detail-node'), 'n1', 5000);
      await page.click(tid('detail-close'));

      // n2's job had one attempt: killed with n2 while running, it is failed with an error naming n2.
      if (n2JobRunning) {
        await page.evaluate((id) => { location.hash = `#/jobs/${id}`; }, on(n2).id);
        await page.waitForSelector(`${tid('detail-state')}[data-state="failed"]`, { timeout: 10000 });
        await waitText(page, tid('detail-error'), 'node n2');
        await page.click(tid('detail-close'));
      }

      assert.deepEqual(browser.errors, []);
    });
  });
