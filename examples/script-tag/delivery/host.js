// The host page's own behaviour, identical with and without the SDK: click
// handlers that record what they saw, a handler that throws, and the page's
// own error reporting. The end-to-end suite compares the two pages.
(function () {
  window.hostLog = [];
  window.addEventListener('error', (e) => window.hostLog.push('onerror:' + e.message));
  window.addEventListener('unhandledrejection', (e) => window.hostLog.push('rejection:' + String(e.reason)));
  document.getElementById('count').addEventListener('click', (e) => {
    window.hostLog.push('count:' + e.isTrusted + ':' + e.defaultPrevented);
  });
  document.getElementById('boom').addEventListener('click', () => {
    window.hostLog.push('boom');
    throw new Error('host handler failed');
  });
  document.getElementById('link').addEventListener('click', (e) => {
    e.preventDefault();
    window.hostLog.push('link-prevented');
  });
  document.addEventListener('click', (e) => window.hostLog.push('bubbled:' + e.target.id), false);
})();
