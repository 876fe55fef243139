// scripts/drop-panic-text.mjs: what it blanks or shortens in a module
// assembled here, and that the shipped builds carry none of core's and
// alloc's panic text and none of wasm-bindgen's long runtime messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropPanicText, FORMAT_TABLES, PANIC_TEXT, RUNTIME_TEXT } from '../../scripts/drop-panic-text.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const digits = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join('');
const path = `/rustc/${'5'.repeat(40)}/library/core/src/slice/index.rs`;

/** Assembles `wat` with binaryen's wasm-as and returns the file. */
function assemble(wat) {
  const dir = mkdtempSync(join(tmpdir(), 'iob-drop-panic-'));
  writeFileSync(join(dir, 'm.wat'), wat);
  execFileSync(join(root, 'node_modules/.bin/wasm-as'), [join(dir, 'm.wat'), '-o', join(dir, 'm.wasm')]);
  return join(dir, 'm.wasm');
}

/** The text of `wasm`'s data (one segment at 1024 in these modules). */
const dataText = (wasm) => readFileSync(wasm).toString('latin1');

test('panic text is blanked even where code refers to it; our own text is kept', () => {
  // "capacity overflow" and the path are referenced (a live panic path), "range end index " is not.
  const wat = `(module (memory 1)
    (data (i32.const 1024) "keep me: /path/ 1 of 2|capacity overflow|range end index |${path}|the end")
    (func (export "a") (result i32) (i32.const 1047))
    (func (export "b") (result i64) (i64.const ${(BigInt(19) << 32n) | BigInt(1024 + 41)})))`;
  const file = assemble(wat);
  const { texts } = dropPanicText(file, file);
  const text = dataText(file);
  assert.equal(texts, 3);
  assert.ok(text.includes('keep me: /path/ 1 of 2|'), 'our own text stays');
  assert.ok(text.includes('|the end'), 'our own text stays');
  assert.ok(!text.includes('capacity overflow') && !text.includes('range end index') && !text.includes('/rustc/'));
  assert.ok(text.includes(`|${'\0'.repeat(17)}|`), 'blanked in place, the layout unchanged');
});

test('a runtime message is shortened in place, where code refers to it: same length, our own text kept', () => {
  const long = 'recursive use of an object detected which would lead to unsafe aliasing in rust';
  // The code refers to the message (pointer 1024 + 6, length 80), as wasm-bindgen's throw does.
  const file = assemble(`(module (memory 1)
    (data (i32.const 1024) "ours:|${long}|recursive use of ours")
    (func (export "f") (result i64) (i64.const ${(BigInt(long.length) << 32n) | BigInt(1024 + 6)})))`);
  const { shortened, texts } = dropPanicText(file, file);
  assert.deepEqual({ shortened, texts }, { shortened: 1, texts: 0 });
  const text = dataText(file);
  const at = text.indexOf('ours:|') + 6;
  const message = text.slice(at, at + long.length);
  assert.equal(message, RUNTIME_TEXT[long].padEnd(long.length, ' '), 'the label, padded to the same length');
  assert.equal(message.trim(), 'recursive use');
  assert.ok(text.includes(`${' '.repeat(10)}|recursive use of ours`), 'what follows stays where it was');
});

test('a format table is blanked only when nothing refers to it', () => {
  const hex = '0x0123456789ABCDEF';
  // Four tables between markers, at these offsets from the data's start (1024).
  const tables = [digits, hex, digits, hex];
  const offsets = [];
  let layout = '';
  for (const [i, table] of tables.entries()) {
    layout += `<${i}>`;
    offsets.push(layout.length);
    layout += table;
  }
  const cases = [
    // [what refers, the function, which of the four tables stay]
    ['nothing', '(result i32) (i32.const 0)', [false, false, false, false]],
    ['an i32.const inside the first', `(result i32) (i32.const ${1024 + offsets[0] + 10})`, [true, false, false, false]],
    ['a load offset at the second', `(result i32) (i32.load offset=${1024 + offsets[1]} (i32.const 0))`, [false, true, false, false]],
    ['the high half of an i64.const', `(result i64) (i64.const ${BigInt(1024 + offsets[2]) << 32n})`, [false, false, true, false]],
  ];
  for (const [what, func, stays] of cases) {
    const file = assemble(`(module (memory 1) (data (i32.const 1024) "${layout}") (func (export "f") ${func}))`);
    const { kept } = dropPanicText(file, file);
    const text = dataText(file);
    const base = text.indexOf('<0>');
    const present = tables.map((table, i) => text.slice(base + offsets[i], base + offsets[i] + table.length) === table);
    assert.deepEqual(present, stays, `refers: ${what}`);
    assert.equal(kept, stays.filter(Boolean).length, `refers: ${what}`);
    assert.ok(tables.every((_, i) => text.includes(`<${i}>`)), 'the markers stay');
  }
  // A pointer to a table held in data keeps it too.
  const file = assemble(`(module (memory 1)
    (data (i32.const 1024) "${hex}|")
    (data (i32.const 2048) "\\00\\04\\00\\00")
    (func (export "f") (result i32) (i32.const 0)))`);
  assert.equal(dropPanicText(file, file).kept, 1);
  assert.ok(dataText(file).includes(hex));
});

test('neither shipped build carries core\'s or alloc\'s panic text', () => {
  for (const file of ['iob_sdk_bg.wasm', 'lite/iob_sdk_bg.wasm']) {
    const text = readFileSync(join(root, 'pkg', file)).toString('latin1');
    assert.deepEqual([...text.matchAll(PANIC_TEXT)].map((m) => m[0]), [], file);
    assert.deepEqual(Object.keys(RUNTIME_TEXT).filter((long) => text.includes(long)), [], `${file}: wasm-bindgen's long messages`);
  }
});

test('no source file of ours contains a panic text, a format table or a runtime message (none can share its bytes)', () => {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.rs')) {
        const text = readFileSync(full, 'utf8');
        for (const m of [...text.matchAll(PANIC_TEXT), ...text.matchAll(FORMAT_TABLES)]) found.push(`${full}: ${m[0]}`);
        for (const long of Object.keys(RUNTIME_TEXT)) if (text.includes(long)) found.push(`${full}: ${long}`);
      }
    }
  };
  for (const dir of ['src', 'web/src', 'tools']) walk(join(root, dir));
  assert.deepEqual(found, []);
});
