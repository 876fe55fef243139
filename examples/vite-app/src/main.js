// iob-sdk through npm and Vite. The wasm file is emitted by `vite build`
// because the package locates it with `new URL('iob_sdk_bg.wasm', import.meta.url)`.
import { init, IobConfigError } from 'iob-sdk';

const $ = (id) => document.getElementById(id);

async function main() {
  let iob;
  try {
    iob = await init({
      site: 'demo',
      // Same-origin collector path here; a full URL works too (allow it in connect-src).
      endpoint: '/v1/ingest',
      consent: 'opt-in',
    });
  } catch (e) {
    $('status').textContent = e instanceof IobConfigError ? `bad option ${e.field}: ${e.message}` : String(e);
    return;
  }
  const banner = $('consent');
  const decided = iob.consent.state()?.record?.source === 'api';
  banner.hidden = decided;
  $('allow').addEventListener('click', () => {
    iob.consent.grant(['analytics']);
    banner.hidden = true;
  });
  $('refuse').addEventListener('click', () => {
    iob.consent.deny(['analytics', 'personalization', 'marketing']);
    banner.hidden = true;
  });
  iob.on('consent', (s) => ($('status').textContent = `ready; granted: ${s.granted.join(', ')}`));
  iob.on('payload', (p) => ($('status').textContent = `sent payload #${p.seq}`));
  $('cta').addEventListener('click', () => {
    $('features').textContent = JSON.stringify(iob.features(), null, 2);
  });
  $('status').textContent = `ready; granted: ${iob.consent.state().granted.join(', ')}`;
  window.iob = iob; // for the end-to-end test and the curious
}

main();
