// iob-sdk privacy panel (optional, not part of index.js or iob.js).
// Load it next to the SDK: <script defer src=".../panel.js"></script>, or
// `import 'iob-sdk/panel.js'`. Any link or button with `data-iob-panel`
// (or href="#iob-privacy") opens a small dialog that shows what
// `iob.explain()` returns (what is stored, the consent state and why, the
// last payload sent) and offers to withdraw consent at once.
// The SDK instance is `window.iob`, or set `window.iobPanel.iob = instance`.
// No inline styles or scripts: it works under a strict CSP.
(function () {
  if (typeof document === 'undefined' || window.iobPanel) return;
  /** @type {{ iob: import('./index.js').Iob | null, open: () => void, close: () => void }} */
  const api = (window.iobPanel = { iob: null, open, close });
  /** @type {HTMLDialogElement | null} */
  let dialog = null;

  /**
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag @param {string | null} text @param {Partial<CSSStyleDeclaration>} [css]
   * @returns {HTMLElementTagNameMap[K]}
   */
  const el = (tag, text, css) => {
    const e = document.createElement(tag);
    if (text != null) e.textContent = text;
    if (css) Object.assign(e.style, css);
    return e;
  };
  const sdk = () => api.iob || window.iob || null;

  /** @param {HTMLDialogElement} dialog */
  function render(dialog) {
    const iob = sdk();
    const x = (iob && iob.explain && iob.explain()) || null;
    dialog.replaceChildren();
    dialog.append(el('h2', 'Your privacy on this site', { margin: '0 0 .5em', fontSize: '1.2em' }));
    if (!x) {
      dialog.append(el('p', 'The measurement script has not started.'));
    } else {
      const granted = x.consent.granted.filter((p) => p !== 'security');
      dialog.append(el('p', x.why));
      const dl = el('dl', null);
      /** @param {string} k @param {string} v */
      const row = (k, v) => dl.append(el('dt', k, { fontWeight: 'bold' }), el('dd', v, { margin: '0 0 .5em' }));
      row('Allowed', granted.length ? granted.join(', ') : 'nothing (only on-device security checks)');
      row('Stored on this device', x.stored_keys.length ? x.stored_keys.join(', ') : 'nothing');
      row('Sent to', x.sends_to);
      if (x.consent.record) row('Consent record', `${x.consent.record.id} (${new Date(x.consent.record.at_ms).toISOString()}, source: ${x.consent.record.source})`);
      dialog.append(dl);
      dialog.append(el('p', 'Last data sent:', { fontWeight: 'bold', margin: '0' }));
      const pre = el('pre', x.last_payload ? JSON.stringify(JSON.parse(x.last_payload), null, 2) : 'nothing yet', {
        maxHeight: '14em', overflow: 'auto', background: '#f4f4f4', padding: '.5em', fontSize: '.8em', whiteSpace: 'pre-wrap',
      });
      pre.className = 'iob-panel-payload';
      dialog.append(pre);
      if (granted.length) {
        const revoke = el('button', 'Stop and delete my data', { marginRight: '.5em' });
        revoke.type = 'button';
        revoke.className = 'iob-panel-revoke';
        revoke.addEventListener('click', () => {
          if (iob) iob.consent.revoke();
          render(dialog);
        });
        dialog.append(revoke);
      }
    }
    const done = el('button', 'Close');
    done.type = 'button';
    done.addEventListener('click', close);
    dialog.append(done);
  }

  function open() {
    if (!dialog) {
      dialog = el('dialog', null, { maxWidth: '32em', font: '14px/1.4 system-ui, sans-serif' });
      dialog.className = 'iob-panel';
      dialog.setAttribute('aria-label', 'Privacy panel');
      document.body.append(dialog);
    }
    render(dialog);
    if (!dialog.open) {
      if (dialog.showModal) dialog.showModal();
      else dialog.setAttribute('open', '');
    }
  }

  function close() {
    if (dialog && dialog.open) dialog.close ? dialog.close() : dialog.removeAttribute('open');
  }

  document.addEventListener('click', (e) => {
    const t = e.target instanceof Element && e.target.closest('[data-iob-panel], a[href="#iob-privacy"]');
    if (!t) return;
    e.preventDefault();
    open();
  });
})();
