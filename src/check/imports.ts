/**
 * Import rules: user-mode-import, compiler-helper-import, missing-module, unresolved-import,
 * delay-load-import, imports-entry-point, empty-import-descriptor. They follow what the kernel loader does with an
 * image's import table (SPEC §6): refuse the user-mode core DLLs, look every other module up by
 * name in the importer's directory (System32\drivers), then snap every name/ordinal against the
 * module's export table.
 */
import type { ImportModule, ImportedFunction } from "../formats/pe/types.js";
import { compilerHelper, dllBase, ENTRY_POINTS, isKernelApiSet, isKnownSystemModule, kernelReplacement, userModeDll, KERNEL_CORE_MODULES } from "./knowledge.js";
import { offsetOfRva } from "./locate.js";
import type { CheckInput, Finding, FindingLocation, ModuleExports, ModuleLookup } from "./types.js";

const STATUS_TEXT = {
  procNotFound: "STATUS_PROCEDURE_NOT_FOUND (0xC000007A)",
  nameNotFound: "STATUS_OBJECT_NAME_NOT_FOUND (0xC0000034)",
  entryNotFound: "STATUS_DRIVER_ENTRYPOINT_NOT_FOUND (0xC0000263)",
  ordinalNotFound: "STATUS_DRIVER_ORDINAL_NOT_FOUND (0xC0000262)",
};

function fnLabel(f: ImportedFunction): string {
  return f.name ?? `#${f.ordinal}`;
}

function importLocation(input: CheckInput, mod: ImportModule, f?: ImportedFunction): FindingLocation {
  const rva = f ? f.iatRva : mod.iatRva;
  const offset = offsetOfRva(input, rva);
  return {
    kind: "import",
    file: input.file,
    module: mod.dll,
    ...(f?.name ? { symbol: f.name } : {}),
    ...(f && f.name === null && f.ordinal !== null ? { ordinal: f.ordinal } : {}),
    rva,
    ...(offset === undefined ? {} : { offset }),
  };
}

/**
 * Which kernel module (ntoskrnl.exe, hal.dll) exports a name, per the resolver: a function that
 * looks the kernel modules up on its first call and then only tests names (the user-mode-import
 * rule asks for every name a driver imports from a user-mode DLL).
 */
function kernelExporter(input: CheckInput): (name: string) => string | null {
  let modules: { names: ReadonlySet<string>; name: string }[] | undefined;
  return (name) => {
    if (modules === undefined) {
      modules = [];
      for (const core of KERNEL_CORE_MODULES) {
        const r = input.modules.lookup(core);
        if (r.found) modules.push({ names: r.exports.names, name: r.exports.name.toLowerCase() });
      }
    }
    for (const m of modules) if (m.names.has(name)) return m.name;
    return null;
  };
}

// The loops over a module's imported names are small functions of their own: the optimizing
// compiler then compiles them, not the rules' whole bodies with every message.

/** What to use instead of each name imported from a user-mode DLL (hints), and the names with no known equivalent (unknown). */
function userModeHints(exporterOf: (name: string) => string | null, fns: readonly ImportedFunction[], libName: string, hints: string[], unknown: string[]): void {
  for (const f of fns) {
    const name = f.name;
    if (name === null) {
      unknown.push(fnLabel(f));
      continue;
    }
    const repl = kernelReplacement(name);
    const exporter = exporterOf(name);
    if (exporter && !repl) hints.push(`${name} → ${exporter} exports ${name} too: link ${dllBase(exporter)}.lib ahead of ${libName} (or drop ${libName})`);
    else if (repl) hints.push(`${name} → ${repl}`);
    else if (/^Nt[A-Z]/.test(name) && exporterOf("Zw" + name.slice(2))) hints.push(`${name} → Zw${name.slice(2)} (exported by ntoskrnl.exe)`);
    else unknown.push(name);
  }
}

