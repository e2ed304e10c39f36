// Job-spec inputs that the submit form and the new-schedule form share, read the same way in both: the command (a
// shell string, or an argv JSON array when the form's "mode" radio says so), the queue and the resource limits.
// A reader adds what is filled in to `spec` and returns null, or returns {message, name} naming the input at fault;
// showing the message is the caller's business.

const LIMITS = ['memory_mb', 'cpu_s', 'open_files', 'processes']; // docs/openapi.json "Limits"

const input = (form, name) => form.elements.namedItem(name);

// The command placeholder follows the chosen mode.
export function watchCommandMode(form) {
  form.addEventListener('change', (e) => {
    if (e.target.name === 'mode') input(form, 'command').placeholder = e.target.value === 'argv' ? '["sleep", "1"]' : 'sleep 1';
  });
}

export function readCommand(form, spec) {
  const raw = input(form, 'command').value.trim();
  if (!raw) return { message: 'Enter a command.', name: 'command' };
  if (input(form, 'mode').value !== 'argv') {
    spec.command = raw;
    return null;
  }
  let argv;
  try { argv = JSON.parse(raw); } catch {
    return { message: 'argv must be a JSON array of strings, e.g. ["sleep", "1"].', name: 'command' };
  }
  if (!Array.isArray(argv) || !argv.length || !argv.every((a) => typeof a === 'string')) {
    return { message: 'argv must be a non-empty JSON array of strings.', name: 'command' };
  }
  spec.command = argv;
  return null;
}

// The server checks the name (and, with --strict-queues, that the queue exists): its message is the one to show.
export function readQueue(form, spec) {
  const q = input(form, 'queue').value.trim();
  if (q) spec.queue = q;
  return null;
}

// Inputs named limit_<key>; the upper bounds are the server's (--max-memory-mb …), so only "whole number ≥ 1" here.
export function readLimits(form, spec) {
  const limits = {};
  for (const key of LIMITS) {
    const el = input(form, `limit_${key}`);
    if (!el || el.value.trim() === '') continue;
    const n = Number(el.value);
    if (!Number.isInteger(n) || n < 1) {
      const label = el.labels && el.labels[0] ? el.labels[0].textContent.trim() : key;
      return { message: `${label} must be a whole number ≥ 1 (or empty for no limit).`, name: `limit_${key}` };
    }
    limits[key] = n;
  }
  if (Object.keys(limits).length) spec.limits = limits;
  return null;
}

// "(2 set)" beside the limits disclosure, so a closed one still says it will apply limits.
export function watchLimits(form, note) {
  const show = () => {
    const n = LIMITS.filter((k) => { const el = input(form, `limit_${k}`); return el && el.value.trim() !== ''; }).length;
    note.textContent = n ? `(${n} set)` : '';
  };
  form.addEventListener('input', show);
  form.addEventListener('change', show);
  show();
}
