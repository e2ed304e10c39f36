// Nodes panel, shown only on a cluster (a jobd on PostgreSQL: GET /v1/workers then has `node` and `nodes`): one card
// per node with its state (alive / stopped / dead; "alive · draining" after its POST /v1/drain), host, pid and listen
// address, "busy/pool" count, when it last heartbeat (or stopped), and the jobs its busy workers run as links to the
// job view; the node serving this page is marked "this node". Drawn from the latest /v1/workers read (app.js re-reads
// it on every tick, like the Pool panel); cards are kept per node id so focus on a job link survives the refresh.

import { h, setText, syncChildren, parseTime, fmtMs, fmtDateTime } from './util.js';
import { model } from './model.js';

const NODE_STATES = ['alive', 'stopped', 'dead'];
const MAX_JOB_LINKS = 12; // a big pool lists its first busy jobs, then "+N more"

let el; // {panel, list, summary, status}
const cards = new Map(); // node id -> ui
const lastState = new Map(); // node id -> state at the previous render, to announce changes

export function initNodes(elements) {
  el = elements;
}

// "just now", "4 s ago", "3m 05s ago" (client clock against the server's timestamps).
function ago(iso, now) {
  const t = parseTime(iso);
  if (t == null) return '—';
  const ms = now - t;
  if (ms < 1500) return 'just now';
  if (ms < 60000) return `${Math.round(ms / 1000)} s ago`;
  return `${fmtMs(ms)} ago`;
}

function create(id) {
  const ui = { id, jobsKey: null };
  ui.name = h('strong', { class: 'node-name', dataset: { testid: 'node-name' } });
  ui.self = h('span', { class: 'tag', dataset: { testid: 'node-self' }, hidden: true }, 'this node');
  ui.state = h('span', { class: 'badge', dataset: { testid: 'node-state' } });
  ui.where = h('div', { class: 'node-where muted small', dataset: { testid: 'node-where' } });
  ui.busy = h('span', { dataset: { testid: 'node-busy' } });
  ui.beat = h('span', { class: 'muted', dataset: { testid: 'node-heartbeat' } });
  ui.jobs = h('div', { class: 'node-jobs', dataset: { testid: 'node-jobs' } });
  ui.root = h('li', { class: 'node', dataset: { testid: 'node-row', nodeId: String(id) } },
    h('div', { class: 'node-head' }, ui.name, ui.self, ui.state),
    ui.where,
    h('div', { class: 'node-stats' }, ui.busy, h('span', { class: 'muted', 'aria-hidden': 'true' }, ' · '), ui.beat),
    ui.jobs);
  cards.set(id, ui);
  return ui;
}

function update(ui, n, self, now) {
  const state = NODE_STATES.includes(n.state) ? n.state : 'dead';
  const busy = n.busy_count ?? (n.busy || []).length;
  Object.assign(ui.root.dataset, { name: n.name, state, self: String(self), busy: String(busy) });
  setText(ui.name, n.name);
  ui.self.hidden = !self;
  ui.state.className = `badge n-${state}`;
  ui.state.dataset.state = state;
  setText(ui.state, state === 'alive' && n.draining ? 'alive · draining' : state);
  ui.root.dataset.draining = String(Boolean(n.draining));
  setText(ui.where, [n.host, n.pid != null ? `pid ${n.pid}` : null, n.listen].filter(Boolean).join(' · '));
  ui.where.title = `started ${fmtDateTime(n.started_at, false)}${n.lease_until ? ` · lease until ${fmtDateTime(n.lease_until)}` : ''}`;
  setText(ui.busy, `${busy}/${n.pool_size} busy`);
  if (state === 'stopped' && n.stopped_at) setText(ui.beat, `stopped ${ago(n.stopped_at, now)}`);
  else setText(ui.beat, `heartbeat ${ago(n.heartbeat_at, now)}`);
  ui.beat.title = n.heartbeat_at ? `last heartbeat ${fmtDateTime(n.heartbeat_at)}` : '';
  renderJobs(ui, n);
  return ui;
}

// The busy workers' jobs, as links to #/jobs/{id}; redrawn only when the set changed (keeps focus on a link).
function renderJobs(ui, n) {
  const ids = (n.busy || []).map((b) => b.job_id).filter((id) => id != null).sort((a, b) => a - b);
  const key = `${n.name}:${ids.join(',')}`;
  if (ui.jobsKey === key) return;
  ui.jobsKey = key;
  ui.root.dataset.jobs = ids.join(',');
  if (!ids.length) {
    ui.jobs.replaceChildren(h('span', { class: 'muted' }, 'no running jobs'));
    return;
  }
  const shown = ids.slice(0, MAX_JOB_LINKS);
  const more = ids.length - shown.length;
  ui.jobs.replaceChildren('running ', ...shown.flatMap((id, i) => [i ? ', ' : '', h('a', {
    href: `#/jobs/${id}`, dataset: { testid: 'node-job', jobId: String(id) }, 'aria-label': `Open job ${id}, running on node ${n.name}`,
  }, `#${id}`)]), ...(more > 0 ? [h('span', { class: 'muted' }, ` +${more} more`)] : []));
}

export function renderNodes() {
  const w = model.workers;
  const nodes = w && Array.isArray(w.nodes) ? w.nodes : null;
  if (el.panel.hidden !== !nodes) el.panel.hidden = !nodes; // each write, even of the same value, is a DOM mutation
  if (!nodes) return;
  const selfId = w.node ? w.node.id : null;
  const now = Date.now();
  const sorted = [...nodes].sort((a, b) => String(a.name).localeCompare(String(b.name)) || a.id - b.id);
  syncChildren(el.list, sorted.map((n) => update(cards.get(n.id) || create(n.id), n, n.id === selfId, now).root));
  for (const id of [...cards.keys()]) if (!nodes.some((n) => n.id === id)) cards.delete(id);

  const by = (s) => nodes.filter((n) => n.state === s).length;
  setText(el.summary, `· ${by('alive')} alive${by('dead') ? `, ${by('dead')} dead` : ''}${by('stopped') ? `, ${by('stopped')} stopped` : ''}`);

  // Screen readers hear a node change state (not the first listing).
  const changes = [];
  for (const n of nodes) {
    const was = lastState.get(n.id);
    if (was !== undefined && was !== n.state) changes.push(`Node ${n.name} is ${n.state}.`);
    lastState.set(n.id, n.state);
  }
  if (changes.length) el.status.textContent = changes.join(' ');
}
