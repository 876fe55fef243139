// Adds the script tag named by ?script= (iob.js or iob-lite.js), as a site
// would write it, so one page tests both builds (tests/e2e/builds.test.mjs).
const name = new URLSearchParams(location.search).get('script') === 'iob-lite.js' ? 'iob-lite.js' : 'iob.js';
const tag = document.createElement('script');
tag.src = `/pkg/${name}`;
tag.dataset.site = 'demo';
tag.dataset.endpoint = '/v1/ingest';
tag.dataset.consent = 'opt-out';
document.head.appendChild(tag);
