// Init to ready of two or more bench builds, compared: `node
// tests/bench/startup-ab.mjs DIR... [--pages N]` (each DIR a bench build,
// as scripts/bench.sh writes target/bench/www). One fresh page per build in
// turn, N rounds (default 40), so a noisy machine weighs on every build
// alike; each page times the loader's order (`startupCompiled` of page.js:
// the wasm compiled while index.js loads, then instantiate + `new Iob`).
// Prints each build's median and quartiles.
import { serve, launch, onFreshPage, dirsAndPages } from './serve.mjs';

const { dirs: args, rounds } = dirsAndPages('node tests/bench/startup-ab.mjs DIR... [--pages N]', 40);
const servers = await Promise.all(args.map(serve));
const browser = await launch();
const times = args.map(() => []);
try {
  for (let r = 0; r < rounds; r++) {
    for (const [i, s] of servers.entries()) times[i].push(await onFreshPage(browser, s.url, 'startupCompiled'));
  }
} finally {
  await browser.close();
  servers.forEach((s) => s.close());
}
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.round(q * (xs.length - 1))].toFixed(2);
args.forEach((dir, i) =>
  console.log(`${dir}: init to ready after the wasm fetch and compile, ${rounds} fresh pages: median ${quantile(times[i], 0.5)} ms [quartiles ${quantile(times[i], 0.25)}-${quantile(times[i], 0.75)}]`),
);
