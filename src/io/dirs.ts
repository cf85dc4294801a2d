import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { KmdllError } from "../errors.js";

/**
 * `mkdir -p` that always terminates. Node 20's `mkdirSync(p, { recursive: true })` spins forever
 * when a parent exists but refuses children with ENOENT (e.g. under /proc); here each missing
 * component is created once, and any failure is a one-line KmdllError naming `what`.
 */
export function makeDirectory(path: string, what = path): void {
  const abs = resolve(path);
  const missing: string[] = [];
  let cur = abs;
  for (;;) {
    let st;
    try {
      st = statSync(cur);
    } catch {
      st = null;
    }
    if (st) {
      if (!st.isDirectory()) throw new KmdllError(`${what}: cannot create the folder: ${cur} is not a folder`);
      break;
    }
    missing.push(cur);
    const up = dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST" && statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
      throw new KmdllError(`${what}: cannot create the folder: ${code ?? String(e)}`);
    }
  }
}
