// Makes the start-up breakdown's copy of the bench build (`make bench`):
// `<dir>/parts/` holds the same files, except that every function the
// shell's JS snippets export is wrapped to add its own time to
// `globalThis.iobStartupParts[name]` (ms). Only the outermost call counts:
// a snippet that calls another exported one (every attach function calls
// `attached` of browser.js), or that reports into the wasm which then calls
// another, holds that time in its own. The wasm and the glue are
// unchanged, so what is not in a snippet is the wasm's own work, its lazy
// compilation and the glue.
import { cp, readdir, readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Wraps each `export function name(` of one snippet's source. */
function wrapExports(source) {
  const names = [...source.matchAll(/^export function (\w+)\(/gm)].map((m) => m[1]);
  let out = source;
  for (const name of names) {
    out = out.replace(new RegExp(`^export function ${name}\\(`, 'm'), `function ${name}Timed(`);
    out += `\nexport function ${name}(...args) {
  const t0 = performance.now();
  globalThis.iobStartupDepth = (globalThis.iobStartupDepth || 0) + 1;
  try {
    return ${name}Timed(...args);
  } finally {
    if (--globalThis.iobStartupDepth === 0) {
      const parts = (globalThis.iobStartupParts ??= {});
      parts.${name} = (parts.${name} || 0) + performance.now() - t0;
    }
  }
}\n`;
  }
  return out;
}

/** Copies `dir` to `dir/parts` with the snippets' exports timed; returns the copy's path. */
export async function instrumentedCopy(dir) {
  const parts = join(dir, 'parts');
  await rm(parts, { recursive: true, force: true });
  for (const e of await readdir(dir)) if (e !== 'parts') await cp(join(dir, e), join(parts, e), { recursive: true });
  const walk = async (d) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.js')) await writeFile(p, wrapExports(await readFile(p, 'utf8')));
    }
  };
  await walk(join(parts, 'snippets'));
  return parts;
}
