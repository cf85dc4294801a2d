import { widest } from "../../text/width.js";
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { toJson } from "../context.js";
import { readImage } from "../../io/image.js";
import { imageSummary, flagNames, sectionFlags, FILE_CHARACTERISTICS, DLL_CHARACTERISTICS, SUBSYSTEM_NAMES } from "../../formats/pe/summary.js";
import { pdbPath } from "../../formats/pe/parse.js";
import type { PeImage } from "../../formats/pe/types.js";
import { hex } from "../../text/hex.js";

/** `kmdll inspect FILE [--json]`: headers, sections, exports and imports of a PE image. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("inspect")
    .description("show the headers, sections, exports and imports of a PE image (.sys, .dll, .exe)")
    .argument("<file>", "PE image to inspect")
    .option("--json", "print one JSON document")
    .action((file: string, opts: { json?: boolean }) => {
      const { image } = readImage(file);
      ctx.out(opts.json ? toJson(imageSummary(image, file)) : renderText(image, file));
    });
}


function wrapList(items: string[], indent: string, width = 100): string[] {
  const lines: string[] = [];
  let cur = "";
  for (const it of items) {
    if (cur && indent.length + cur.length + 2 + it.length > width) {
      lines.push(indent + cur + ",");
      cur = it;
    } else cur = cur ? cur + ", " + it : it;
  }
  if (cur) lines.push(indent + cur);
  return lines;
}

/** The human-readable summary. */
export function renderText(image: PeImage, file: string): string {
  const o = image.optional;
  const L: string[] = [];
  const machine = typeof image.machine === "string" ? `${image.machine} (${hex(image.coff.machine)})` : `machine ${hex(image.coff.machine)}`;
  L.push(`${file}: ${o.pe32plus ? "PE32+" : "PE32"} ${machine}, subsystem ${o.subsystem} (${SUBSYSTEM_NAMES[o.subsystem] ?? "?"})`);
  L.push(`  characteristics     ${hex(image.coff.characteristics)} ${flagNames(image.coff.characteristics, FILE_CHARACTERISTICS).join(" ")}`);
  L.push(`  dllCharacteristics  ${hex(o.dllCharacteristics)} ${flagNames(o.dllCharacteristics, DLL_CHARACTERISTICS).join(" ")}`);
  L.push(`  imageBase ${hex(o.imageBase)}  entryPoint ${hex(o.addressOfEntryPoint)}  sizeOfImage ${hex(o.sizeOfImage)}  alignment ${hex(o.sectionAlignment)}/${hex(o.fileAlignment)}`);
  L.push(`  timestamp ${hex(image.coff.timeDateStamp)} (${new Date(image.coff.timeDateStamp * 1000).toISOString().replace(".000Z", "Z")})  linker ${o.majorLinkerVersion}.${o.minorLinkerVersion}  os ${o.majorOperatingSystemVersion}.${o.minorOperatingSystemVersion}`);
  const ck = image.checksum;
  const ckState = ck.stored === 0 ? "not set" : ck.stored === ck.computed ? "ok" : "MISMATCH";
  L.push(`  checksum stored ${hex(ck.stored)} computed ${hex(ck.computed)} (${ckState})  signed ${image.signed ? "yes" : "no"}  relocations ${image.relocations.length}${image.relocsStripped ? " (stripped)" : ""}`);
  const extras: string[] = [];
  const pdb = pdbPath(image);
  if (pdb !== null) extras.push(`pdb ${pdb}`);
  if (image.exceptionFunctions.length) extras.push(`.pdata ${image.exceptionFunctions.length} functions`);
  if (image.tls) extras.push(`TLS callbacks ${image.tls.callbacks.length}`);
  if (image.loadConfig?.securityCookie != null) extras.push(`security cookie ${hex(image.loadConfig.securityCookie)}`);
  if (extras.length) L.push("  " + extras.join("  "));

  L.push("", `Sections (${image.sections.length}):`);
  const nameW = widest(image.sections.map((s) => s.name), 8);
  L.push(`  ${"name".padEnd(nameW)}  ${"vaddr".padStart(10)}  ${"vsize".padStart(10)}  ${"rawsize".padStart(10)}  flags`);
  for (const s of image.sections) {
    L.push(`  ${s.name.padEnd(nameW)}  ${hex(s.virtualAddress).padStart(10)}  ${hex(s.virtualSize).padStart(10)}  ${hex(s.sizeOfRawData).padStart(10)}  ${sectionFlags(s.characteristics)}`);
  }

  const ex = image.exports;
  if (ex) {
    L.push("", `Exports of ${ex.dllName || "(unnamed)"} (${ex.functions.length} functions, ordinal base ${ex.ordinalBase}):`);
    for (const f of ex.functions) {
      const target = f.forwarder !== null ? `-> ${f.forwarder}` : hex(f.rva ?? 0);
      const name = f.names.length ? f.names.join(", ") : "(by ordinal only)";
      L.push(`  ${String(f.ordinal).padStart(5)}  ${target.padEnd(10)}  ${name}`);
    }
  } else {
    L.push("", "Exports: none");
  }

  const importBlock = (title: string, mods: PeImage["imports"]): void => {
    const n = mods.reduce((a, m) => a + m.functions.length, 0);
    if (!mods.length) {
      L.push("", `${title}: none`);
      return;
    }
    L.push("", `${title} (${mods.length} DLLs, ${n} functions):`);
    for (const m of mods) {
      L.push(`  ${m.dll} (${m.functions.length})`);
      const names = m.functions.map((f) => (f.name !== null ? f.name : f.ordinal !== null ? `#${f.ordinal}` : "?"));
      for (const l of wrapList(names, "    ")) L.push(l);
    }
  };
  importBlock("Imports", image.imports);
  if (image.delayImports.length) importBlock("Delay imports", image.delayImports);

  if (image.warnings.length) {
    L.push("", `Warnings (${image.warnings.length}):`);
    for (const w of image.warnings) L.push(`  ${w.structure}${w.offset !== undefined ? " at offset " + hex(w.offset) : ""}: ${w.message}`);
  }
  return L.join("\n") + "\n";
}