/** The compiler-helper-import findings of a module the kernel will not load; returns its other names. */
function compilerHelperImports(input: CheckInput, mod: ImportModule, refusedByLoader: boolean, out: Finding[]): ImportedFunction[] {
  const plain: ImportedFunction[] = [];
  for (const f of mod.functions) {
    const h = f.name !== null ? compilerHelper(f.name) : null;
    if (!h) {
      plain.push(f);
      continue;
    }
    const status = refusedByLoader ? STATUS_TEXT.procNotFound : STATUS_TEXT.nameNotFound;
    out.push({
      rule: "compiler-helper-import",
      severity: "error",
      message: `imports ${f.name} from ${mod.dll}: ${h.what}, emitted by the compiler although the source never calls it, and resolved from a user-mode DLL the kernel will not load: the load fails with ${status}. Fix: ${h.fix}.`,
      location: importLocation(input, mod, f),
    });
  }
  return plain;
}

/** The unresolved-import findings of one module's names against its exports. */
function unresolvedImports(input: CheckInput, mod: ImportModule, exp: ModuleExports, out: Finding[]): void {
  for (const f of mod.functions) {
    const finding = unresolved(input, mod, exp, f);
    if (finding) out.push(finding);
  }
}

/** The imports-entry-point findings (DllInitialize / DllUnload imported from another module). */
function entryPointImports(input: CheckInput, out: Finding[]): void {
  for (const mod of input.image.imports) {
    for (const f of mod.functions) {
      if (f.name && (ENTRY_POINTS as readonly string[]).includes(f.name)) {
        out.push({
          rule: "imports-entry-point",
          severity: "warning",
          message: `imports ${f.name} from ${mod.dll}: the kernel calls an export driver's ${f.name} itself (on first load / last unload); calling it from another driver breaks its reference counting. Remove the call, and mark ${f.name} PRIVATE in ${mod.dll}'s .def so its import library does not offer it.`,
          location: importLocation(input, mod, f),
        });
      }
    }
  }
}

function userModeImport(input: CheckInput, mod: ImportModule, refused: boolean, fns: ImportedFunction[]): Finding {
  const why = refused
    ? `the kernel refuses to load a driver that imports it, with ${STATUS_TEXT.procNotFound}`
    : `the kernel looks for it in System32\\drivers and fails the load with ${STATUS_TEXT.nameNotFound}; even if it were there, its code calls user-mode services that do not exist in kernel mode`;
  const hints: string[] = [];
  const unknown: string[] = [];
  const libName = dllBase(mod.dll) + ".lib";
  userModeHints(kernelExporter(input), fns, libName, hints, unknown);
  let message = `imports ${mod.dll}, a user-mode DLL: ${why}. A kernel-mode DLL may call only kernel-mode routines; remove ${libName} from the link and use kernel routines instead`;
  if (hints.length) message += `: ${hints.join("; ")}`;
  if (unknown.length) message += `${hints.length ? ". " : ": "}No direct kernel equivalent known to kmdll for ${unknown.join(", ")}`;
  return { rule: "user-mode-import", severity: "error", message: message + ".", location: importLocation(input, mod) };
}

function notFoundMessage(input: CheckInput, mod: ImportModule, r: Exclude<ModuleLookup, { found: true }>): string {
  const names = mod.functions.map(fnLabel);
  const shown =
    names.length === 0 ? "nothing" : names.length > 4 ? names.slice(0, 4).join(", ") + `, … (${names.length} imports)` : names.join(", ");
  switch (r.reason) {
    case "invalid-name":
      return `imports ${shown} from "${mod.dll}", a name that ${r.detail}: the kernel resolves import names inside System32\\drivers only, so this import can never load; import the module by its plain file name`;
    case "unreadable":
      return `imports ${shown} from ${mod.dll}, but ${r.path} is not a loadable image (${r.detail}): the load fails; replace it with a valid build of ${mod.dll}`;
    case "not-found": {
      let msg = `imports ${shown} from ${mod.dll}, which is not in ${r.searched}: the load fails with ${STATUS_TEXT.nameNotFound}. Install ${mod.dll} in %SystemRoot%\\System32\\drivers next to this driver (for kmdll: in --root's System32/drivers), or link against the right import library`;
      const base = dllBase(mod.dll);
      if (!mod.dll.toLowerCase().endsWith(".sys")) {
        const alt = input.modules.lookup(base + ".sys");
        if (alt.found) {
          msg += `. ${alt.exports.name} exists: its .def probably says "LIBRARY ${base}" without an extension, so its import library binds importers to ${mod.dll}; write "LIBRARY ${base}.sys" and rebuild its import library`;
        }
      }
      return msg;
    }
  }
}

