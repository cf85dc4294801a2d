/**
 * The incremental build state of one project and arch: what each step was last run with
 * (a key over its arguments and the toolchain version) and the content of its inputs, so a
 * step whose inputs did not change is skipped. Content hashes decide; sizes and modification
 * times only avoid re-hashing unchanged files.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface FileStamp {
  path: string;
  size: number;
  mtimeMs: number;
  hash: string;
}

export interface StepRecord {
  key: string;
  inputs: FileStamp[];
  outputs: FileStamp[];
}

export interface BuildState {
  version: 1;
  steps: Record<string, StepRecord>;
}

export function hashText(...parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex");
}

export function hashFile(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export function stampFile(path: string): FileStamp {
  const st = statSync(path);
  return { path, size: st.size, mtimeMs: st.mtimeMs, hash: hashFile(path) };
}

/** Whether the file still has the stamped content. */
export function unchanged(s: FileStamp): boolean {
  const st = statSync(s.path, { throwIfNoEntry: false });
  if (!st || !st.isFile()) return false;
  if (st.size !== s.size) return false;
  if (st.mtimeMs === s.mtimeMs) return true;
  try {
    return hashFile(s.path) === s.hash;
  } catch {
    return false;
  }
}

export function loadState(file: string): BuildState {
  try {
    const s = JSON.parse(readFileSync(file, "utf8")) as BuildState;
    if (s && s.version === 1 && typeof s.steps === "object") return s;
  } catch {
    /* missing or corrupt: start over */
  }
  return { version: 1, steps: {} };
}

export function saveState(file: string, state: BuildState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, file);
}

/** Whether a step with this key can be skipped: same key, inputs and outputs unchanged. */
export function upToDate(rec: StepRecord | undefined, key: string): boolean {
  if (!rec || rec.key !== key) return false;
  return rec.outputs.every((o) => existsSync(o.path) && unchanged(o)) && rec.inputs.every(unchanged);
}
