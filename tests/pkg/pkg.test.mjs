// Checks of the built npm package (pkg/), as a consumer installing it would see it:
// `exports` resolve (JS and types), the `files` list ships what is needed and
// nothing else, `npm pack --dry-run` lists exactly that, and the version is the crate's.
// Run: make pkg && node --test tests/pkg/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkgDir = join(root, 'pkg');
const manifest = () => JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

/** What the package must ship (npm always adds package.json)... */
const REQUIRED = ['README.md', 'index.d.ts', 'index.js', 'iob-lite.js', 'iob.js', 'iob_sdk_bg.wasm', 'lite/index.js', 'lite/iob_sdk_bg.wasm', 'package.json'];
/** ...what it may also ship (the optional privacy panel, imported on its own), and nothing else. */
const OPTIONAL = ['panel.js'];
const expected = (present) => [...REQUIRED, ...OPTIONAL.filter((f) => present.includes(f))].sort();

let consumer; // a temporary project with node_modules/iob-sdk -> pkg/, like `npm install`

before(() => {
  assert.ok(existsSync(join(pkgDir, 'package.json')), 'pkg/ is built (make pkg)');
  consumer = mkdtempSync(join(tmpdir(), 'iob-consumer-'));
  mkdirSync(join(consumer, 'node_modules'));
  symlinkSync(pkgDir, join(consumer, 'node_modules', 'iob-sdk'), 'dir');
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
});

after(() => consumer && rmSync(consumer, { recursive: true, force: true }));

/** Runs an ESM snippet inside the consumer project; resolves to its parsed JSON output. */
async function inConsumer(code) {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: consumer });
  return JSON.parse(stdout);
}

