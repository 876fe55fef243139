// Starts the SDK for a trace replay (tests/e2e/traces.test.mjs): the page
// takes the trace's path first, when given (so the SDK's first route is the
// trace's), then `init` with the trace's options; segments announced are
// logged with the page clock.
import { init } from '/pkg/index.js';

const q = new URLSearchParams(location.search);
const config = JSON.parse(q.get('config') || '{}');
if (q.get('path')) history.replaceState(null, '', q.get('path'));
document.getElementById('checkout').addEventListener('submit', (e) => e.preventDefault());
window.segments = [];
init({ site: 'demo', endpoint: '/v1/ingest', ...config }).then((iob) => {
  iob.on('segment', (s) => window.segments.push([performance.now(), s]));
  window.iob = iob;
});
