/** Shared test helpers: repository paths, running the CLI, running independent tools. */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";

/** The repository root (tests run from dist/test, two levels below). */
export const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));

export function repoPath(...parts: string[]): string {
  return join(REPO, ...parts);
}

export function fixture(arch: "x64" | "x86" | "arm64", file: string): string {
  return repoPath("test", "fixtures", arch, file);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI (bin/kmdll.js) in a child process, as a user would. */
export async function runCli(args: string[], opts: { cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const r = spawnSync(process.execPath, [repoPath("bin", "kmdll.js"), ...args], {
    cwd: opts.cwd ?? REPO,
    input: opts.input,
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Run an external tool synchronously; throws with its stderr when it fails (unless allowFail). */
export function tool(cmd: string, args: string[], opts: { cwd?: string; allowFail?: boolean } = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? REPO, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  if (!opts.allowFail && r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r;
}
