#!/usr/bin/env node
// Rebuilds the example drivers in examples/ into test/fixtures/<arch>/ with Debian's clang +
// lld-link + mingw-w64 (SPEC §4), byte-reproducibly. `--check` builds into a temporary folder
// and fails when any committed fixture differs.
//
// Usage: node scripts/fixtures.mjs [--check] [DIR...]   (DIR: example folders to build; default all in examples/dirs)
//
// Interim builder: it understands the subset of WDK `sources` files the examples use;
// `kmdll build` replaces it and must keep these meanings:
//   TARGETNAME, TARGETTYPE (EXPORT_DRIVER | DRIVER), DLLDEF, SOURCES, C_DEFINES,
//   TARGETLIBS: `$(O)\x.lib` = an import library built earlier into the same output folder;
//               `$(DDK_LIB_PATH)\x.lib` / `$(SDK_LIB_PATH)\x.lib` = mingw-w64's lib<x>.a for the arch;
//   USER_C_FLAGS: extra clang flags appended after the defaults (e.g. -mstack-arg-probe);
//   LINKER_FLAGS: extra lld-link flags appended (e.g. /subsystem:windows);
//   KMDLL_ARCHES: which of "x64 x86" to build (default both).
//   KMDLL_DEFLIBS: .def files in the example folder, each turned into an import library with
//               `kmdll implib` and linked like a TARGETLIBS entry (e.g. to import a name
//               or module that no real import library provides).
// Import libraries (EXPORT_DRIVER's .lib and KMDLL_DEFLIBS) are written by kmdll's own
// `kmdll implib` (its library API from dist/; rebuilt first when those sources are newer).
// ntoskrnl and hal import libraries are always linked, as the WDK does for drivers.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, existsSync, mkdirSync, copyFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";

const root = resolve(new URL("..", import.meta.url).pathname);
const check = process.argv.includes("--check");
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const ARCHES = {
  x64: { triple: "x86_64-pc-windows-msvc", sysroot: "/usr/x86_64-w64-mingw32", machine: "x64", extra: [] },
  x86: { triple: "i686-w64-windows-gnu", sysroot: "/usr/i686-w64-mingw32", machine: "x86", extra: ["/safeseh:no"] },
};

// kmdll implib needs a current build of the import-library writer (only src/formats/{def,lib}
// and their small shared dependencies are loaded, so unrelated work in progress cannot break it).
const IMPLIB_SOURCES = ["src/errors.ts", "src/formats/binary.ts", "src/formats/lib", "src/formats/def"];
async function loadImplib() {
  const dist = (f) => join(root, "dist", f.replace(/\.ts$/, ".js"));
  const srcs = IMPLIB_SOURCES.flatMap((p) => (p.endsWith(".ts") ? [p] : readdirSync(join(root, p)).filter((f) => f.endsWith(".ts")).map((f) => `${p}/${f}`)));
  const stale = srcs.some((f) => !existsSync(dist(f)) || statSync(dist(f)).mtimeMs < statSync(join(root, f)).mtimeMs);
  // tsc still emits when other files have type errors; its exit status is not ours to judge.
  if (stale) spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.json")], { stdio: "ignore" });
  const def = await import(join(root, "dist/src/formats/def/index.js"));
  const lib = await import(join(root, "dist/src/formats/lib/index.js"));
  return { def, lib };
}
const kmdll = await loadImplib();

// `kmdll implib DEF -o LIB --machine ARCH`, through the library API.
function implib(def, lib, arch, cwd) {
  const path = resolve(cwd, def);
  const parsed = kmdll.def.parseDef(readFileSync(path));
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) {
    process.stderr.write(errors.map((d) => kmdll.def.formatDiagnostic(d, path)).join("\n") + "\n");
    process.exit(1);
  }
  writeFileSync(lib, kmdll.lib.writeImportLibrary(parsed.def, { machine: arch }).bytes);
}

