/**
 * Shared by the suites that build drivers with the GNU toolchain (x86_64/i686-w64-mingw32-gcc and
 * GNU ld) and read them back with llvm-readobj: the link flags of a kernel-mode image, the
 * compiler call, llvm-readobj's export and import tables, and `kmdll check --json` findings.
 */
import { runCli, tool } from "./helpers.js";

export type GnuArch = "x86_64" | "i686";

/** The DDK include folder of mingw-w64 for an architecture. */
export function ddkInclude(arch: GnuArch): string {
  return `-I/usr/${arch}-w64-mingw32/include/ddk`;
}

/** GNU ld flags for a kernel-mode image: a DLL without the CRT, native subsystem, this entry point. */
export function gnuKernelLink(entry: string): string[] {
  return ["-shared", "-nostdlib", "-Wl,--subsystem,native", `-Wl,--entry,${entry}`, "-e", entry];
}

/** Run mingw-w64 gcc for an architecture in a folder (throws with its stderr on failure). */
export function mingwGcc(arch: GnuArch, args: string[], cwd: string): void {
  tool(`${arch}-w64-mingw32-gcc`, args, { cwd });
}

/** llvm-readobj's export names. */
export function readobjExports(file: string): string[] {
  const out = tool("llvm-readobj", ["--coff-exports", file]).stdout;
  return [...out.matchAll(/^\s*Name: (.+)$/gm)].map((x) => x[1]!.trim()).filter((n) => n.length > 0);
}

/** llvm-readobj's import table: dll → imported symbol names. */
export function readobjImports(file: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  let cur: string[] | null = null;
  for (const line of tool("llvm-readobj", ["--coff-imports", file]).stdout.split("\n")) {
    const n = /^\s*Name: (.+)$/.exec(line);
    if (n) m.set(n[1]!, (cur = []));
    const s = /^\s*Symbol: (\S+)/.exec(line);
    if (s && cur) cur.push(s[1]!);
  }
  return m;
}

export interface CheckJsonFinding {
  rule: string;
  message: string;
  location: { module?: string };
}

/** `kmdll check --json FILE`: the exit code, the rule ids and the findings of the one report. */
export async function checkRules(file: string): Promise<{ code: number; rules: string[]; findings: CheckJsonFinding[] }> {
  const r = await runCli(["check", "--json", file]);
  const j = JSON.parse(r.stdout) as { findings: CheckJsonFinding[] } | { findings: CheckJsonFinding[] }[];
  const rep = Array.isArray(j) ? j[0]! : j;
  return { code: r.code, rules: rep.findings.map((f) => f.rule), findings: rep.findings };
}
