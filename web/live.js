// Live updates: EventSource('/v1/events') when the server offers it, else (or while it is down) polling about every second.

import { eventsUrl } from './api.js';

const TICK_MS = 1000;
const RETRY_MIN_MS = 3000;
const RETRY_MAX_MS = 30000;

// onJob(job): a job event from the stream (compact: the fields a change moves). onTick(full): refresh from REST; full=true when events may have been missed.
// onMode(mode): 'live' | 'polling'. onNode(state): a `node` event, this node's drain state ({draining, idle, running}).
export function startLive({ onJob, onNode, onTick, onMode }) {
  let es = null;
  let mode = 'polling';
  let retryMs = RETRY_MIN_MS;
  let retryTimer = null;
  let tickTimer = null;
  let stopped = false;

  const setMode = (m) => {
    if (m !== mode) { mode = m; onMode(m); }
  };

  async function tick() {
    clearTimeout(tickTimer);
    try { await onTick(mode !== 'live'); } catch { /* each panel reports its own errors */ }
    if (!stopped) tickTimer = setTimeout(tick, TICK_MS);
  }

  function connect() {
    if (stopped || typeof EventSource === 'undefined') return;
    const src = new EventSource(eventsUrl());
    es = src;
    src.onopen = () => {
      retryMs = RETRY_MIN_MS;
      setMode('live');
      tick(); // catch up on whatever happened while we were polling
    };
    const handle = (ev) => {
      try { onJob(JSON.parse(ev.data)); } catch { /* ignore a malformed event */ }
    };
    src.addEventListener('job', handle);
    src.addEventListener('node', (ev) => {
      try { onNode(JSON.parse(ev.data)); } catch { /* ignore a malformed event */ }
    });
    src.onmessage = handle; // tolerate a server that omits the `event: job` line
    src.onerror = () => {
      // Manage reconnects ourselves: poll meanwhile, retry the stream with backoff.
      src.close();
      if (es !== src) return;
      es = null;
      setMode('polling');
      clearTimeout(retryTimer);
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    };
  }

  onMode(mode);
  tick();
  connect();

  return {
    get mode() { return mode; },
    refresh: tick,
    restart() {
      if (es) es.close();
      es = null;
      clearTimeout(retryTimer);
      retryMs = RETRY_MIN_MS;
      setMode('polling');
      tick();
      connect();
    },
    stop() {
      stopped = true;
      if (es) es.close();
      clearTimeout(retryTimer);
      clearTimeout(tickTimer);
    },
  };
}
