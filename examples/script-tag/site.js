// The demo site's own code: a consent banner wired to window.iob, filler
// content so there is something to scroll, and an "explain" view.
(function () {
  const $ = (id) => document.getElementById(id);
  const article = $('long-read');
  for (let i = 1; i <= 40; i++) {
    const p = document.createElement('p');
    p.textContent = 'Paragraph ' + i + '. Attention is measured here as time that is visible, focused and close to a real input, not as time a tab stays open.';
    article.appendChild(p);
  }
  $('cta').addEventListener('click', () => {
    $('cta-result').textContent = 'Clicked at ' + new Date().toLocaleTimeString();
  });
  const form = $('newsletter');
  if (form) form.addEventListener('submit', (e) => e.preventDefault());

  const banner = $('consent-banner');
  iob.ready.then(() => {
    const state = iob.consent.state();
    banner.hidden = state && state.record && state.record.source === 'api';
  });
  $('consent-accept').addEventListener('click', () => {
    iob.consent.grant(['analytics']);
    banner.hidden = true;
  });
  $('consent-reject').addEventListener('click', () => {
    iob.consent.deny(['analytics', 'personalization', 'marketing']);
    banner.hidden = true;
  });
  $('consent-revoke').addEventListener('click', () => iob.consent.revoke());
  $('privacy-link').addEventListener('click', (e) => {
    e.preventDefault();
    const pre = $('explain');
    pre.textContent = JSON.stringify(iob.explain(), null, 2);
    pre.hidden = false;
  });
})();
