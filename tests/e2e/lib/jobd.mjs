// Starts a real jobd for a test: free loopback port, temp db and job dir, waits for /healthz; plus a tiny API client.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const JOBD_BIN = process.env.JOBD_BIN || join(REPO, 'build/jobd');
const READY_TIMEOUT_MS = 15000;

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

export const until = async (what, fn, timeoutMs = 30000, everyMs = 100) => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

// opts: {workers, token, args: [...]}. Returns {url, api, stop, logTail}.
export async function startJobd({ workers = 2, token = null, args = [], db = null } = {}) {
  if (!existsSync(JOBD_BIN)) throw new Error(`no jobd binary at ${JOBD_BIN} (build it with make, or set JOBD_BIN)`);
  const dir = mkdtempSync(join(tmpdir(), 'jobd-e2e-'));
  const port = await freePort();
  const logPath = join(dir, 'jobd.log');
  const log = openSync(logPath, 'a');
  const argv = ['--listen', `127.0.0.1:${port}`, '--db', db || join(dir, 'jobd.db'), '--workers', String(workers),
    '--web-dir', join(REPO, 'web'), '--job-dir', dir, '--kill-grace', '1', '--shutdown-grace', '1', ...args];
  if (token) argv.push('--token', token);
  const child = spawn(JOBD_BIN, argv, { stdio: ['ignore', log, log] });
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  const url = `http://127.0.0.1:${port}`;
  const logTail = () => { try { return readFileSync(logPath, 'utf8').slice(-4000); } catch { return ''; } };
  try {
    await until('jobd /healthz', async () => {
      if (exited) throw new Error(`jobd exited early (${JSON.stringify(exited)}):\n${logTail()}`);
      const r = await fetch(`${url}/healthz`);
      return r.status === 200;
    }, READY_TIMEOUT_MS);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${logTail()}`);
  }
  const api = makeApi(url, token);
  async function stop() {
    if (!exited) {
      child.kill('SIGTERM');
      const deadline = Date.now() + 10000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (!exited) child.kill('SIGKILL');
    }
    if (!db) rmSync(dir, { recursive: true, force: true });
  }
  return { url, api, stop, logTail, dir };
}

export function makeApi(url, token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const call = async (method, path, body) => {
    const r = await fetch(url + path, {
      method,
      headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return { get: (p) => call('GET', p), post: (p, b) => call('POST', p, b) };
}
