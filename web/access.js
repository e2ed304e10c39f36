// What the saved token may do (GET /v1/whoami): with a read-only token <html data-access="read">, and style.css hides
// every control marked data-mutates (submit, cancel, rerun, drain, queue and schedule changes) and shows the
// "read-only" badge. The server refuses those requests anyway (403); this only keeps them out of sight.

import { api } from './api.js';

export function refreshAccess() {
  return api.get('/v1/whoami').then((w) => { document.documentElement.dataset.access = w.access; }, () => {});
}
