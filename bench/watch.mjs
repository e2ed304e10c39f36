// watch.mjs — the bench's dashboard watcher (issue 16 goal 9): opens jobd's dashboard in headless Chromium (the
// e2e tests' launcher), prints "ready" once the page has rendered, then follows the succeeded count card until it reaches
// the count at start + N, and prints one key=value line: updates (times the card changed), max_gap_ms (the longest
// time between two changes, from the first one to the last), wait_s, and task_s: the page's main-thread busy time
// meanwhile (Chromium's TaskDuration), what the page cost the machine. bench/watch.sh times the batch meanwhile.
//
//     node bench/watch.mjs URL N

import { launch, openDashboard } from '../tests/e2e/lib/browser.mjs';

const [url, n] = [process.argv[2], Number(process.argv[3])];
const DEADLINE_MS = 300000;

const b = await launch();
try {
  const page = await b.page();
  page.setDefaultTimeout(DEADLINE_MS); // a loaded machine may take long to open the page
  const base = (await (await fetch(`${url}/v1/stats`)).json()).counts.succeeded;
  await openDashboard(page, url);
  await page.evaluate(() => {
    window.jobdWatch = [];
    new MutationObserver(() => window.jobdWatch.push(performance.now()))
      .observe(document.querySelector('[data-testid="count-succeeded"]'), { subtree: true, characterData: true, childList: true });
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const busy = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  const busy0 = await busy();
  console.log('ready');
  const t0 = Date.now();
  await page.waitForFunction((want) => Number(document.querySelector('[data-testid="count-succeeded"]').textContent) >= want,
    base + n, { timeout: DEADLINE_MS, polling: 100 });
  const at = await page.evaluate(() => window.jobdWatch);
  let gap = 0;
  for (let i = 1; i < at.length; i++) gap = Math.max(gap, at[i] - at[i - 1]);
  const task = (await busy()) - busy0;
  console.log(`updates=${at.length} max_gap_ms=${gap.toFixed(1)} wait_s=${((Date.now() - t0) / 1000).toFixed(3)} task_s=${task.toFixed(3)}`);
} finally {
  await b.close();
}
