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
  return createIob(() => wasmInit().then(() => Iob), config).ready;
}

/** Like `init`, but returns the SDK object at once; calls are queued until ready. @param {import('./index.js').IobConfig} config */
export function create(config) {
  return createIob(() => wasmInit().then(() => Iob), config);
}
