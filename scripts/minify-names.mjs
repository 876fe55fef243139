// Shortens the wasm's import and export names and its import module names,
// and rewrites the wasm-bindgen JS glue to match. wasm-bindgen names every
// import `__wbg_<name>_<16 hex digits>` and every closure export
// `wasm_bindgen__convert__closures_____invoke__h<16 hex digits>`; those
// hashes appear twice (in the wasm and in the glue) and do not compress.
// Exports the glue never reads (`wasm.NAME`) are dropped; `memory` keeps its name.
// Usage: node scripts/minify-names.mjs <bg.wasm> <glue.js>   (both rewritten in place)
import { readFileSync, writeFileSync } from 'node:fs';

const [wasmPath, gluePath] = process.argv.slice(2);
const wasm = readFileSync(wasmPath);
let glue = readFileSync(gluePath, 'utf8');

function readU32(buf, pos) {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    result |= (b & 0x7f) << shift;
    if (!(b & 0x80)) return [result >>> 0, pos];
    shift += 7;
  }
}
function u32(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}
const name = (s) => Buffer.concat([u32(Buffer.byteLength(s)), Buffer.from(s)]);
/** The name at `pos` (length-prefixed UTF-8) and the position after it. @returns {[string, number]} */
function readName(pos) {
  const [len, at] = readU32(wasm, pos);
  return [wasm.toString('utf8', at, at + len), at + len];
}
// a..z, A..Z, then aa, ab, ...: always a valid JS identifier.
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const shortName = (i) => (i < LETTERS.length ? '' : shortName(Math.floor(i / LETTERS.length) - 1)) + LETTERS[i % LETTERS.length];

// Export names the glue reads as `wasm.NAME`, each renamed to `_` + a short
// name (kept apart from the import names); `memory` stays, so tools that read
// `exports.memory` still find it.
const exportRenamed = new Map();
/** Snippet modules imported directly, and their short names. */
const snippetModules = new Map();
function exportSection(start) {
  let p = start;
  let count;
  [count, p] = readU32(wasm, p);
  const kept = [];
  for (let i = 0; i < count; i++) {
    let field;
    [field, p] = readName(p);
    const [, after] = readU32(wasm, p + 1);
    const desc = wasm.subarray(p, after);
    p = after;
    if (field === 'memory') kept.push(Buffer.concat([name(field), desc]));
    else if (new RegExp(`\\bwasm\\.${field}\\b`).test(glue)) {
      const short = `_${shortName(exportRenamed.size)}`;
      exportRenamed.set(field, short);
      kept.push(Buffer.concat([name(short), desc]));
    }
  }
  const payload = Buffer.concat([u32(kept.length), ...kept]);
  return Buffer.concat([Buffer.from([7]), u32(payload.length), payload]);
}

if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm module');
let pos = 8;
const parts = [wasm.subarray(0, 8)];
const renamed = new Map();
let moduleName = null;
while (pos < wasm.length) {
  const id = wasm[pos];
  const [size, start] = readU32(wasm, pos + 1);
  const end = start + size;
  if (id === 7) {
    parts.push(exportSection(start));
    pos = end;
    continue;
  }
  if (id !== 2) {
    parts.push(wasm.subarray(pos, end));
    pos = end;
    continue;
  }
  let p = start;
  let count;
  [count, p] = readU32(wasm, p);
  const entries = [];
  for (let i = 0; i < count; i++) {
    let mod, field;
    [mod, p] = readName(p);
    [field, p] = readName(p);
    const kind = wasm[p];
    if (kind !== 0) throw new Error(`import ${mod}.${field} is not a function (kind ${kind}); nothing rewritten`);
    const [, after] = readU32(wasm, p + 1);
    entries.push({ mod, field, desc: wasm.subarray(p, after) });
    p = after;
  }
  // wasm-bindgen's own module (its glue) holds every import that needs glue;
  // a snippet function that needs none (numbers in, a number out) is imported
  // straight from its module (`import * as importN`), keyed by its own name,
  // which must stay: only that module's name is shortened.
  const main = entries.find((e) => e.mod.endsWith('_bg.js'));
  if (!main) throw new Error('no import from the wasm-bindgen glue module; nothing rewritten');
  moduleName = main.mod;
  const body = [u32(count)];
  let n = 0;
  for (const e of entries) {
    if (e.mod === moduleName) {
      const short = shortName(n++);
      renamed.set(e.field, short);
      body.push(name('w'), name(short), e.desc);
    } else {
      if (!snippetModules.has(e.mod)) snippetModules.set(e.mod, `m${snippetModules.size}`);
      body.push(name(snippetModules.get(e.mod)), name(e.field), e.desc);
    }
  }
  const payload = Buffer.concat(body);
  parts.push(Buffer.from([2]), u32(payload.length), payload);
  pos = end;
}
if (!moduleName) throw new Error('no import section');

// Rewrite the glue: each import is an object key `NAME:` in __wbg_get_imports,
// and the import object is keyed by the module name.
for (const [long, short] of renamed) {
  const re = new RegExp(`\\b${long}\\b`, 'g');
  const n = (glue.match(re) || []).length;
  if (n === 0) throw new Error(`import ${long} not found in the glue`);
  glue = glue.replace(re, short);
}
for (const [long, short] of exportRenamed) {
  glue = glue.replace(new RegExp(`\\bwasm\\.${long}\\b`, 'g'), `wasm.${short}`);
}
if (!exportRenamed.has('__wbindgen_malloc')) throw new Error('the glue reads no wasm.__wbindgen_malloc; nothing rewritten');
const modLiteral = `"${moduleName}"`;
if (!glue.includes(modLiteral)) throw new Error(`module name ${modLiteral} not found in the glue`);
glue = glue.split(modLiteral).join('"w"');
// A snippet module's keys in the import object (`"./snippets/…/x.js": importN`,
// once per namespace import wasm-bindgen made of it); its
// `import * as importN from "…"` lines keep the path.
for (const [long, short] of snippetModules) {
  const key = `"${long}": import`;
  if (!glue.includes(key)) throw new Error(`import object key for ${long} not found in the glue`);
  glue = glue.split(key).join(`"${short}": import`);
}

writeFileSync(wasmPath, Buffer.concat(parts));
writeFileSync(gluePath, glue);
console.log(`minify-names: ${renamed.size} imports and ${exportRenamed.size} exports renamed`);
