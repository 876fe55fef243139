// Helpers for the example apps (examples/vite-app, examples/react-spa): they
// depend on the built package through `file:../../pkg` and are built with
// `vite build` before their end-to-end tests, so dist/ always holds the current pkg/.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { root } from './harness.mjs';

/** Runs `vite build` in examples/<name> (with extra environment `env`); resolves to the dist/ directory. */
export async function buildExample(name, env = {}) {
  const dir = join(root, 'examples', name);
  const vite = join(dir, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite) || !existsSync(join(dir, 'node_modules', 'iob-sdk', 'package.json'))) {
    throw new Error(`examples/${name} is not installed: run \`make pkg && bash scripts/setup.sh\` (npm ci in the example)`);
  }
  try {
    await promisify(execFile)(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: dir, timeout: 120000, env: { ...process.env, ...env } });
  } catch (e) {
    throw new Error(`vite build failed in examples/${name}:\n${e.stdout}\n${e.stderr}`);
  }
  return join(dir, 'dist');
}

/** Collects CSP violations, page errors and console errors/warnings of a page. */
export function watchPage(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (/\/favicon\.ico$/.test(m.location()?.url ?? '')) return; // the examples have no icon: not our concern
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()} (${m.location()?.url})`);
  });
  return problems;
}
