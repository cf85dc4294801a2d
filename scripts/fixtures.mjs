#!/usr/bin/env node
// Rebuilds the example drivers in examples/ into test/fixtures/<arch>/ with `kmdll build` (its
// library API: Debian's clang + lld-link + mingw-w64, SPEC §4), byte-reproducibly. `--check`
// builds into a temporary folder and fails when any committed fixture differs.
//
// Usage: node scripts/fixtures.mjs [--check] [DIR...]   (DIR: example folders to build; default all in examples/dirs)
//
// The examples are WDK `sources` projects listed in examples/dirs; `kmdll build` gives these
// variables their meaning (docs/build.md has the full list):
//   TARGETNAME, TARGETTYPE (EXPORT_DRIVER | DRIVER | DRIVER_LIBRARY), DLLDEF, SOURCES, C_DEFINES,
//   INCLUDES, TARGETPATH,
//   TARGETLIBS: `$(O)\x.lib` = an import library built earlier into the same output folder;
//               `$(DDK_LIB_PATH)\x.lib` / `$(SDK_LIB_PATH)\x.lib` = mingw-w64's lib<x>.a for the arch;
//   USER_C_FLAGS: extra clang flags appended after the defaults (e.g. -mstack-arg-probe);
//   LINKER_FLAGS: extra lld-link flags appended (e.g. /subsystem:windows);
//   KMDLL_ARCHES: which of "x64 x86" to build (default both).
//   KMDLL_DEFLIBS: .def files in the example folder, each turned into an import library with
//               `kmdll implib` and linked like a TARGETLIBS entry (e.g. to import a name
//               or module that no real import library provides).
// Import libraries (EXPORT_DRIVER's .lib and KMDLL_DEFLIBS) are written by kmdll's own
// import-library writer. ntoskrnl and hal import libraries are always linked, as the WDK does.
// The fixtures are built without `kmdll check` (several are wrong on purpose).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { tmpdir } from "node:os";

const root = resolve(new URL("..", import.meta.url).pathname);
const check = process.argv.includes("--check");
const only = process.argv.slice(2).filter((a) => !a.startsWith("--")).map((d) => relative(join(root, "examples"), resolve(root, "examples", d)) || d);

// kmdll build needs a current build of the toolchain and the .def/.lib formats (only these and
// their small shared dependencies are loaded, so unrelated work in progress cannot break it).
const SOURCES = ["src/errors.ts", "src/formats/binary.ts", "src/formats/pe/types.ts", "src/formats/lib", "src/formats/def", "src/toolchain"];
async function loadKmdll() {
  const dist = (f) => join(root, "dist", f.replace(/\.ts$/, ".js"));
  const srcs = SOURCES.flatMap((p) => (p.endsWith(".ts") ? [p] : readdirSync(join(root, p)).filter((f) => f.endsWith(".ts")).map((f) => `${p}/${f}`)));
  const stale = srcs.some((f) => !existsSync(dist(f)) || statSync(dist(f)).mtimeMs < statSync(join(root, f)).mtimeMs);
  // tsc still emits when other files have type errors; its exit status is not ours to judge.
  if (stale) spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.json")], { stdio: "ignore" });
  return import(join(root, "dist/src/toolchain/build.js"));
}
const kmdll = await loadKmdll();

/** Build the examples into outRoot/<arch>/; returns the products as "<arch>/<file>". */
async function build(outRoot, objRoot) {
  let result;
  try {
    result = await kmdll.build(join(root, "examples"), { out: outRoot, obj: objRoot, check: false, ...(only.length ? { only } : {}) });
  } catch (e) {
    if (e?.diagnostics) {
      for (const d of e.diagnostics) process.stderr.write(`${relative(process.cwd(), d.file ?? "") || d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}\n`);
    } else process.stderr.write(`fixtures: ${e?.message ?? e}\n`);
    process.exit(1);
  }
  for (const d of result.diagnostics) process.stderr.write(`${relative(process.cwd(), d.file ?? "") || d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}\n`);
  const failed = result.projects.filter((p) => p.status === "failed");
  for (const p of failed) process.stderr.write(`fixtures: ${p.name} (${p.arch}) failed in ${relative(root, p.dir)}:\n${p.errors ?? ""}\n`);
  if (failed.length) process.exit(1);
  return result.projects.flatMap((p) => p.outputs.map((o) => relative(outRoot, o)));
}

if (check) {
  const tmp = mkdtempSync(join(tmpdir(), "kmdll-fixtures-"));
  const built = await build(tmp, join(tmp, "obj"));
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
  // Objects and the incremental state stay out of the committed folder.
  const built = await build(join(root, "test/fixtures"), join(root, ".kmdll-cache", "fixtures-obj"));
  process.stdout.write(`fixtures: built ${built.join(", ")}\n`);
}
