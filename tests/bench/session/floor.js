// The floor of any listener-based SDK: the same 17 passive listeners as
// iob-sdk's shell (web/src/listeners.rs: same events, targets and phases),
// each doing nothing. Its cost over the baseline is what the browser charges
// for calling into JS per event, before an SDK does any work.
(function () {
  const noop = () => {};
  const names = 'pointermove,click,keydown,wheel,touchstart,scroll,focus,blur,pagehide,input,submit,error,unhandledrejection,popstate,hashchange,visibilitychange,selectionchange'.split(',');
  const captures = 0x873f;
  names.forEach((name, k) => {
    const target = k >= 15 ? document : window;
    target.addEventListener(name, noop, { passive: true, capture: ((captures >>> k) & 1) === 1 });
  });
})();
