import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { EXIT, toJson } from "../context.js";
import { KmdllError } from "../../errors.js";
import { apiCatalog, catalogCounts } from "../../emu/api/catalog.js";

/** `kmdll apis [--json]`: the kernel routines the emulator implements (module, name, family, notes, stub). */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("apis")
    .description("list the ntoskrnl.exe/hal.dll routines the emulator implements (stubs marked)")
    .option("--family <name>", "only this family (handler file: mm, machine, sched, file, ...)")
    .option("--module <dll>", "only this module (ntoskrnl.exe or hal.dll)")
    .option("--no-stubs", "leave stubs out")
    .option("--json", "print {implemented, stubs, apis: [{module, name, family, argc, notes, stub, arches}]}")
    .action((opts: { family?: string; module?: string; stubs: boolean; json?: boolean }) => {
      let entries = apiCatalog();
      if (opts.family !== undefined) {
        const known = new Set(entries.map((e) => e.family));
        if (!known.has(opts.family)) throw new KmdllError(`--family: unknown family '${opts.family}' (one of ${[...known].join(", ")})`);
        entries = entries.filter((e) => e.family === opts.family);
      }
      if (opts.module !== undefined) entries = entries.filter((e) => e.module.toLowerCase() === opts.module!.toLowerCase());
      if (!opts.stubs) entries = entries.filter((e) => !e.stub);
      const counts = catalogCounts(entries);
      if (opts.json) {
        ctx.out(toJson({ implemented: counts.implemented, stubs: counts.stubs, apis: entries }));
      } else {
        const w = Math.max(4, ...entries.map((e) => e.name.length));
        for (const e of entries)
          ctx.out(`${e.module.padEnd(12)} ${e.name.padEnd(w)} ${e.family.padEnd(8)} ${e.stub ? "[stub] " : ""}${e.arches.includes("x64") ? "" : `[${e.arches.join(", ") || "no arch"} only] `}${e.notes}`.trimEnd() + "\n");
        ctx.out(`${counts.implemented} implemented, ${counts.stubs} stubs\n`);
      }
      ctx.setExit(EXIT.OK);
    });
}
