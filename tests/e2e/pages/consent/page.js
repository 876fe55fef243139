// Test page set-up, driven by the query string:
//   consent=opt-in|opt-out|exempt, gdpr=auto|true|false, tcfTimeoutMs=N,
//   cmp=1 (install the test CMP before the SDK), cmpLate=MS (install it later),
//   gcm=denied|granted (a Consent Mode default pushed before the SDK loads),
//   gcmRegion=1 (Google's documented pattern: a default denied for EEA
//   regions, then a global default granted).
// The script-tag loader reads its data-* attributes through document.currentScript.
(function () {
  const q = new URLSearchParams(location.search);
  window.dataLayer = window.dataLayer || [];
  window.gtag = function () {
    window.dataLayer.push(arguments);
  };
  if (q.get('gcm')) window.gtag('consent', 'default', { analytics_storage: q.get('gcm'), ad_storage: 'denied' });
  if (q.get('gcmRegion')) {
    window.gtag('consent', 'default', { analytics_storage: 'denied', ad_storage: 'denied', region: ['AT', 'BE', 'DE', 'FR', 'IT', 'NL', 'ES'] });
    window.gtag('consent', 'default', { analytics_storage: 'granted', ad_storage: 'granted' });
  }
  // Unrelated dataLayer traffic must not confuse the reader.
  window.dataLayer.push({ event: 'page_ready' });

  const loadCmp = () => {
    const s = document.createElement('script');
    s.src = '/cmp/cmp.js';
    document.head.appendChild(s);
  };
  if (q.get('cmp')) loadCmp();
  if (q.get('cmpLate')) setTimeout(loadCmp, Number(q.get('cmpLate')));

  const sdk = document.createElement('script');
  sdk.src = '/pkg/iob.js';
  sdk.dataset.site = 'demo';
  sdk.dataset.endpoint = '/v1/ingest';
  sdk.dataset.consent = q.get('consent') || 'opt-in';
  if (q.get('gdpr')) sdk.dataset.gdprApplies = q.get('gdpr');
  if (q.get('tcfTimeoutMs')) sdk.dataset.tcfTimeoutMs = q.get('tcfTimeoutMs');
  if (q.get('vendor')) sdk.dataset.tcfVendorId = q.get('vendor');
  document.head.appendChild(sdk);

  document.addEventListener('DOMContentLoaded', () => {
    document.getElementById('gcm-grant').addEventListener('click', () => window.gtag('consent', 'update', { analytics_storage: 'granted' }));
    document.getElementById('signup').addEventListener('submit', (e) => e.preventDefault());
  });
})();
