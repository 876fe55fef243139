// Globals the package's scripts read or set (for type-checking the package
// sources only; not shipped).
import type { Iob } from './index.js';

declare global {
  /** Where the loader finds index.js and the wasm, relative to itself: '' (iob.js) or 'lite/' (iob-lite.js); set by scripts/build-pkg.sh. */
  const IOB_BUILD_DIR: string;
  /** True in the lite build's bundle (scripts/build-pkg.sh), false in the full build's; undefined unbundled. */
  const IOB_LITE: boolean | undefined;
  interface Window {
    /** The script tag's SDK object (a queue until the wasm is ready), or a page's early queue `{ q }`. */
    iob?: Iob & { q?: Array<[string, unknown[]?]> };
    /** The optional privacy panel. */
    iobPanel?: { iob: Iob | null; open: () => void; close: () => void };
  }
}
