import type { Command } from "commander";
import { relative } from "node:path";
import type { CliContext } from "../context.js";
import { EXIT, toJson } from "../context.js";
import { KmdllError } from "../../errors.js";
import { build, BuildInputError, type ProjectResult, type StepReport } from "../../toolchain/build.js";
import { formatDiagnostic } from "../../toolchain/makevars.js";
import type { Arch } from "../../toolchain/sources.js";

const rel = (p: string) => relative(process.cwd(), p) || ".";

function parseArches(values: string[]): Arch[] {
  const out: Arch[] = [];
  for (const v of values.flatMap((x) => x.split(","))) {
    const a = v.trim().toLowerCase();
    if (a === "x64" || a === "amd64") out.includes("x64") || out.push("x64");
    else if (a === "x86" || a === "i386") out.includes("x86") || out.push("x86");
    else if (a === "arm64" || a === "aarch64") out.includes("arm64") || out.push("arm64");
    else if (a === "all") for (const x of ["x64", "x86", "arm64"] as Arch[]) out.includes(x) || out.push(x);
    else throw new KmdllError(`--arch: unknown arch '${v}' (x64, x86, arm64 or all)`);
  }
  return out;
}

const VERB: Record<StepReport["kind"], string> = { compile: "compiled", link: "linked", archive: "archived", "export-library": "wrote" };

/** "2 errors, 1 warning" */
function summarize(findings: { severity: string }[]): string {
  const n = (sev: string) => findings.filter((f) => f.severity === sev).length;
  return (["error", "warning", "note"] as const)
    .filter((s) => n(s) > 0)
    .map((s) => `${n(s)} ${s}${n(s) > 1 ? "s" : ""}`)
    .join(", ");
}

/** `kmdll build [DIR]`: build a WDK `sources` project or a `dirs` tree with clang + lld-link. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("build")
    .description("build a WDK sources project (or a dirs tree) with clang and lld-link, then check it")
    .argument("[dir]", "project folder (with a sources file) or tree (with a dirs file)", ".")
    .option("--arch <arch>", "x64, x86, arm64 or all; repeat or separate with commas (default: each project's KMDLL_ARCHES, else x64 and x86)", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option("--out <dir>", "output folder; products go to <out>/<arch>/ (default <dir>/out, or the workspace's when <dir> is listed in its parent's dirs file)")
    .option("--obj <dir>", "folder for objects and the incremental state (default <out>/obj)")
    .option("--install <root>", "copy the built drivers to <root>/System32/drivers (a SystemRoot for kmdll sim --root); needs one --arch")
    .option("--force", "rebuild everything")
    .option("--no-check", "do not run kmdll check on the results")
    .option("-j, --jobs <n>", "parallel compiler processes", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 256) throw new KmdllError(`--jobs: expected a number 1..256, got '${v}'`);
      return n;
    })
    .option("--tree <dir>", "the folder paths in sources files may reach (default: the workspace, i.e. <dir> or the topmost parent whose dirs file lists it)")
    .option("-D, --define <name=value>", "a macro of the build environment for the sources files (as NMAKE reads environment variables); repeatable", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option("-k, --keep-going", "go on with the other projects after one fails")
    .option("--json", "print the build result as JSON")
    .action(async (dir: string, opts: { arch?: string[]; out?: string; obj?: string; force?: boolean; install?: string; check: boolean; jobs?: number; json?: boolean; keepGoing?: boolean; tree?: string; define?: string[] }) => {
      const arches = opts.arch ? parseArches(opts.arch) : undefined;
      const defines: Record<string, string> = {};
      for (const d of opts.define ?? []) {
        const m = /^([A-Za-z_0-9]+)=(.*)$/.exec(d);
        if (!m) throw new KmdllError(`--define: expected NAME=VALUE, got '${d}'`);
        defines[m[1]!] = m[2]!;
      }
      const printed = new Set<ProjectResult>();
      let result;
      try {
        result = await build(dir, {
          ...(arches ? { arches } : {}),
          ...(opts.out ? { out: opts.out } : {}),
          ...(opts.obj ? { obj: opts.obj } : {}),
          ...(opts.jobs ? { jobs: opts.jobs } : {}),
          ...(opts.install !== undefined ? { install: opts.install } : {}),
          force: Boolean(opts.force),
          check: opts.check,
          keepGoing: Boolean(opts.keepGoing),
          defines,
          ...(opts.tree !== undefined ? { tree: opts.tree } : {}),
        });
      } catch (e) {
        if (!(e instanceof BuildInputError)) throw e;
        // Like a compiler: one `file:line:col: severity: message` line per diagnostic, exit 2.
        if (opts.json) ctx.out(toJson({ ok: false, error: "input", diagnostics: e.diagnostics.map((d) => ({ ...d, file: d.file ? rel(d.file) : undefined })) }));
        else for (const d of e.diagnostics) ctx.err(formatDiagnostic(d, d.file ? rel(d.file) : undefined) + "\n");
        ctx.setExit(EXIT.USAGE);
        return;
      }
      if (opts.json) {
        ctx.out(toJson({ ...result, diagnostics: result.diagnostics.map((d) => ({ ...d, file: d.file ? rel(d.file) : undefined })) }));
      } else {
        for (const d of result.diagnostics) ctx.err(formatDiagnostic(d, d.file ? rel(d.file) : undefined) + "\n");
        for (const r of result.projects) {
          if (printed.has(r)) continue;
          printed.add(r);
          const head = `${r.name} (${r.arch})`;
          const checked = r.findings ? (r.findings.length === 0 ? "; check: clean" : `; check: ${summarize(r.findings)}`) : "";
          if (r.status === "skipped") {
            if (r.reason === "not selected") continue;
            ctx.out(`${head}: skipped (${r.reason})\n`);
            continue;
          }
          if (r.status === "up-to-date") ctx.out(`${head}: up to date (${r.outputs.map(rel).join(", ")})${checked}\n`);
          else if (r.status === "built") {
            const ran = r.steps.filter((s) => s.status === "ran");
            const compiled = ran.filter((s) => s.kind === "compile").map((s) => rel(s.file));
            const parts: string[] = [];
            if (compiled.length) parts.push(`compiled ${compiled.join(" ")}`);
            for (const s of ran.filter((s) => s.kind !== "compile")) parts.push(`${VERB[s.kind]} ${rel(s.file)}`);
            ctx.out(`${head}: ${parts.join("; ")}${checked}\n`);
          } else {
            const failed = r.steps.filter((s) => s.status === "failed").map((s) => `${s.kind} ${rel(s.file)}`);
            ctx.err(`${head}: FAILED${failed.length ? ` (${failed.join(", ")})` : ""}\n`);
          }
          if (r.errors) ctx.err(r.errors.endsWith("\n") ? r.errors : r.errors + "\n");
          for (const f of r.findings ?? []) ctx.out(`  ${f.severity} [${f.rule}] ${f.message}\n`);
        }
      }
      if (!opts.json && result.installed?.length) ctx.out(`installed ${result.installed.map(rel).join(" ")}\n`);
      if (!result.ok) ctx.setExit(EXIT.FINDINGS);
      else if (result.projects.some((p) => p.findings?.some((f) => f.severity === "error"))) ctx.setExit(EXIT.FINDINGS);
    });
}
