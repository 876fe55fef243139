// Behaviour of the feature test page: a counter, a throwing tile, an SPA
// link (history.pushState), forms that submit without leaving, filler to scroll.
(function () {
  const $ = (id) => document.getElementById(id);
  for (let i = 0; i < 40; i++) $('filler').appendChild(document.createElement('p')).textContent = 'Filler ' + i;
  $('live').addEventListener('click', () => {
    $('count').textContent = String(Number($('count').textContent) + 1);
  });
  $('broken').addEventListener('click', () => {
    setTimeout(() => {
      throw new Error('broken tile');
    }, 10);
  });
  $('spa-link').addEventListener('click', (e) => {
    e.preventDefault();
    history.pushState({ page: 2 }, '', '/test/spa/page-2');
    document.title = 'Page 2';
  });
  for (const f of ['signup', 'other']) $(f).addEventListener('submit', (e) => e.preventDefault());
})();
