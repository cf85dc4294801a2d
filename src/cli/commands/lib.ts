import { widest } from "../../text/width.js";
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { toJson } from "../context.js";
import { inFile } from "../../errors.js";
import { LIB_HEAD, readFileBytes } from "../../io/image.js";
import { analyzeImportLibrary } from "../../formats/lib/index.js";
import type { ImportLibraryRow } from "../../formats/lib/index.js";

/** Render rows as an aligned text table. */
export function formatRows(rows: ImportLibraryRow[]): string {
  const head = ["DLL", "SYMBOL", "IMPORT", "TYPE", "NAME TYPE", "MACHINE"];
  const cells = rows.map((r) => [
    r.dll,
    r.symbol,
    r.importName ?? `#${r.ordinal}`,
    r.type,
    r.nameType,
    r.machine,
  ]);
  const widths = head.map((h, i) => widest(cells.map((c) => c[i]!), h.length));
  const line = (c: string[]) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!))).join("  ") + "\n";
  return line(head) + cells.map(line).join("");
}

/** `kmdll lib list FILE` — the imports an import library provides. */
export function register(program: Command, ctx: CliContext): void {
  const lib = program.command("lib").description("read import libraries (.lib short format, GNU .a long format)");
  lib
    .command("list")
    .description("list the imports of an import library: DLL, symbol, import name or ordinal, type")
    .argument("<file>", "import library (.lib or .a)")
    .option("--json", "print the rows as a JSON array")
    .action((file: string, opts: { json?: boolean }) => {
      // Not an archive: refused from its first bytes, without reading a huge file whole.
      const bytes = inFile(file, () => readFileBytes(file, LIB_HEAD));
      const info = inFile(file, () => analyzeImportLibrary(bytes));
      if (opts.json) {
        ctx.out(toJson(info.rows));
      } else {
        ctx.out(formatRows(info.rows));
        const dlls = new Set(info.rows.map((r) => r.dll));
        ctx.out(`${info.rows.length} import${info.rows.length === 1 ? "" : "s"} from ${dlls.size} DLL${dlls.size === 1 ? "" : "s"} (${info.archiveKind} archive)\n`);
      }
      for (const w of info.warnings) ctx.err(`${file}: warning: ${w}\n`);
    });
}