function parseSources(text) {
  const vars = {};
  const joined = text.replace(/\\\r?\n/g, " ");
  for (const line of joined.split(/\r?\n/)) {
    const t = line.replace(/#.*/, "").trim();
    const m = /^([A-Z_][A-Z0-9_]*)\s*=\s*(.*)$/.exec(t);
    if (m) vars[m[1]] = m[2].trim();
  }
  return vars;
}

function dirsOf(folder) {
  const v = parseSources(readFileSync(join(folder, "dirs"), "utf8"));
  return (v.DIRS ?? "").split(/\s+/).filter(Boolean);
}

function run(cmd, args, cwd) {
  try {
    execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    process.stderr.write(`fixtures: ${cmd} failed in ${cwd}:\n${e.stderr?.toString() ?? e.message}\n`);
    process.exit(1);
  }
}

function build(outRoot) {
  const built = [];
  for (const [arch, a] of Object.entries(ARCHES)) {
    const out = join(outRoot, arch);
    mkdirSync(out, { recursive: true });
    for (const dir of dirsOf(join(root, "examples"))) {
      if (only.length && !only.includes(dir)) continue;
      const src = join(root, "examples", dir);
      const v = parseSources(readFileSync(join(src, "sources"), "utf8"));
      const archs = (v.KMDLL_ARCHES ?? "x64 x86").split(/\s+/);
      if (!archs.includes(arch)) continue;
      const name = v.TARGETNAME;
      const objDir = mkdtempSync(join(tmpdir(), `kmdll-obj-${name}-`));
      const objs = [];
      for (const s of (v.SOURCES ?? "").split(/\s+/).filter(Boolean)) {
        const obj = join(objDir, s.replace(/\.c$/, ".obj"));
        run("clang", [
          `--target=${a.triple}`, "-fgnuc-version=4.2.1", "-O2", "-ffreestanding", "-fasynchronous-unwind-tables",
          "-fno-stack-protector", "-mno-stack-arg-probe", "-ffunction-sections", "-fdata-sections", "-fno-ident",
          "-fdebug-prefix-map=" + root + "=.", "-isystem", `${a.sysroot}/include/ddk`, "-isystem", `${a.sysroot}/include`,
          ...(v.C_DEFINES ?? "").split(/\s+/).filter(Boolean), ...(v.USER_C_FLAGS ?? "").split(/\s+/).filter(Boolean),
          "-c", s, "-o", obj,
        ], src);
        objs.push(obj);
      }
      const type = v.TARGETTYPE;
      const libs = (v.TARGETLIBS ?? "").split(/\s+/).filter(Boolean).map((l) => {
        const m = /^\$\((?:DDK|SDK)_LIB_PATH\)[\\/](.+)\.lib$/i.exec(l);
        if (m) return `${a.sysroot}/lib/lib${m[1].toLowerCase()}.a`;
        return l.replace(/\$\(O\)[\\/]/, out + "/");
      });
      for (const d of (v.KMDLL_DEFLIBS ?? "").split(/\s+/).filter(Boolean)) {
        const lib = join(objDir, d.replace(/\.def$/i, "") + ".deflib.lib");
        implib(d, lib, arch, src);
        libs.push(lib);
      }
      const args = [
        `/machine:${a.machine}`, "/driver", "/subsystem:native", "/entry:DriverEntry", "/nodefaultlib", "/Brepro",
        "/opt:ref", `/implib:${join(objDir, "lld-implib.lib")}`, `/out:${join(out, name + ".sys")}`, ...a.extra, ...objs, ...libs,
        `${a.sysroot}/lib/libntoskrnl.a`, `${a.sysroot}/lib/libhal.a`,
        ...(v.LINKER_FLAGS ?? "").split(/\s+/).filter(Boolean),
      ];
      if (type === "EXPORT_DRIVER") args.push(`/def:${v.DLLDEF}`);
      run("lld-link", args, src);
      if (type === "EXPORT_DRIVER") {
        implib(v.DLLDEF, join(out, name + ".lib"), arch, src);
        built.push(`${arch}/${name}.lib`);
      }
      built.push(`${arch}/${name}.sys`);
      rmSync(objDir, { recursive: true, force: true });
    }
  }
  return built;
}

if (check) {
  const tmp = mkdtempSync(join(tmpdir(), "kmdll-fixtures-"));
  const built = build(tmp);
  let bad = 0;
  for (const f of built) {
    const committed = join(root, "test/fixtures", f);
    if (!existsSync(committed) || !readFileSync(committed).equals(readFileSync(join(tmp, f)))) {
      process.stderr.write(`fixtures: ${f} differs from a fresh build (run \`npm run fixtures\` and commit)\n`);
      bad++;
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  if (bad) process.exit(1);
  process.stdout.write(`fixtures: ${built.length} files rebuilt byte-identically\n`);
} else {
  const built = build(join(root, "test/fixtures"));
  process.stdout.write(`fixtures: built ${built.join(", ")}\n`);
}
