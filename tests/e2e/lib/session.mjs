// One real jobd and one headless Chromium page on its dashboard for a whole test file:
// started before the first test, stopped after the last. `ready` receives
// { jobd, browser, page } once they are up.

import { before, after } from 'node:test';
import { startJobd } from './jobd.mjs';
import { launch, openDashboard } from './browser.mjs';

export function dashboardSession(opts, ready) {
  const s = {};
  before(async () => {
    s.jobd = await startJobd(opts);
    s.browser = await launch();
    s.page = await s.browser.page();
    await openDashboard(s.page, s.jobd.url);
    ready(s);
  });
  after(async () => {
    if (s.browser) await s.browser.close();
    if (s.jobd) await s.jobd.stop();
  });
}
