// The steps of bfcache.html (see there). Page A records whether it was
// restored from the back/forward cache, and what its pagehide said.
addEventListener('pageshow', (e) => {
  if (e.persisted) {
    window.restored = true;
    window.backAt = performance.now();
  }
});
addEventListener('pagehide', (e) => {
  window.hidPersisted = e.persisted;
  window.leftAt = performance.now();
});
if (location.search.includes('b')) {
  setTimeout(() => history.back(), 1000);
} else {
  const started = setInterval(() => {
    // Until the wasm is ready, the script tag's iob queues calls and features() is null.
    if (!window.iob || !window.iob.features || window.iob.features() === null) return;
    clearInterval(started);
    const field = document.querySelector('input[name=qty]');
    field.value = '2';
    field.dispatchEvent(new Event('input', { bubbles: true }));
    setTimeout(() => (location.href = 'bfcache.html?b'), 1000);
  }, 50);
}
