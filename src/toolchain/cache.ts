/**
 * The incremental build state of one project and arch: what each step was last run with
 * (a key over its arguments and the toolchain version) and the size, modification time and
 * content hash of its inputs and outputs, so a step whose inputs did not change is skipped.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { makeDirectory } from "../io/dirs.js";
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

/**
 * Whether the file is as stamped. Like make, a changed modification time counts as a change
 * (touching a header rebuilds what includes it); so does a changed size.
 */
export function unchanged(s: FileStamp): boolean {
  const st = statSync(s.path, { throwIfNoEntry: false });
  return Boolean(st && st.isFile() && st.size === s.size && st.mtimeMs === s.mtimeMs);
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
  makeDirectory(dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, file);
}

/** Whether a step with this key can be skipped: same key, inputs and outputs unchanged. */
export function upToDate(rec: StepRecord | undefined, key: string): boolean {
  if (!rec || rec.key !== key) return false;
  return rec.outputs.every((o) => existsSync(o.path) && unchanged(o)) && rec.inputs.every(unchanged);
}
