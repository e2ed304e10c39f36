// Inline form errors: the message goes right under the input it is about, which is marked aria-invalid, described by
// the message (announced: role=alert), revealed if it sits in a closed <details>, and focused. inputFor() finds the
// input a server error names by its field path ("cron", "job.command", "jobs[3].limits.cpu_s") through the inputs'
// data-field attributes, falling back to the nearest named parent path.

import { h } from './util.js';

export function inputFor(form, path) {
  if (!path) return null;
  const parts = path.replace(/^jobs\[\d+\]\./, '').split('.');
  for (let n = parts.length; n > 0; n--) {
    const el = form.querySelector(`[data-field="${CSS.escape(parts.slice(0, n).join('.'))}"]`);
    if (el) return el;
  }
  return null;
}

export function reveal(input) {
  const box = input.closest('details');
  if (box && !box.open) box.open = true;
  input.focus();
}

// Mark and focus only (for a form that reports its errors in one message line).
export function markInvalid(input) {
  input.setAttribute('aria-invalid', 'true');
  reveal(input);
}

export function showFieldError(input, message) {
  const id = `${input.id}-err`;
  let p = document.getElementById(id);
  if (!p) {
    p = h('p', { class: 'field-err', id, role: 'alert', dataset: { errorFor: input.dataset.field || input.name } });
    input.after(p);
  }
  p.textContent = message;
  const ids = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  if (!ids.includes(id)) input.setAttribute('aria-describedby', [...ids, id].join(' '));
  markInvalid(input);
}

export function clearFieldErrors(form) {
  for (const p of form.querySelectorAll('.field-err')) {
    const input = form.querySelector(`[aria-describedby~="${p.id}"]`);
    if (input) {
      const rest = input.getAttribute('aria-describedby').split(' ').filter((x) => x && x !== p.id);
      if (rest.length) input.setAttribute('aria-describedby', rest.join(' '));
      else input.removeAttribute('aria-describedby');
    }
    p.remove();
  }
  for (const f of form.querySelectorAll('[aria-invalid]')) f.removeAttribute('aria-invalid');
}
