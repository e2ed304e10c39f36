// The page's one drawing moment: panels that read the API queue their DOM writes here (the newest per key) and
// app.js's render frame applies them with the timeline and counts, so the answers that arrive between two frames cost
// one round of style, layout, paint and compositing, not one each.

const queued = new Map(); // key -> the write
let wake = () => {};

// Runs write() in the next render frame; a later write of the same key replaces it.
export function inFrame(key, write) {
  queued.set(key, write);
  wake();
}

// app.js: wake() schedules its render, which calls flushFrame().
export function onFrameQueued(fn) { wake = fn; }

export function flushFrame() {
  const writes = [...queued.values()];
  queued.clear();
  for (const w of writes) w();
}
