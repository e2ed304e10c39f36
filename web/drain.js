// Drain control: the header's Drain/Resume button (POST /v1/drain, /v1/resume: this node starts no new job, running
// ones finish) and its badge, "draining…" until nothing runs here, then "drained · idle". Drawn from /v1/stats
// (draining, idle), which app.js re-reads on every `node` event of the stream, so the badge follows live.

import { api } from './api.js';
import { model } from './model.js';
import { setText } from './util.js';

let el;
let onChanged;

export function initDrain(els, changed) {
  el = els;
  onChanged = changed;
  el.button.addEventListener('click', toggle);
}

async function toggle() {
  const resume = Boolean(model.stats?.draining);
  el.button.disabled = true;
  try {
    applyDrain(await api.post(resume ? '/v1/resume' : '/v1/drain', {}));
    el.button.title = '';
  } catch (err) {
    el.button.title = `${resume ? 'Resume' : 'Drain'} failed: ${err.message}`;
  } finally {
    el.button.disabled = false;
  }
}

// A drain answer or `node` event ({draining, idle, running}) onto the stats we hold, drawn at once.
export function applyDrain(s) {
  if (model.stats) Object.assign(model.stats, { draining: s.draining, idle: s.idle });
  renderDrain();
  onChanged();
}

export function renderDrain() {
  const st = model.stats;
  if (!st) return;
  const draining = Boolean(st.draining);
  el.badge.hidden = !draining;
  el.badge.dataset.state = st.idle ? 'idle' : 'draining';
  setText(el.badge, st.idle ? 'drained · idle' : 'draining…');
  el.badge.title = st.idle ? 'This node starts no job and runs none: safe to stop.'
    : 'This node starts no new job; the running ones finish.';
  setText(el.button, draining ? 'Resume' : 'Drain');
  el.button.setAttribute('aria-label', draining ? 'Resume: start jobs on this node again'
    : 'Drain: start no new job on this node, let the running ones finish');
}
