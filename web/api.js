// REST client for jobd's /v1 API: bearer token from localStorage, JSON errors as ApiError, 401 hook.

const TOKEN_KEY = 'jobd.token';

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'http_error';
    this.field = e.field || null;
  }
}

let unauthorizedHook = () => {};
let reachableHook = () => {};

export const onUnauthorized = (fn) => { unauthorizedHook = fn; };
export const onReachable = (fn) => { reachableHook = fn; };

export function getToken() {
  try { return localStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}

export function setToken(t) {
  try {
    if (t) localStorage.setItem(TOKEN_KEY, t);
    else localStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: the token lives for this page only */ }
}

async function request(path, { method = 'GET', body, text = false, signal } = {}) {
  const headers = { Accept: text ? 'text/plain' : 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', signal });
  } catch (err) {
    reachableHook(false);
    throw new ApiError(0, { error: { code: 'network', message: `jobd unreachable (${err.message})` } });
  }
  reachableHook(true);
  // A 401 to a request sent before the token changed says nothing about the new token: no prompt for it.
  if (res.status === 401 && token === getToken()) unauthorizedHook();
  if (!res.ok) {
    let data = null;
    try { data = await res.json(); } catch { /* non-JSON error body */ }
    throw new ApiError(res.status, data);
  }
  if (text === 'stream') return res;
  if (text) return { text: await res.text(), truncated: res.headers.get('X-Jobd-Truncated') === 'true' };
  return res.json();
}

export const api = {
  get: (path) => request(path),
  post: (path, body) => request(path, { method: 'POST', body }),
  put: (path, body) => request(path, { method: 'PUT', body }),
  del: (path) => request(path, { method: 'DELETE' }),
  text: (path) => request(path, { text: true }),
  // A streamed text answer (?follow=true, the event stream): onOpen() once it is answered, onText(piece) as each
  // piece arrives; resolves when the server ends it.
  stream: async (path, onText, signal, onOpen = () => {}) => {
    const res = await request(path, { text: 'stream', signal });
    onOpen();
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const piece = dec.decode(value, { stream: true });
      if (piece) onText(piece);
    }
  },
};
