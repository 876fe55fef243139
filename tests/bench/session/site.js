// The bench site's own script, identical in every variant and in the no-SDK
// baseline: a consent banner that grants analytics to the SDK when there is
// one (iob-sdk; the others send without consent), a button that changes the
// page, and counters of the input the page saw (read once per page view by
// the driver, as a check that every variant got the same input).
(function () {
  const seen = /** @type {Record<string, number>} */ ({});
  ['pointermove', 'click', 'keydown', 'wheel', 'scroll', 'selectionchange'].forEach((n) => {
    seen[n] = 0;
    (n === 'selectionchange' ? document : window).addEventListener(n, () => seen[n]++, { passive: true, capture: true });
  });
  /** @type {any} */ (window).benchSeen = seen;
  const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  byId('accept').addEventListener('click', () => {
    const iob = /** @type {any} */ (window).iob;
    if (iob && iob.consent) iob.consent.grant(['analytics']);
  });
  byId('cta').addEventListener('click', () => {
    byId('out').textContent = 'Done at ' + Math.round(performance.now()) + ' ms';
  });
  byId('signup').addEventListener('submit', (e) => e.preventDefault());
  // --churn: a clock that changes the page every 100 ms, input or not.
  if (/** @type {any} */ (window).benchChurn) {
    const clock = document.createElement('p');
    document.body.appendChild(clock);
    let n = 0;
    setInterval(() => {
      clock.textContent = `${n++}`;
      clock.style.opacity = String(0.5 + (n % 5) / 10);
    }, 100);
  }
})();
