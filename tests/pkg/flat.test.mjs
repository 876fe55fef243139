// web/js/flat.js, the shell's JSON reader: the pairs text it makes of each
// JSON text in tests/flat-cases.json is the one written there, which the
// core's native twin (`pairs_from_json`, src/flat.rs) is checked against too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { iobPairs } from '../../web/js/flat.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** @type {Array<[string, string | null]>} */
const cases = JSON.parse(readFileSync(join(root, 'tests/flat-cases.json'), 'utf8'));

test('flat.js makes the pairs text of every shared case', () => {
  assert.ok(cases.length >= 10);
  for (const [json, pairs] of cases) assert.equal(iobPairs(json) ?? null, pairs, json);
});

test('a NUL never splits a member, and every member has a tag', () => {
  const pairs = iobPairs(JSON.stringify({ 'a\0b': 'c\0d', n: 1.5, o: { x: 1 }, l: [1, 2] })) ?? '';
  const parts = pairs.split('\0');
  assert.equal(parts.length, 8, pairs);
  for (let i = 1; i < parts.length; i += 2) assert.match(parts[i], /^[sntfzx]/, pairs);
  assert.deepEqual(parts, ['a\ufffdb', 'sc\ufffdd', 'n', 's1.5', 'o', 'x', 'l', 's1,2']);
});

test('a text that is not JSON reads as nothing, and never throws', () => {
  for (const bad of ['', '{', '{"a":1} x', "{'a':1}", 'undefined']) assert.equal(iobPairs(bad), undefined, bad);
  // What a broken caller might pass.
  assert.equal(iobPairs(undefined), undefined);
});
