// Counts panel: one card per job state (click filters the jobs table), busy workers, throughput with a sparkline.
// On a cluster (/v1/stats has `cluster`) the counts are the cluster's and busy workers are those of its live nodes.

import { STATES, h, stateLabel, fmtMs, setText } from './util.js';
import { model, throughput, rateSeries } from './model.js';

const SVG = 'http://www.w3.org/2000/svg';
const cells = {};
let spark = null;

export function initCounts(root, { onPickState }) {
  for (const s of STATES) {
    cells[s] = h('span', { class: 'count-n', dataset: { testid: `count-${s}` } }, '–');
    root.append(h('button', {
      type: 'button', class: `count-card s-${s}`, dataset: { state: s },
      title: `Show ${stateLabel(s)} jobs`, onclick: () => onPickState(s),
    }, h('span', { class: 'count-label' }, stateLabel(s)), cells[s]));
  }
  cells.busy = h('span', { class: 'count-n', dataset: { testid: 'count-busy' } }, '–');
  cells.busyLabel = h('span', { class: 'count-label', dataset: { testid: 'count-busy-label' } }, 'busy workers');
  root.append(h('div', { class: 'count-card meta' }, cells.busyLabel, cells.busy));
  cells.rate = h('span', { class: 'count-n', dataset: { testid: 'throughput' } }, '–');
  spark = document.createElementNS(SVG, 'svg');
  spark.setAttribute('class', 'spark');
  spark.setAttribute('viewBox', '0 0 100 24');
  spark.setAttribute('preserveAspectRatio', 'none');
  spark.setAttribute('aria-hidden', 'true');
  spark.append(document.createElementNS(SVG, 'polyline'));
  root.append(h('div', { class: 'count-card meta rate' },
    h('span', { class: 'count-label' }, 'finished / s (10 s)'), cells.rate, spark));
}

export function renderCounts() {
  const st = model.stats;
  if (!st) return;
  const info = document.getElementById('server-info');
  const self = model.workers?.node;
  if (info) setText(info, `${self ? `node ${self.name} · ` : ''}${(st.submitted_total ?? 0).toLocaleString()} submitted · up ${fmtMs((st.uptime_s ?? 0) * 1000 + Date.now() - model.statsAt)}`);
  for (const s of STATES) setText(cells[s], String(st.counts?.[s] ?? 0));
  const c = st.cluster;
  if (c) {
    setText(cells.busy, `${c.busy ?? 0} / ${c.workers ?? '?'}`);
    setText(cells.busyLabel, `busy · ${c.nodes} node${c.nodes === 1 ? '' : 's'}`);
    cells.busyLabel.title = `busy workers of the cluster's ${c.nodes} live node${c.nodes === 1 ? '' : 's'}; this node: ${st.busy ?? 0} / ${st.workers ?? '?'}`;
  } else {
    setText(cells.busy, `${st.busy ?? 0} / ${st.workers ?? '?'}`);
  }
  const r = throughput(10);
  setText(cells.rate, r === null ? '–' : r.toFixed(r < 10 ? 1 : 0));
  const series = rateSeries().slice(-60);
  const max = Math.max(1, ...series);
  const pts = series.map((v, i) => `${(i / Math.max(1, series.length - 1)) * 100},${22 - (v / max) * 20}`);
  const points = pts.join(' ');
  if (spark.firstChild.getAttribute('points') !== points) spark.firstChild.setAttribute('points', points);
}
