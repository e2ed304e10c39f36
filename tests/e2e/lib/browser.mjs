// Launches Debian's chromium through playwright-core (persistent temp profile) and offers page helpers for the tests.

import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export async function launch({ width = 1280, height = 900 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'jobd-e2e-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width, height },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  const errors = [];
  // A Content-Security-Policy violation is no exception, only a console line: count it too.
  const watch = (p) => {
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) errors.push(`CSP: ${m.text()}`); });
  };
  ctx.on('page', watch);
  ctx.pages().forEach(watch);
  return {
    ctx,
    errors, // uncaught exceptions and CSP violations in the page: the tests assert there are none
    page: async () => ctx.pages()[0] || ctx.newPage(),
    async close() {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(target, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await target.screenshot({ path });
  return path;
}

// Open the dashboard and wait until its counts and jobs table have rendered.
export async function openDashboard(page, url) {
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]', { state: 'attached' });
}

export const tid = (id) => `[data-testid="${id}"]`;

// The timeline's bars are drawn on a canvas: what it drew last (its `jobdTimeline.bars()`, the list its own
// hit-testing uses), as {id, slot, state, x, y, w, h} in page pixels.
export const timelineBars = (page) => page.evaluate(() => document.querySelector('[data-testid="timeline-canvas"]')?.jobdTimeline.bars() ?? []);

// Wait until the timeline has drawn a bar in `state` for every job id of `ids`.
export async function waitBars(page, ids, state, timeout = 30000) {
  await page.waitForFunction(([want, st]) => {
    const drawn = document.querySelector('[data-testid="timeline-canvas"]')?.jobdTimeline.bars() ?? [];
    return want.every((id) => drawn.some((b) => b.id === id && b.state === st));
  }, [ids, state], { timeout });
}

// The page point in the middle of a job's drawn bar (the bar may be narrow: its centre is inside it).
export async function barPoint(page, id) {
  const bar = (await timelineBars(page)).find((b) => b.id === id);
  if (!bar) throw new Error(`no bar drawn for job ${id}`);
  return { x: bar.x + bar.w / 2, y: bar.y + bar.h / 2 };
}

export async function waitText(page, selector, needle, timeout = 30000) {
  await page.waitForFunction(([sel, n]) => {
    const el = document.querySelector(sel);
    return el && el.textContent.includes(n);
  }, [selector, needle], { timeout });
}

// Fill the submit form and send it; copies > 1 makes a batch.
export async function submitForm(page, { command, copies = 1, name = '' }) {
  await page.fill(tid('submit-command'), command);
  await page.fill(tid('submit-copies'), String(copies));
  await page.fill(tid('submit-name'), name);
  await page.click(tid('submit-button'));
  await page.waitForFunction(() => /Submitted|Rejected/.test(document.querySelector('[data-testid="submit-msg"]').textContent));
  const msg = await page.textContent(tid('submit-msg'));
  if (!/^Submitted/.test(msg)) throw new Error(`submit failed: ${msg}`);
  return Number(msg.match(/#(\d+)/)[1]);
}

// Run fn(page); on failure keep a screenshot in artifacts/ for the post-mortem.
export async function withShot(page, name, fn) {
  try {
    return await fn();
  } catch (err) {
    await screenshot(page, `failure-${name}.png`).catch(() => {});
    throw err;
  }
}