const lowerCache = new WeakMap<ModuleExports, Map<string, string>>();
/** Lower-case name → exported name, built once per module (case-mismatch hints). */
function lowerNames(exp: ModuleExports): Map<string, string> {
  let m = lowerCache.get(exp);
  if (!m) {
    m = new Map();
    for (const n of exp.names) if (!m.has(n.toLowerCase())) m.set(n.toLowerCase(), n);
    lowerCache.set(exp, m);
  }
  return m;
}

function unresolved(input: CheckInput, mod: ImportModule, exp: ModuleExports, f: ImportedFunction): Finding | null {
  const where = exp.source === "kernel-db" ? "per kmdll's kernel export database" : `per ${exp.path ?? exp.name}`;
  if (f.name !== null) {
    if (!exp.noExportDirectory && exp.names.has(f.name)) return null;
    let message: string;
    if (exp.noExportDirectory) {
      message = `imports ${f.name} from ${mod.dll}, which has no export table (${where}): the load fails with ${STATUS_TEXT.entryNotFound}. Export ${f.name} from ${mod.dll} (list it in its .def EXPORTS or declare it DECLSPEC_EXPORT)`;
    } else {
      message = `imports ${f.name} from ${mod.dll}, which does not export it (${where}): the load fails with ${STATUS_TEXT.entryNotFound}`;
      const caseMatch = lowerNames(exp).get(f.name.toLowerCase());
      if (caseMatch) message += `. ${mod.dll} exports "${caseMatch}": the loader's lookup is case-sensitive, fix the declaration's spelling`;
      else if (KERNEL_CORE_MODULES.has(mod.dll.toLowerCase())) {
        message += `. Check the routine's name and the Windows version that introduced it; to use it only where it exists, look it up at run time with MmGetSystemRoutineAddress instead of importing it`;
        if (exp.source === "kernel-db") message += ` (kmdll's database comes from mingw-w64's import libraries and may lack routines of recent Windows versions: put the target's ntoskrnl.exe and hal.dll in --root's System32 to check against them)`;
        const h = compilerHelper(f.name);
        if (h) message += `. ${f.name} is ${h.what}: ${h.fix}`;
      } else message += `. Export ${f.name} from ${mod.dll} (its .def EXPORTS or DECLSPEC_EXPORT) or rebuild this driver against ${mod.dll}'s current import library`;
    }
    return { rule: "unresolved-import", severity: "error", message: message + ".", location: importLocation(input, mod, f) };
  }
  // By ordinal: only images give ordinal ranges (the database has names only).
  if (f.ordinal === null || exp.ordinals === null && !exp.noExportDirectory) return null;
  if (exp.ordinals && f.ordinal >= exp.ordinals.base && f.ordinal - exp.ordinals.base < exp.ordinals.count) return null;
  const range = exp.ordinals ? `its ordinals are ${exp.ordinals.base}..${exp.ordinals.base + exp.ordinals.count - 1}` : "it has no export table";
  return {
    rule: "unresolved-import",
    severity: "error",
    message: `imports ordinal ${f.ordinal} from ${mod.dll}, but ${range} (${where}): the load fails with ${exp.noExportDirectory ? STATUS_TEXT.entryNotFound : STATUS_TEXT.ordinalNotFound}. Import by name, or rebuild against ${mod.dll}'s current import library.`,
    location: importLocation(input, mod, f),
  };
}

