// Test-page code (not part of the SDK): filler to scroll, a button, and a
// record of the last payload each page view announced (`iob.on('payload')`),
// kept in localStorage under `test:payload:<pv>` (one key per page view, so
// tabs open side by side never overwrite each other's record) so a test can
// read the page's own final snapshot after the page is gone. The SDK's keys
// are `iob:*`; these are the host's.
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
    iob.on('payload', (p) => localStorage.setItem('test:payload:' + p.pv, JSON.stringify(p)));
  });
})();
