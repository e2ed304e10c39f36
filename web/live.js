// Live updates: the event stream (GET /v1/events?coalesce=true) when the server offers it, else (or while it is down)
// polling about every second. The stream is read with fetch, not EventSource: the server gathers a burst into one
// send, and a read is then one task for the whole burst where an EventSource dispatches one DOM event per job change
// (and the token goes in the Authorization header). coalesce: a job whose changes come in one send is sent once, in
// its latest state — the page draws states, not transitions; stats: the counts come with the stream, not by polling.

import { api } from './api.js';

const TICK_MS = 1000;
const RETRY_MIN_MS = 3000;
const RETRY_MAX_MS = 30000;
const EVENTS_PATH = '/v1/events?coalesce=true&stats=true';

// Calls handlers[name](data) for each whole event of the SSE text (`data:` lines joined; `id:`, `retry:` and comments
// ignored: reconnecting is ours); returns the unfinished rest, to be prefixed to the next piece.
export function parseEvents(text, handlers) {
  const blocks = text.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop();
  for (const block of blocks) {
    let name = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      if (colon === 0) continue;
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1);
      if (field === 'event') name = value;
      else if (field === 'data') data.push(value);
    }
    if (!data.length || !handlers[name]) continue;
    try { handlers[name](JSON.parse(data.join('\n'))); } catch { /* ignore a malformed event */ }
  }
  return rest;
}

// onJob(job): a job event from the stream (compact: the fields a change moves). onTick(full): refresh from REST; full=true when events may have been missed.
// onMode(mode): 'live' | 'polling'. onNode(state): a `node` event, this node's drain state ({draining, idle, running}).
// onStats(stats): a `stats` event, GET /v1/stats's figures (sent when they change, at most every 100 ms).
export function startLive({ onJob, onNode, onStats, onTick, onMode }) {
  let stream = null; // the AbortController of the stream being read
  let mode = 'polling';
  let retryMs = RETRY_MIN_MS;
  let retryTimer = null;
  let tickTimer = null;
  let stopped = false;
  const handlers = { job: onJob, message: onJob, node: onNode, stats: onStats }; // `message`: a server that omits the `event: job` line

  const setMode = (m) => {
    if (m !== mode) { mode = m; onMode(m); }
  };

  async function tick() {
    clearTimeout(tickTimer);
    try { await onTick(mode !== 'live'); } catch { /* each panel reports its own errors */ }
    if (!stopped) tickTimer = setTimeout(tick, TICK_MS);
  }

  function connect() {
    if (stopped) return;
    const ctl = new AbortController();
    stream = ctl;
    let rest = '';
    const opened = () => {
      retryMs = RETRY_MIN_MS;
      setMode('live');
      tick(); // catch up on whatever happened while we were polling
    };
    const read = (piece) => { rest = parseEvents(rest + piece, handlers); };
    // Ended or failed (not by us): poll meanwhile, retry the stream with backoff.
    const lost = () => {
      if (stream !== ctl) return;
      stream = null;
      setMode('polling');
      clearTimeout(retryTimer);
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    };
    api.stream(EVENTS_PATH, read, ctl.signal, opened).then(lost, lost);
  }

  function close() {
    const ctl = stream;
    stream = null;
    if (ctl) ctl.abort();
  }

  onMode(mode);
  tick();
  connect();

  return {
    get mode() { return mode; },
    refresh: tick,
    restart() {
      close();
      clearTimeout(retryTimer);
      retryMs = RETRY_MIN_MS;
      setMode('polling');
      tick();
      connect();
    },
    stop() {
      stopped = true;
      close();
      clearTimeout(retryTimer);
      clearTimeout(tickTimer);
    },
  };
}
