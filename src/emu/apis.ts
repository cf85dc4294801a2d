/**
 * The API handler set (src/emu/api/index.ts exports `allApis`). Loaded dynamically so the core
 * still works (with every kernel export unimplemented) while the handler layer is absent.
 */
import type { ApiDefinition } from "./api/types.js";

let cached: ApiDefinition[] | undefined;

export async function loadApis(): Promise<ApiDefinition[]> {
  if (cached) return cached;
  const path = "./api/index.js";
  try {
    const m = (await import(path)) as { allApis?: ApiDefinition[] };
    cached = m.allApis ?? [];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw e;
    cached = [];
  }
  return cached;
}
