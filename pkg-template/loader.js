// Script-tag loader: <script defer src=".../iob.js" data-site="..." data-endpoint="..."></script>
// Sets `window.iob` at once: calls made before the SDK is ready are queued.
// It then imports the ESM entry (index.js) and the wasm from next to itself,
// starts from the data-* attributes, and replays the queue in order.
(function () {
  const script = document.currentScript;
  if (!script) return;
  const d = script.dataset;
  const num = (v) => (v === undefined ? undefined : Number(v));
  const bool = (v) => (v === undefined ? undefined : v !== 'false');
  const config = {
    site: d.site,
    endpoint: d.endpoint,
    consent: d.consent,
    idleTimeoutMs: num(d.idleTimeoutMs),
    policyVersion: d.policyVersion,
    respectGpc: bool(d.respectGpc),
    identity: d.identity,
    rotationHours: num(d.rotationHours),
    // Consent signals: data-gdpr-applies="auto|true|false", data-tcf-timeout-ms, data-tcf-vendor-id.
    gdprApplies: d.gdprApplies,
    tcfTimeoutMs: num(d.tcfTimeoutMs),
    tcfVendorId: num(d.tcfVendorId),
    // Local differential privacy: data-ldp="clicks:20,active_ms:600000", data-ldp-epsilon="0.5".
    ldp: d.ldp,
    ldpEpsilon: d.ldpEpsilon,
    ldpDailyEpsilon: d.ldpDailyEpsilon,
    snapshotIntervalMs: num(d.snapshotIntervalMs),
  };
  // A page may queue calls before this script runs: window.iob = { q: [['consent.grant', ['analytics']]] }.
  const queue = window.iob && Array.isArray(window.iob.q) ? window.iob.q.map(([p, args]) => [p, args || []]) : [];
  const call = (target, path, args) => {
    const [a, b] = path.split('.');
    const fn = b ? target[a] && target[a][b] : target[a];
    return typeof fn === 'function' ? fn(...args) : undefined;
  };
  const defer = (path) => (...args) => {
    queue.push([path, args]);
  };
  const iob = {
    consent: { grant: defer('consent.grant'), deny: defer('consent.deny'), revoke: defer('consent.revoke'), state: () => null },
    features: () => null,
    explain: () => null,
    on: defer('on'),
    track: defer('track'),
    flush: defer('flush'),
    shutdown: defer('shutdown'),
  };
  iob.ready = import(new URL('index.js', script.src).href).then((m) => {
    const real = m.create(config);
    Object.assign(iob, real, { ready: real.ready });
    queue.splice(0).forEach(([path, args]) => {
      try {
        call(real, path, args);
      } catch (e) {
        console.warn('[iob]', e.message);
      }
    });
    return real.ready;
  });
  iob.ready.catch((e) => console.warn('[iob] not started:', e.message));
  window.iob = iob;
})();
