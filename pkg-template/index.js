// npm entry: `import { init } from 'iob-sdk'`.
import wasmInit, { Iob } from './iob_sdk.js';
import { createIob } from './facade.js';

export { IobError, IobConfigError, IobConsentError } from './facade.js';

/**
 * Starts iob-sdk. Resolves to the SDK object once the wasm is loaded (the
 * wasm file is found next to this module through `import.meta.url`).
 * Rejects with `IobConfigError` (naming `field`) on a bad config.
 */
/** @param {import('./index.js').IobConfig} config */
export function init(config) {
  return createIob(() => load(), config).ready;
}

/**
 * Like `init`, but returns the SDK object at once; calls are queued until ready.
 * The script-tag loader passes the wasm it started compiling (`wasm`).
 * @param {import('./index.js').IobConfig} config
 * @param {Promise<WebAssembly.Module>} [wasm]
 */
export function create(config, wasm) {
  return createIob(() => load(wasm), config);
}

/**
 * Instantiates the wasm: the module compiled by the loader, or (without one,
 * or if compiling it failed) fetched and compiled from next to this module.
 * @param {Promise<WebAssembly.Module>} [wasm]
 */
function load(wasm) {
  const ready = wasm ? wasm.then((m) => wasmInit({ module_or_path: m }), () => wasmInit()) : wasmInit();
  return ready.then(() => Iob);
}
