// The one SDK instance of the app, created once when the app starts.
// `create` returns at once; calls made before the wasm is ready are queued,
// so components can use it from their first render.
import { create } from 'iob-sdk';

export const iob = create({
  site: 'demo',
  endpoint: '/v1/ingest', // the collector, same origin here
  consent: 'opt-in', // nothing is stored or sent before the banner's answer
});

// Route changes through the history API are picked up by the SDK itself:
// every route is its own page view. Nothing else to wire.
iob.ready.catch((e) => console.warn('[app] analytics disabled:', e.message));
