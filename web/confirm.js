// Confirmation for destructive actions (deleting a schedule): a modal <dialog> (index.html #confirm-dialog) that
// resolves true only when the person presses its confirm button; Cancel or Esc resolve false. Focus starts on
// Cancel, the safe choice, and returns to whatever had it before.

let dlg;

export function initConfirm(dialog) {
  dlg = dialog;
}

export function confirmAction({ title, text, ok }) {
  if (dlg.open) return Promise.resolve(false);
  const back = document.activeElement;
  dlg.querySelector('#confirm-title').textContent = title;
  dlg.querySelector('#confirm-text').textContent = text;
  dlg.querySelector('button[value=ok]').textContent = ok;
  dlg.returnValue = '';
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => {
      if (back && back.isConnected) back.focus();
      resolve(dlg.returnValue === 'ok');
    }, { once: true });
    dlg.showModal();
    dlg.querySelector('button[value=cancel]').focus();
  });
}
