// Small shared helpers for the dashboard: DOM building, formatting of times/durations/commands, state list.

export const STATES = ['queued', 'running', 'succeeded', 'failed', 'timed_out', 'canceled'];
export const FINAL = new Set(['succeeded', 'failed', 'timed_out', 'canceled']);

export const stateLabel = (s) => String(s).replace('_', ' ');

// h('div', {class: 'x', dataset: {testid: 'y'}, onclick}, child, 'text', ...)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'style') el.style.cssText = v; // CSSOM: the server's CSP refuses style attributes
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// A batch's jobs in final states, and whether it is over (API.md: finished_at is set once every job is final).
export const batchFinished = (b) => STATES.filter((s) => FINAL.has(s)).reduce((n, s) => n + (b.counts[s] || 0), 0);
export const batchDone = (b) => b.finished_at != null || STATES.every((s) => FINAL.has(s) || !b.counts[s]);

// Finished states first so the bar fills from the left; then running, then queued.
const PROGRESS_ORDER = ['succeeded', 'failed', 'timed_out', 'canceled', 'running', 'queued'];

// A batch's progress bar, one segment per state in its colour; attrs are added to the bar (label, testid).
export function progressBar(b, attrs = {}) {
  const total = b.total || 0;
  return h('div', {
    class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(total),
    'aria-valuenow': String(batchFinished(b)), ...attrs,
  }, ...PROGRESS_ORDER.filter((s) => b.counts[s]).map((s) => h('span', {
    class: `seg s-${s}`, style: `width:${(b.counts[s] / Math.max(total, 1)) * 100}%`, title: `${stateLabel(s)}: ${b.counts[s]}`,
  })));
}

export const fmtSpeedup = (x) => (x == null ? '—' : `${x.toFixed(2)}×`);

export function badge(state) {
  return h('span', { class: `badge s-${state}`, dataset: { state } }, stateLabel(state));
}

export function fmtMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export const parseTime = (iso) => (iso ? Date.parse(iso) : null);

export function fmtClock(t, withMs = false) {
  if (t === null || t === undefined) return '—';
  const d = new Date(t);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  const base = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return withMs ? `${base}.${p(d.getMilliseconds(), 3)}` : base;
}

export function fmtDateTime(iso, withMs = true) {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.toLocaleDateString()} ${fmtClock(d.getTime(), withMs)}`;
}

const shellQuote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

// An argv array is shown shell-quoted; a string command is shown as written.
// A job's tags as "key:value" strings, the form GET /v1/jobs?tag= and the bulk actions take.
export function tagsOf(job) {
  return Object.entries(job.tags || {}).map(([k, v]) => `${k}:${v}`);
}

export function cmdText(command) {
  if (Array.isArray(command)) return command.map(shellQuote).join(' ');
  return String(command ?? '');
}

// A countdown: tenths under 10 s, whole seconds under a minute, then minutes/hours.
export function fmtWait(ms) {
  if (ms < 10000) return `${(Math.max(ms, 0) / 1000).toFixed(1)} s`;
  if (ms < 60000) return `${Math.ceil(ms / 1000)} s`;
  return fmtMs(ms);
}

// What a queued job is waiting for: its retry backoff or its requested start; null when it is simply queued.
export function jobWait(job, now = Date.now()) {
  if (job.state !== 'queued') return null;
  const retry = parseTime(job.next_attempt_at);
  if (retry) return { kind: 'retry', at: retry };
  const start = parseTime(job.run_at);
  return start && start > now ? { kind: 'delay', at: start } : null;
}

export function waitText({ kind, at }, now = Date.now()) {
  const ms = at - now;
  if (kind === 'retry') return ms > 0 ? `retry in ${fmtWait(ms)}` : 'retry due';
  if (kind === 'next') return ms > 0 ? `in ${fmtWait(ms)}` : 'due now';
  return ms > 0 ? `starts in ${fmtWait(ms)}` : 'due now';
}

// An element that counts down to wait.at: startCountdowns() keeps its text current.
export function waitTag(wait, attrs = {}) {
  const { dataset = {}, ...rest } = attrs;
  return h('span', { ...rest, dataset: { ...dataset, until: String(wait.at), kind: wait.kind } }, waitText(wait));
}

export function startCountdowns(ms = 500) {
  setInterval(() => {
    if (document.hidden) return;
    const now = Date.now();
    for (const el of document.querySelectorAll('[data-until]')) {
      el.textContent = waitText({ kind: el.dataset.kind, at: Number(el.dataset.until) }, now);
    }
  }, ms);
}

export function jobTitle(job) {
  return job.name ? `${job.name}` : cmdText(job.command);
}

// Run fn at most once per `ms`, trailing call guaranteed.
export function throttle(fn, ms) {
  let last = 0;
  let timer = null;
  return (...args) => {
    const wait = last + ms - Date.now();
    if (wait <= 0 && !timer) {
      last = Date.now();
      fn(...args);
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        fn(...args);
      }, Math.max(wait, 0));
    }
  };
}

// Make parent's children exactly `nodes`, in order, moving only what is out of place: a row that keeps its place
// keeps keyboard focus across refreshes.
export function syncChildren(parent, nodes) {
  nodes.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] || null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild.remove();
}

export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}
