#!/usr/bin/env node
// Ranks kernel routines by how many real drivers import them: reads the import tables of every
// PE file (.sys, .bin, any name) under the folders given, with kmdll's own PE reader, and writes
// data/import-ranking.json — counts only, never the drivers themselves (keep third-party binaries
// outside the repository). Each routine is marked with whether the emulator implements it
// (src/emu/api) and whether it is a stub, so the list doubles as the to-do list of issue 12.
//
// Usage: node scripts/rank-imports.mjs [--out FILE] [--print N] DIR...
//   Only x64 images count (the emulator runs x64); duplicates (same bytes) count once.
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(new URL("..", import.meta.url).pathname);
const dist = resolve(process.env.KMDLL_DIST ?? join(root, "dist"));
const args = process.argv.slice(2);
const outIdx = args.indexOf("--out");
const out = outIdx >= 0 ? resolve(args[outIdx + 1]) : join(root, "data", "import-ranking.json");
const printIdx = args.indexOf("--print");
const print = printIdx >= 0 ? Number(args[printIdx + 1]) : 0;
const dirs = args.filter((a, i) => !a.startsWith("--") && (outIdx < 0 || i !== outIdx + 1) && (printIdx < 0 || i !== printIdx + 1));
if (!dirs.length) {
  process.stderr.write("usage: node scripts/rank-imports.mjs [--out FILE] [--print N] DIR...\n");
  process.exit(2);
}
const { parsePe } = await import(pathToFileURL(join(dist, "src/formats/pe/index.js")).href);
const { apiCatalog } = await import(pathToFileURL(join(dist, "src/emu/api/catalog.js")).href);
const catalog = new Map(apiCatalog().map((e) => [`${e.module.toLowerCase()}!${e.name}`, e]));
// Data exports (object types, PsInitialSystemProcess, ...) are filled in by the core (src/emu/system.ts).
const db = JSON.parse(readFileSync(join(root, "data", "kernel-exports.json"), "utf8"));
const dataExport = new Set(Object.entries(db.modules).flatMap(([m, l]) => l.filter((e) => e.type !== "code").map((e) => `${m}!${e.name}`)));
const covered = (k) => dataExport.has(k) || (catalog.has(k) && !catalog.get(k).stub);

const KERNEL = new Set(["ntoskrnl.exe", "hal.dll"]);
function* walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) yield* walk(p);
    else if (st.isFile() && st.size > 0x200 && st.size < 64 << 20) yield p;
  }
}
const seen = new Set();
const counts = new Map(); // "module!name" -> number of drivers
let drivers = 0;
const perDriver = [];
let skipped = 0;
for (const dir of dirs) {
  for (const file of walk(resolve(dir))) {
    const bytes = readFileSync(file);
    if (bytes[0] !== 0x4d || bytes[1] !== 0x5a) continue;
    const hash = createHash("sha256").update(bytes).digest("hex");
    if (seen.has(hash)) continue;
    seen.add(hash);
    let image;
    try {
      image = parsePe(new Uint8Array(bytes));
    } catch {
      skipped++;
      continue;
    }
    if (image.machine !== "x64" || image.optional.subsystem !== 1) {
      skipped++;
      continue;
    }
    drivers++;
    const names = new Set();
    for (const m of [...image.imports, ...image.delayImports]) {
      const dll = m.dll.toLowerCase();
      if (!KERNEL.has(dll)) continue;
      for (const f of m.functions) if (f.name) names.add(`${dll}!${f.name}`);
    }
    for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
    perDriver.push(names);
  }
}
const routines = [...counts.entries()]
  .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  .map(([key, n]) => {
    const [module, name] = key.split("!");
    const c = catalog.get(key);
    return { module, name, drivers: n, status: dataExport.has(key) ? "data" : c ? (c.stub ? "stub" : "implemented") : "missing" };
  });
const implemented = routines.filter((r) => r.status === "implemented" || r.status === "data");
const result = {
  about: "How many real x64 drivers import each ntoskrnl.exe/hal.dll routine (regenerate: node scripts/rank-imports.mjs DIR...). Counts only; the drivers are not part of the repository.",
  drivers,
  routines: routines.length,
  implemented: implemented.length,
  driversFullyCovered: perDriver.filter((s) => [...s].every(covered)).length,
  list: routines,
};
writeFileSync(out, JSON.stringify(result, null, 1) + "\n");
process.stdout.write(`rank-imports: ${drivers} x64 drivers (${skipped} other files skipped), ${routines.length} distinct routines, ${implemented.length} implemented; wrote ${out}\n`);
for (const r of routines.slice(0, print)) process.stdout.write(`${String(r.drivers).padStart(4)}  ${r.status.padEnd(11)} ${r.module}!${r.name}\n`);
