/**
 * kmdll's WebAssembly modules, which `npm run build` compiles into dist/wasm/ when clang can
 * target wasm32 (scripts/build-wasm.mjs): their bytes, for the layers that use them (formats do no
 * file I/O; the CLI hands them over, e.g. `setArchiveWasm(implibWasm)`).
 */
import { readFileSync } from "node:fs";

/** dist/wasm/implib.wasm (native/wasm/implib.c: the import-library writer), or null when it was not built. */
export function implibWasm(): Uint8Array | null {
  try {
    return readFileSync(new URL("../../wasm/implib.wasm", import.meta.url));
  } catch {
    return null;
  }
}
