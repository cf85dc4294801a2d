/** Shared helpers of the check tests: SystemRoot-like folders, llvm-readobj facts. */
import { mkdtempSync, mkdirSync, copyFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, tool } from "./helpers.js";

export type Arch = "x64" | "x86";
export const ARCHES: Arch[] = ["x64", "x86"];

/** Example drivers that are correct: zero findings expected (with a root holding the export drivers). */
export const CLEAN: Record<Arch, string[]> = {
  x64: ["mydriver", "client", "clean-declspec", "ifprovider", "ifclient", "busdrv", "funcdrv", "portlib", "miniport"],
  x86: ["mydriver", "client", "clean-declspec", "ifprovider", "ifclient", "busdrv", "funcdrv", "portlib", "miniport"],
};

/** A SystemRoot-like folder: <root>/System32/drivers holding copies of the given fixtures. */
export function makeRoot(arch: Arch, names: string[], layout: { system32?: string; drivers?: string; rename?: (n: string) => string } = {}): { root: string; drivers: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "kmdll-check-root-"));
  const drivers = join(root, layout.system32 ?? "System32", layout.drivers ?? "drivers");
  mkdirSync(drivers, { recursive: true });
  for (const n of names) copyFileSync(fixture(arch, n + ".sys"), join(drivers, layout.rename ? layout.rename(n + ".sys") : n + ".sys"));
  return { root, drivers, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Facts about an image from llvm-readobj (the independent tool). */
export interface ReadobjFacts {
  subsystem: number;
  sectionAlignment: number;
  characteristics: number;
  imageBase: bigint;
  sizeOfImage: number;
  sections: { name: string; characteristics: number; virtualAddress: number; pointerToRawData: number; rawSize: number }[];
  imports: { dll: string; iatRva: number; symbols: string[] }[];
  exports: { ordinal: number; name: string; rva: number }[];
}

export function readobj(path: string): ReadobjFacts {
  const out = tool("llvm-readobj", ["--file-headers", "--sections", "--coff-imports", "--coff-exports", path]).stdout;
  const num = (re: RegExp): number => {
    const m = re.exec(out);
    if (!m) throw new Error(`llvm-readobj output lacks ${re}`);
    return Number(m[1]);
  };
  const facts: ReadobjFacts = {
    subsystem: num(/Subsystem: \S+ \((0x[0-9A-Fa-f]+)\)/),
    sectionAlignment: num(/SectionAlignment: (\d+)/),
    characteristics: num(/^\s*Characteristics \[ \((0x[0-9A-Fa-f]+)\)/m),
    imageBase: BigInt(/ImageBase: (0x[0-9A-Fa-f]+)/.exec(out)![1]!),
    sizeOfImage: num(/SizeOfImage: (\d+)/),
    sections: [],
    imports: [],
    exports: [],
  };
  for (const m of out.matchAll(/Section \{\s*Number: \d+\s*Name: (\S+)[^}]*?VirtualAddress: (0x[0-9A-F]+)\s*RawDataSize: (\d+)\s*PointerToRawData: (0x[0-9A-F]+)[^}]*?Characteristics \[ \((0x[0-9A-F]+)\)/g)) {
    facts.sections.push({ name: m[1]!, virtualAddress: Number(m[2]), rawSize: Number(m[3]), pointerToRawData: Number(m[4]), characteristics: Number(m[5]) });
  }
  for (const m of out.matchAll(/Import \{\s*Name: (\S+)\s*ImportLookupTableRVA: 0x[0-9A-F]+\s*ImportAddressTableRVA: (0x[0-9A-F]+)([^}]*)\}/g)) {
    facts.imports.push({ dll: m[1]!, iatRva: Number(m[2]), symbols: [...m[3]!.matchAll(/Symbol: (\S*) \(\d+\)/g)].map((s) => s[1]!) });
  }
  for (const m of out.matchAll(/Export \{\s*Ordinal: (\d+)\s*Name: (\S*)\s*RVA: (0x[0-9A-F]+)/g)) {
    facts.exports.push({ ordinal: Number(m[1]), name: m[2]!, rva: Number(m[3]) });
  }
  return facts;
}
