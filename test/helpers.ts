/** Shared test helpers: repository paths, running the CLI, running independent tools. */
import { parsePe } from "../src/formats/pe/index.js";
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

/**
 * emufault.sys with its CallUnimplemented routine replaced by code that makes Unicorn 2.0.1 print
 * "tcg fatal error" and abort while translating it: an earlier build of the routine with its
 * `call [rip+x]` (ff 15) turned into ff ea (a far jmp through a register). Whether Unicorn aborts
 * depends on the whole translation block, so the routine is replaced whole (its int3 padding leaves
 * room). Returns the patched image's bytes and the routine's RVA.
 */
export function unicornAbortImage(base: Uint8Array): { bytes: Buffer; rva: number } {
  const img = parsePe(base);
  const f = img.exports!.functions.find((x) => x.name === "CallUnimplemented")!;
  const text = img.sections.find((s) => f.rva! >= s.virtualAddress && f.rva! < s.virtualAddress + s.virtualSize)!;
  const off = text.pointerToRawData + (f.rva! - text.virtualAddress);
  const code = [0x48, 0x83, 0xec, 0x28, 0xb9, 0x14, 0x00, 0x00, 0x00, 0x31, 0xd2, 0xff, 0xea, 0xff, 0x11, 0x00, 0x00, 0x0f, 0xb6, 0xc0, 0x48, 0x83, 0xc0, 0x01, 0x48, 0x83, 0xc4, 0x28, 0xc3];
  const bytes = Buffer.from(base);
  bytes.set(code, off);
  return { bytes, rva: f.rva! };
}
