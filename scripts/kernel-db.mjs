#!/usr/bin/env node
// `npm run kernel-db`: regenerates data/kernel-exports.json — what ntoskrnl.exe, hal.dll and the
// system export drivers (*.sys: ndis, usbd, hidparse, ks, ...) export — from Debian's mingw-w64
// kernel import libraries, read with kmdll's own import-library reader (SPEC §5).
//
//   node scripts/kernel-db.mjs [--check] [--out FILE] [--no-build]
//
// `modules` holds the x64 libraries (/usr/x86_64-w64-mingw32/lib), `arches.x86.modules` the
// i686 ones (/usr/i686-w64-mingw32/lib); see src/nt/kernel-exports.ts for the format. A library
// is taken when the DLL its imports bind to is a kernel module: a `.sys`, or one of
// ntoskrnl.exe, hal.dll, kdcom.dll, bootvid.dll. Names are the import names (what an image's
// import table holds and the loader looks up), deduplicated and sorted. `--check` regenerates in
// memory and fails when the committed file differs. The output is deterministic. Kernel modules no
// import library covers and whose complete list kmdll's emulator holds (storport.sys) are added
// from the emulator's list (BUILTIN below), so check and sim agree (scsiport.sys: the names mingw-w64's
// x86 library lacks, and its x64 list).
import { spawnSync, execFileSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { join, resolve, dirname } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const args = process.argv.slice(2);
const check = args.includes("--check");
const outIdx = args.indexOf("--out");
const out = outIdx >= 0 ? resolve(args[outIdx + 1]) : join(root, "data", "kernel-exports.json");

// Use the compiled reader (tsc emits even when other files have type errors).
const built = join(root, "dist/src/formats/lib/index.js");
// --no-build: use dist/ as it is (the test suite has just compiled it).
const tsc = args.includes("--no-build") ? { status: "skipped" } : spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.json")], { stdio: "ignore" });
if (!existsSync(built)) {
  process.stderr.write(`kernel-db: ${built} missing (tsc: ${tsc.status}); run npm run build\n`);
  process.exit(2);
}
const { analyzeImportLibrary } = await import(built);

const SOURCES = [
  { arch: "x64", pkg: "mingw-w64-x86-64-dev", dir: "/usr/x86_64-w64-mingw32/lib" },
  { arch: "x86", pkg: "mingw-w64-i686-dev", dir: "/usr/i686-w64-mingw32/lib" },
];
const KERNEL_NON_SYS = new Set(["ntoskrnl.exe", "hal.dll", "kdcom.dll", "bootvid.dll"]);
const isKernelModule = (dll) => dll.toLowerCase().endsWith(".sys") || KERNEL_NON_SYS.has(dll.toLowerCase());
const NEEDLES = [".sys", ...KERNEL_NON_SYS].map((s) => Buffer.from(s, "latin1"));

function mentionsKernelModule(buf) {
  // Case-insensitive prefilter on the raw archive; the reader decides for real.
  const lower = Buffer.from(buf.toString("latin1").toLowerCase(), "latin1");
  return NEEDLES.some((n) => lower.includes(n));
}

function packageVersion(pkg) {
  try {
    return execFileSync("dpkg-query", ["-W", "-f", "${Version}", pkg], { encoding: "utf8" }).trim();
  } catch {
    return "unknown version";
  }
}

/**
 * x86 decorations mingw-w64's import libraries get wrong, corrected from the prototype:
 * RtlRaiseException(PEXCEPTION_RECORD) is NTAPI with one pointer argument (wdm.h), so the x86
 * kernel exports _RtlRaiseException@4; mingw-w64's ntoskrnl.def says @24.
 */
const X86_CORRECTIONS = { "ntoskrnl.exe": { RtlRaiseException: { call: "stdcall", argBytes: 4 } } };

function collect({ dir, arch }) {
  const modules = new Map(); // lower-case dll -> Map(name -> export)
  const libs = readdirSync(dir).filter((f) => /^lib.*\.a$/.test(f)).sort();
  for (const f of libs) {
    const buf = readFileSync(join(dir, f));
    if (!mentionsKernelModule(buf)) continue;
    let info;
    try {
      info = analyzeImportLibrary(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    } catch (e) {
      process.stderr.write(`kernel-db: skipping ${join(dir, f)}: ${e.message}\n`);
      continue;
    }
    for (const row of info.rows) {
      if (!isKernelModule(row.dll)) continue;
      const key = row.dll.toLowerCase();
      if (!modules.has(key)) modules.set(key, new Map());
      const m = modules.get(key);
      const name = row.importName ?? `#${row.ordinal}`;
      if (m.has(name)) continue;
      const e = { name, type: row.type };
      if (row.importName === null && row.ordinal !== null) e.ordinal = row.ordinal;
      // x86: the calling convention and argument bytes the decorated symbol states (stdcall
      // `_F@N` and fastcall `@F@N`: the callee pops N - 8 / N bytes; cdecl `_F`: the caller).
      if (arch === "x86" && row.type === "code") {
        const fast = /^@.+@(\d+)$/.exec(row.symbol);
        const std = /^_.+@(\d+)$/.exec(row.symbol);
        if (fast) Object.assign(e, { call: "fastcall", argBytes: Number(fast[1]) });
        else if (std) Object.assign(e, { call: "stdcall", argBytes: Number(std[1]) });
        else Object.assign(e, { call: "cdecl" });
        Object.assign(e, X86_CORRECTIONS[key]?.[name] ?? {});
      }
      m.set(name, e);
    }
  }
  const result = {};
  for (const key of [...modules.keys()].sort()) {
    result[key] = [...modules.get(key).values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  return result;
}

const perArch = {};
for (const s of SOURCES) perArch[s.arch] = collect(s);
// Newer exports from Microsoft Learn (data/kernel-exports-documented.json): added to the x64
// modules the import libraries describe when missing there, marked "documented": true. An entry
// with an "x86" field ({ call, argBytes }, from the prototype: stdcall pops every argument) is an
// export of the 32-bit kernel too and is added to the x86 list the same way.
const DOCUMENTED = join(root, "data", "kernel-exports-documented.json");
const documented = existsSync(DOCUMENTED) ? JSON.parse(readFileSync(DOCUMENTED, "utf8")).modules : {};
for (const [mod, list] of Object.entries(documented)) {
  const have = perArch.x64[mod] ?? (perArch.x64[mod] = []);
  const names = new Set(have.map((e) => e.name));
  for (const e of list) if (!names.has(e.name)) have.push({ name: e.name, type: e.type, documented: true });
  have.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const x86 = perArch.x86[mod] ?? (perArch.x86[mod] = []);
  const x86Names = new Set(x86.map((e) => e.name));
  for (const e of list) if (e.x86 && !x86Names.has(e.name)) x86.push({ name: e.name, type: e.type, call: e.x86.call, argBytes: e.x86.argBytes, documented: true });
  x86.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
// Built-in modules whose whole export list kmdll's emulator holds from the module's header, for a
// module no import library above describes: taken as the emulator gives it for each arch (so
// `kmdll check` and the simulator judge imports by the same list), each entry marked "builtin".
// Only complete lists qualify — a partial one would make check call real exports unresolved.
//   storport.sys: storport.h's STORPORT_API routines (src/emu/api/storport.ts, STORPORT_EXPORTS;
//   x86: the varargs routines cdecl).
const { storportModuleExports } = await import(join(root, "dist/src/emu/api/storport.js"));
//   scsiport.sys: mingw-w64's i686 list plus the srb.h names it lacks (src/emu/api/scsiport.ts);
//   x64 (no mingw-w64 library) its names. A module a library covers gets the emulator's extra
//   names only (marked builtin).
const { scsiportModuleExports } = await import(join(root, "dist/src/emu/api/scsiport.js"));
//   usbd.sys (x86): the undecorated names of its three decorated exports (src/emu/api/usbd.ts).
const { usbdModuleExtras } = await import(join(root, "dist/src/emu/api/usbd.js"));
//   pciidex.sys: ide.h's four routines (src/emu/api/pciidex.ts; no mingw-w64 library).
const { pciidexModuleExports } = await import(join(root, "dist/src/emu/api/pciidex.js"));
//   ntoskrnl.exe (x86): `_chkstk`, which signed x86 drivers import by that name (src/emu/api/stack.ts).
const { ntoskrnlModuleExtras } = await import(join(root, "dist/src/emu/api/stack.js"));
const BUILTIN = { "storport.sys": storportModuleExports, "scsiport.sys": scsiportModuleExports, "usbd.sys": usbdModuleExtras, "pciidex.sys": pciidexModuleExports, "ntoskrnl.exe": ntoskrnlModuleExtras };
for (const [mod, listFor] of Object.entries(BUILTIN)) {
  for (const arch of ["x64", "x86"]) {
    const have = perArch[arch][mod] ?? [];
    const known = new Set(have.map((e) => e.name));
    const extra = listFor(arch).filter((e) => !known.has(e.name)).map((e) => ({ ...e, builtin: true }));
    if (!extra.length && perArch[arch][mod]) continue;
    perArch[arch][mod] = [...have, ...extra].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
const db = {
  generatedFrom: SOURCES.map((s) => `${s.pkg} ${packageVersion(s.pkg)} (${s.dir})`).join("; ") + "; data/kernel-exports-documented.json (Microsoft Learn); built-in module lists (storport.sys: src/emu/api/storport.ts; scsiport.sys: src/emu/api/scsiport.ts; usbd.sys: src/emu/api/usbd.ts; pciidex.sys: src/emu/api/pciidex.ts; ntoskrnl.exe: src/emu/api/stack.ts)",
  modules: perArch.x64,
  arches: { x86: { modules: perArch.x86 } },
};

// One export per line keeps diffs readable.
function render(value, indent = "") {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return "[\n" + value.map((v) => indent + "  " + JSON.stringify(v)).join(",\n") + "\n" + indent + "]";
  }
  if (value && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 0) return "{}";
    return "{\n" + keys.map((k) => `${indent}  ${JSON.stringify(k)}: ${render(value[k], indent + "  ")}`).join(",\n") + "\n" + indent + "}";
  }
  return JSON.stringify(value);
}
const text = render(db) + "\n";
const summary = Object.entries(perArch)
  .map(([arch, mods]) => `${arch}: ${Object.keys(mods).length} modules, ${Object.values(mods).reduce((n, l) => n + l.length, 0)} exports`)
  .join("; ");

if (check) {
  const committed = existsSync(out) ? readFileSync(out, "utf8") : "";
  if (committed !== text) {
    process.stderr.write(`kernel-db: ${out} differs from a fresh generation (run npm run kernel-db and commit)\n`);
    process.exit(1);
  }
  process.stdout.write(`kernel-db: ${out} is up to date (${summary})\n`);
} else {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  process.stdout.write(`kernel-db: wrote ${out} (${summary})\n`);
}
