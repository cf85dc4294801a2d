/** Running the external tools (async, bounded parallelism) and presenting their messages. */
import { spawn } from "node:child_process";
import { isAbsolute, relative, resolve } from "node:path";

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runTool(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<ToolRun> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => done({ code: 127, stdout: "", stderr: `${cmd}: ${e.message}\n` }));
    child.on("close", (code, signal) =>
      done({ code: code ?? 128, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") + (signal ? `${cmd}: killed by ${signal}\n` : "") }),
    );
  });
}

/** Run fn over items with at most limit in flight; results in item order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Make the file positions in a tool's messages (`foo.c:3:5: error: ...`, `In file included
 * from foo.h:2:`) relative to the user's working folder; relative paths in the messages are
 * relative to baseDir (the tool's working folder).
 */
export function rewritePositions(text: string, baseDir: string, userCwd: string = process.cwd()): string {
  return text
    .split("\n")
    .map((line) =>
      line.replace(/^(\s*(?:In file included from |\s+from )?)([^\s:][^:]*?)(:\d+(?::\d+)?[:,])/, (_m, pre: string, path: string, rest: string) => {
        const abs = isAbsolute(path) ? path : resolve(baseDir, path);
        const rel = relative(userCwd, abs);
        const shown = rel === "" ? path : rel.startsWith("../../..") || isAbsolute(rel) ? abs : rel;
        return pre + shown + rest;
      }),
    )
    .join("\n");
}
