/** The API handler set of src/emu/api (kept as a function for callers written against the async form). */
import type { ApiDefinition } from "./api/types.js";
import { allApis } from "./api/index.js";

export async function loadApis(): Promise<ApiDefinition[]> {
  return allApis;
}