/** The import-table rules. */
/** SPEC §4 pitfall: a descriptor that names a DLL but imports nothing from it. */
function emptyDescriptor(input: CheckInput, mod: ImportModule): Finding {
  return {
    rule: "empty-import-descriptor",
    severity: "error",
    message: `the import descriptor for ${mod.dll || "(no name)"} imports no function (its lookup table is empty): the loader loads ${mod.dll || "the module"} but binds nothing, so every call through it jumps to an unrelocated address and faults. This is what GNU ld (x86_64/i686-w64-mingw32-ld, gcc) produces when it links against an LLVM/MSVC short-format import library (.lib from lld-link, llvm-dlltool, lib.exe or kmdll implib): it does not understand the short import members. Fix: link with lld-link (clang), or give GNU ld an import library made by GNU dlltool (x86_64-w64-mingw32-dlltool -d ${dllBaseOrName(mod.dll)}.def -l lib${dllBaseOrName(mod.dll)}.a).`,
    location: importLocation(input, mod),
  };
}

function dllBaseOrName(dll: string): string {
  return dll ? dllBase(dll) : "module";
}

export function importRules(input: CheckInput): Finding[] {
  const out: Finding[] = [];
  for (const mod of input.image.imports) {
    const um = userModeDll(mod.dll);
    if (mod.functions.length === 0 && !um) {
      // The root cause; the module's other findings (not found, ...) would follow from fixing the link.
      out.push(emptyDescriptor(input, mod));
      continue;
    }
    if (um) {
      const plain = compilerHelperImports(input, mod, um.refusedByLoader, out);
      if (plain.length || mod.functions.length === 0) out.push(userModeImport(input, mod, um.refusedByLoader, plain));
      continue;
    }
    const r = input.modules.lookup(mod.dll);
    if (!r.found && r.reason === "not-found" && (isKnownSystemModule(mod.dll) || isKernelApiSet(mod.dll))) {
      const what = isKernelApiSet(mod.dll) ? "a kernel API set, resolved through the kernel's API set schema" : "a Windows system module every installation has";
      out.push({
        rule: "unresolved-import",
        severity: "note",
        message: `${mod.dll} is ${what}, but kmdll's kernel export database does not describe it: the ${mod.functions.length} name(s) imported from it (${mod.functions.slice(0, 4).map(fnLabel).join(", ")}${mod.functions.length > 4 ? ", …" : ""}) are not checked. To check them, put the target Windows' ${mod.dll} in --root's System32/drivers.`,
        location: importLocation(input, mod),
      });
      continue;
    }
    if (!r.found) {
      out.push({ rule: "missing-module", severity: "error", message: notFoundMessage(input, mod, r) + ".", location: importLocation(input, mod) });
      continue;
    }
    unresolvedImports(input, mod, r.exports, out);
  }
  entryPointImports(input, out);
  for (const mod of input.image.delayImports) {
    const names = mod.functions.map(fnLabel).join(", ");
    out.push({
      rule: "delay-load-import",
      severity: "error",
      message: `delay-loads ${mod.dll} (${names || "no functions"}): the kernel loader ignores the delay-import table and the delay-load helper (__delayLoadHelper2) is user-mode code, so the first call faults. Import ${mod.dll} normally (remove /delayload:${mod.dll}), or look routines up at run time with MmGetSystemRoutineAddress (ntoskrnl.exe and hal.dll only).`,
      location: { kind: "import", file: input.file, module: mod.dll, rva: mod.iatRva, ...(offsetOfRva(input, mod.iatRva) === undefined ? {} : { offset: offsetOfRva(input, mod.iatRva)! }) },
    });
  }
  return out;
}
