// Google's web-vitals measures the same page (served at /wv/ by the test)
// while the page paints a large element late and shifts its layout twice.
import { onLCP, onCLS } from '/wv/web-vitals.js';

window.wv = {};
onLCP((m) => (window.wv.lcp = m.value), { reportAllChanges: true });
onCLS((m) => (window.wv.cls = m.value), { reportAllChanges: true });

setTimeout(() => {
  const big = document.getElementById('late');
  big.textContent = 'A late paragraph that becomes the largest text on the page. '.repeat(12);
}, 300);
setTimeout(() => (document.getElementById('banner').style.height = '80px'), 500);
setTimeout(() => (document.getElementById('banner').style.height = '140px'), 900);
