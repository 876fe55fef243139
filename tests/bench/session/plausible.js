// Plausible's npm tracker as a site would start it (bundled by session.mjs
// into a classic script). captureOnLocalhost: the bench page is on 127.0.0.1.
import { init } from '@plausible-analytics/tracker';

init({ domain: 'bench.test', endpoint: '/api/event', captureOnLocalhost: true, logging: false });
