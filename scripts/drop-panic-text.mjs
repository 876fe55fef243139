// Blanks (zeroes) the standard library's panic text in the optimised wasm, and
// shortens wasm-bindgen's runtime error messages in place:
// `node scripts/drop-panic-text.mjs IN [OUT]`.
//
// Why: rustc lays every string constant out in one read-only data segment,
// and the precompiled core and alloc bring their panic messages ("range end
// index …", "capacity overflow") and the source paths of their panic
// locations (`/rustc/<hash>/library/…rs`). wasm-opt removes the code of panic
// paths it proves unreachable, but never data. Removing them at the source
// needs a nightly toolchain (`-Zbuild-std`, `panic_immediate_abort`); this
// removes them after linking. Two kinds of text, two rules:
//
// - `PANIC_TEXT` (panic messages, location paths) is blanked wherever it is:
//   a message or a `Location` only ever reaches the panic handler, and the
//   shipped wasm's handler (`web/src/runtime.rs`) aborts without reading it.
//   No source file of ours contains such a text (a test checks), so no
//   constant of ours can have been merged with one.
// - `FORMAT_TABLES` (core::fmt's digit tables) are blanked only when
//   orphaned: no code refers into them. Formatting can be live (a
//   `format!` of a number would read them), so a referenced table is kept.
//   A reference is any `i32.const`, either half of an `i64.const` (a pointer
//   and a length stored together) or a load/store offset in the text form
//   printed by binaryen's `wasm-dis`, or 4 bytes of data, that falls inside
//   the table.
//
// - `RUNTIME_TEXT` (wasm-bindgen's runtime error messages) is shortened in
//   place to a label of the same length (spaces after it).
//
// Prints `drop-panic-text: N bytes blanked (K texts); M referenced tables
// kept; R runtime messages shortened`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Core's and alloc's panic texts: fragments of their panic messages and
 *  the source paths of their panic locations. */
export const PANIC_TEXT =
  /\/rustc\/[0-9a-f]{40}\/library\/[\w/]+\.rs|slice index starts at |range start index |range end index | out of range for slice of length | but ends at |memory allocation of | bytes failed|capacity overflow|Tried to shrink to a larger capacity|encode_utf8: need | bytes to encode U\+| but buffer has just |attempt to (?:add|subtract|multiply|divide|calculate the remainder|negate|shift left|shift right)(?: with overflow| by zero)/g;

/**
 * wasm-bindgen's runtime error messages, thrown into JavaScript (as the
 * `Error` a re-entrant call gets, say) and so referenced by code: each is
 * shortened in place to a label padded with spaces, the same length, so the
 * code's pointer and length stay right and the message still says what
 * happened. A text of our own never matches (a test checks).
 * @type {Record<string, string>}
 */
export const RUNTIME_TEXT = {
  'attempted to take ownership of Rust value while it was borrowed': 'value borrowed',
  'recursive use of an object detected which would lead to unsafe aliasing in rust': 'recursive use',
  'closure invoked recursively or after being dropped': 'closure gone',
  'null pointer passed to rust': 'null pointer',
};

/** core::fmt's tables: the decimal digit pairs and the hex digits of `{:#X}`. */
export const FORMAT_TABLES = /0x0123456789ABCDEF|(?:\d\d){100}/g;

/** Reads an unsigned LEB128 at `at`: [value, next offset]. */
function uleb(buf, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

/** Reads a signed 32-bit LEB128 at `at`: [value, next offset]. */
function sleb32(buf, at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = buf[at++];
    value |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte >= 0x80);
  if (shift < 32 && byte & 0x40) value |= -1 << shift;
  return [value >>> 0, at];
}

/** The active data segments: { address, start, end } (file offsets of their bytes). */
function dataSegments(wasm) {
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, body] = uleb(wasm, at + 1);
    if (id === 11) {
      const segments = [];
      let [count, p] = uleb(wasm, body);
      while (count-- > 0) {
        const [kind, q] = uleb(wasm, p);
        if (kind !== 0 || wasm[q] !== 0x41) throw new Error(`data segment kind ${kind}: not an active segment at an i32.const`);
        const [address, r] = sleb32(wasm, q + 1);
        if (wasm[r] !== 0x0b) throw new Error('data segment offset is not a plain i32.const');
        const [length, start] = uleb(wasm, r + 1);
        segments.push({ address, start, end: start + length });
        p = start + length;
      }
      return segments;
    }
    at = body + size;
  }
  return [];
}

/** Every value the code could use as an address (see the top of this file). */
function codeReferences(file) {
  const wasmDis = join(dirname(fileURLToPath(import.meta.url)), '../node_modules/.bin/wasm-dis');
  const text = execFileSync(wasmDis, [file], { maxBuffer: 1 << 28, encoding: 'utf8' })
    .split('\n')
    .filter((line) => !line.startsWith(' (data '))
    .join('\n');
  const refs = [];
  for (const m of text.matchAll(/i32\.const (-?\d+)|offset=(\d+)/g)) refs.push(Number(m[1] ?? m[2]) >>> 0);
  for (const m of text.matchAll(/i64\.const (-?\d+)/g)) {
    const v = BigInt.asUintN(64, BigInt(m[1]));
    refs.push(Number(v & 0xffffffffn), Number(v >> 32n));
  }
  return refs.sort((a, b) => a - b);
}

/** `true` when some sorted `refs` value lies in [from, to). */
function anyIn(refs, from, to) {
  let lo = 0;
  let hi = refs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (refs[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < refs.length && refs[lo] < to;
}

/** Blanks `inFile`'s panic text (see the top of this file) into `outFile`. */
export function dropPanicText(inFile, outFile) {
  const wasm = readFileSync(inFile);
  const segments = dataSegments(wasm);
  let code;
  const referenced = (from, to) => {
    code ??= codeReferences(inFile);
    if (anyIn(code, from, to)) return true;
    return segments.some((s) => {
      for (let i = s.start; i + 4 <= s.end; i++) {
        const value = wasm.readUInt32LE(i);
        if (value >= from && value < to) return true;
      }
      return false;
    });
  };
  let blanked = 0;
  let texts = 0;
  let kept = 0;
  let shortened = 0;
  for (const s of segments) {
    const bytes = wasm.subarray(s.start, s.end).toString('latin1');
    const found = [...bytes.matchAll(PANIC_TEXT)];
    for (const m of bytes.matchAll(FORMAT_TABLES)) {
      const from = s.address + m.index;
      if (referenced(from, from + m[0].length)) kept++;
      else found.push(m);
    }
    for (const m of found) {
      wasm.fill(0, s.start + m.index, s.start + m.index + m[0].length);
      blanked += m[0].length;
      texts++;
    }
    for (const [long, label] of Object.entries(RUNTIME_TEXT)) {
      for (let at = bytes.indexOf(long); at >= 0; at = bytes.indexOf(long, at + long.length)) {
        wasm.write(label.padEnd(long.length, ' '), s.start + at, 'latin1');
        shortened++;
      }
    }
  }
  writeFileSync(outFile, wasm);
  return { blanked, texts, kept, shortened };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [inFile, outFile] = process.argv.slice(2);
  const { blanked, texts, kept, shortened } = dropPanicText(inFile, outFile ?? inFile);
  console.log(`drop-panic-text: ${blanked} bytes blanked (${texts} texts); ${kept} referenced tables kept; ${shortened} runtime messages shortened`);
}