test('package.json: ESM, exports with types first, side-effect free, the right name', () => {
  const m = manifest();
  assert.equal(m.name, 'iob-sdk');
  assert.equal(m.type, 'module');
  // The entry is side-effect free (tree-shakeable); only an opt-in extra may declare effects.
  assert.ok(m.sideEffects === false || (Array.isArray(m.sideEffects) && m.sideEffects.every((f) => OPTIONAL.includes(f.replace(/^\.\//, '')))), JSON.stringify(m.sideEffects));
  assert.equal(m.types, './index.d.ts');
  const dot = m.exports['.'];
  assert.equal(Object.keys(dot)[0], 'types', 'the types condition comes first (TypeScript reads conditions in order)');
  assert.equal(dot.types, './index.d.ts');
  assert.equal(dot.import, './index.js');
  for (const [sub, target] of Object.entries(m.exports)) {
    const file = typeof target === 'string' ? target : target.default;
    assert.ok(existsSync(join(pkgDir, file)), `exports["${sub}"] -> ${file} exists`);
    assert.ok(m.files.includes(file.replace(/^\.\//, '')) || file === './package.json', `exports["${sub}"] is shipped`);
  }
});

test('exports resolve from a consumer project, and the entry exports the public API', async () => {
  const r = await inConsumer(`
    const resolved = {};
    const base = new URL('.', import.meta.resolve('iob-sdk/package.json')).pathname;
    for (const s of ['iob-sdk', 'iob-sdk/lite', 'iob-sdk/iob.js', 'iob-sdk/iob-lite.js', 'iob-sdk/iob_sdk_bg.wasm', 'iob-sdk/lite/iob_sdk_bg.wasm', 'iob-sdk/package.json']) {
      resolved[s] = new URL(import.meta.resolve(s)).pathname.slice(base.length);
    }
    const m = await import('iob-sdk');
    const exported = Object.keys(m).sort();
    const lite = Object.keys(await import('iob-sdk/lite')).sort();
    let hidden = null;
    try { import.meta.resolve('iob-sdk/facade.js'); } catch (e) { hidden = e.code; }
    console.log(JSON.stringify({ resolved, exported, lite, hidden,
      errors: [new m.IobConfigError('x', 'site') instanceof m.IobError, new m.IobConsentError('x', 'ads').field] }));
  `);
  assert.deepEqual(r.resolved, {
    'iob-sdk': 'index.js',
    'iob-sdk/lite': 'lite/index.js',
    'iob-sdk/iob.js': 'iob.js',
    'iob-sdk/iob-lite.js': 'iob-lite.js',
    'iob-sdk/iob_sdk_bg.wasm': 'iob_sdk_bg.wasm',
    'iob-sdk/lite/iob_sdk_bg.wasm': 'lite/iob_sdk_bg.wasm',
    'iob-sdk/package.json': 'package.json',
  });
  assert.deepEqual(r.exported, ['IobConfigError', 'IobConsentError', 'IobError', 'create', 'init']);
  assert.deepEqual(r.lite, r.exported, 'iob-sdk/lite has the same API');
  assert.equal(r.hidden, 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'internal files are not importable');
  assert.deepEqual(r.errors, [true, 'ads']);
});

test('every runtime value the .d.ts declares is exported by index.js, and vice versa', async () => {
  const dts = readFileSync(join(pkgDir, 'index.d.ts'), 'utf8');
  const declared = [...dts.matchAll(/export declare (?:function|class|const) (\w+)/g)].map((x) => x[1]).sort();
  const { exported } = await inConsumer(`const m = await import('iob-sdk'); console.log(JSON.stringify({ exported: Object.keys(m).sort() }));`);
  assert.deepEqual(declared, exported);
});

test('TypeScript resolves the types through `exports` (bundler and node16 resolution)', async (t) => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  assert.ok(existsSync(tsc), 'typescript is installed (npm ci at the root)');
  writeFileSync(
    join(consumer, 'main.ts'),
    `import { init, type Iob } from 'iob-sdk';\nexport const iob: Promise<Iob> = init({ site: 'a', endpoint: '/v1/ingest', consent: 'opt-out' });\n`,
  );
  for (const resolution of ['bundler', 'node16']) {
    const module = resolution === 'bundler' ? 'esnext' : 'node16';
    const args = [tsc, '--strict', '--noEmit', '--module', module, '--moduleResolution', resolution, '--target', 'es2022', '--lib', 'es2022', '--skipLibCheck', '--traceResolution', 'main.ts'];
    const out = await run(process.execPath, args, { cwd: consumer }).catch((e) => assert.fail(`tsc (${resolution}) failed:\n${e.stdout}${e.stderr}`));
    assert.match(out.stdout, /Module name 'iob-sdk' was successfully resolved to '[^']*\/index\.d\.ts'/, resolution);
  }
});

test('the files list ships everything needed and nothing else; npm pack --dry-run agrees', async () => {
  const m = manifest();
  assert.deepEqual([...m.files, 'package.json'].sort(), expected(m.files));
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkgDir });
  const [info] = JSON.parse(stdout);
  const packed = info.files.map((f) => f.path).sort();
  assert.deepEqual(packed, expected(m.files), 'no sources, maps, templates or build leftovers');
  assert.equal(info.name, 'iob-sdk');
  assert.equal(info.version, m.version);
  // Everything the shipped JS loads at run time is in the package (URLs
  // relative to the file that names them: lite/index.js loads lite/iob_sdk_bg.wasm).
  const urls = packed
    .filter((f) => f.endsWith('.js'))
    .flatMap((f) => [...readFileSync(join(pkgDir, f), 'utf8').matchAll(/new URL\(\s*["'`]([^"'`]+)["'`]/g)].map((x) => join(dirname(f), x[1])));
  for (const u of ['iob_sdk_bg.wasm', 'index.js', 'lite/iob_sdk_bg.wasm', 'lite/index.js']) assert.ok(urls.includes(u), `${u} is loaded: ${urls}`);
  for (const u of urls) assert.ok(packed.includes(u), `${u} is shipped`);
  for (const entry of ['index.js', 'lite/index.js']) {
    const index = readFileSync(join(pkgDir, entry), 'utf8');
    assert.ok(!/\bfrom\s*["']\.{1,2}\//.test(index) && !/\bimport\s*\(\s*["']\.{1,2}\//.test(index), `${entry} is one self-contained module`);
  }
  const js = packed.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(pkgDir, f), 'utf8')).join('\n');
  assert.ok(!/sourceMappingURL/.test(js), 'no source map references');
  assert.ok(info.unpackedSize < 400_000, `unpacked size ${info.unpackedSize}`);
});

test('the version is the crate version, and CHANGELOG.md has an entry for it', () => {
  const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8');
  const crate = cargo.match(/^\[package\][^[]*?^version\s*=\s*"([^"]+)"/m)[1];
  assert.equal(manifest().version, crate);
  const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
  assert.match(changelog, new RegExp(`^## \\[?${crate.replace(/\./g, '\\.')}\\]?`, 'm'));
});

test('the README shipped in the package names the install, the import and the script tag', () => {
  const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8');
  assert.match(readme, /import \{ init \} from 'iob-sdk'/);
  assert.match(readme, /<script defer src="[^"]*iob\.js" data-site=/);
  assert.match(readme, /wasm-unsafe-eval/);
});

/**
 * Source paths of this repository's own crates in a wasm file (`src/…rs`,
 * `web/src/…rs`, `tools/…`): each is there only because a panic location
 * (an index, a slice, a `Vec::remove`, a division) was linked in.
 * @param {Buffer} wasm
 */
const ownSourcePaths = (wasm) =>
  [...wasm.toString('latin1').matchAll(/(?<![\w./-])(?:web\/|tools\/[\w-]+\/)?src\/[\w/]+\.rs/g)].map((m) => m[0]);

test('neither build links a panic location in our own code (no source path in the wasm)', () => {
  for (const file of ['iob_sdk_bg.wasm', 'lite/iob_sdk_bg.wasm']) {
    assert.deepEqual(ownSourcePaths(readFileSync(join(pkgDir, file))), [], `${file}: see CONTRIBUTING.md, size rules`);
  }
});

