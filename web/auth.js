// Token prompt: opened when the API answers 401 (or from the header button); the token is kept in localStorage.

import { getToken, setToken } from './api.js';

let dlg;
let onSaved;
let dismissed = false; // closed without a token: do not pop up again on every poll

export function initAuth(dialog, button, saved) {
  dlg = dialog;
  onSaved = saved;
  const input = dlg.querySelector('#token-input');
  dlg.querySelector('#token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const t = input.value.trim();
    if (!t) { input.focus(); return; }
    setToken(t);
    dlg.close();
    onSaved();
  });
  dlg.querySelector('#token-clear').addEventListener('click', () => {
    setToken('');
    input.value = '';
    dlg.close();
    onSaved();
  });
  dlg.addEventListener('cancel', () => { dismissed = true; });
  button.addEventListener('click', () => { dismissed = false; promptToken(false); });
}

// rejected: the API refused the request (no token, or a wrong one).
export function promptToken(rejected = true) {
  if (dlg.open || (rejected && dismissed)) return;
  const why = dlg.querySelector('#token-why');
  if (rejected) {
    why.textContent = getToken()
      ? 'jobd rejected the saved token. Enter the right one; it is kept in this browser.'
      : 'This jobd requires a bearer token. It is kept in this browser\'s local storage.';
  } else {
    why.textContent = 'Set or change the API token kept in this browser.';
  }
  dlg.dataset.rejected = String(rejected);
  const input = dlg.querySelector('#token-input');
  input.value = '';
  dlg.showModal();
  input.focus();
}
