// Test-page code (not part of the SDK): filler to scroll, a button, and a
// record of every payload this page announced (`iob.on('payload')`), kept in
// localStorage under `test:payloads` so a test can read the page's own final
// snapshot after the page is gone. The SDK's keys are `iob:*`; this is the host's.
(function () {
  const long = document.getElementById('long');
  for (let i = 1; i <= 60; i++) {
    const p = document.createElement('p');
    p.textContent = 'Paragraph ' + i + ' of a long page, so there is something to scroll.';
    long.appendChild(p);
  }
  document.getElementById('a').addEventListener('click', () => {
    document.getElementById('out').textContent = 'clicked';
  });
  iob.ready.then(() => {
    iob.on('payload', (p) => {
      const all = JSON.parse(localStorage.getItem('test:payloads') || '{}');
      all[p.pv] = p;
      localStorage.setItem('test:payloads', JSON.stringify(all));
    });
  });
})();
