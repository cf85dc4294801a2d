/**
 * library-name: the names an export driver is known by must be its file name, `<name>.sys`.
 * Importers bind to the DLL name their import library carries; the kernel looks that name up
 * in System32\drivers (SPEC §3.2 pitfall: `LIBRARY mydriver` makes importers import
 * `mydriver.dll`).
 */
import { isExportDriver } from "./entry-points.js";
import { exportDirectoryLocation } from "./locate.js";
import type { CheckInput, Finding } from "./types.js";

/** The file name part of a path (either separator). */
export function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i >= 0 ? path.slice(i + 1) : path;
}

function hasExtension(name: string): boolean {
  const dot = name.lastIndexOf(".");
  return dot > 0 && dot < name.length - 1;
}

function isSys(name: string): boolean {
  return name.toLowerCase().endsWith(".sys");
}

export function namingRules(input: CheckInput): Finding[] {
  const out: Finding[] = [];
  if (!isExportDriver(input)) return out;
  const fileName = baseName(input.file);
  const fileIsSys = isSys(fileName);
  const wanted = fileIsSys ? fileName : fileName.replace(/\.[^.]*$/, "") + ".sys";
  const same = (a: string) => a.toLowerCase() === fileName.toLowerCase();
  // A kernel DLL may be named .dll (TARGETEXT=dll): accepted when the file, the export table
  // and the .def's LIBRARY all say the same name.
  // "LIBRARY x" without an extension declares x.dll (link.exe and lld-link add it).
  const rawDeclared = input.def?.library?.name ?? null;
  const declared = rawDeclared === null ? null : hasExtension(rawDeclared) ? rawDeclared : `${rawDeclared}.dll`;
  const declaredByDef = (a: string) => same(a) && declared !== null && declared.toLowerCase() === a.toLowerCase();

  const exp = input.image.exports;
  if (exp && exp.functions.length > 0) {
    const name = exp.dllName;
    if (!isSys(name) && !declaredByDef(name)) {
      out.push({
        rule: "library-name",
        severity: "warning",
        message: `the export table names the DLL "${name}": an export driver is a .sys file installed in System32\\drivers, and import libraries made from this image would bind importers to "${name}". Link it as ${wanted} (lld-link/link: /out:${wanted}; .def: LIBRARY ${wanted}).`,
        location: exportDirectoryLocation(input, name),
      });
    } else if (!same(name)) {
      out.push({
        rule: "library-name",
        severity: "warning",
        message: `the export table names the DLL "${name}" but the file is "${fileName}": import libraries made from this image bind importers to "${name}", which the kernel looks for in System32\\drivers. Install the file as ${name}, or relink with /out:${fileName} and "LIBRARY ${fileName}".`,
        location: exportDirectoryLocation(input, name),
      });
    }
  }

  const def = input.def;
  if (def) {
    const lib = def.library;
    if (!lib || lib.name === null) {
      out.push({
        rule: "library-name",
        severity: "warning",
        message: `the .def has no LIBRARY statement: tools that build the import library from it then name the DLL after the .def file with a .dll extension, and importers would look for that file. Add "LIBRARY ${wanted}" as the first statement.`,
        location: { kind: "def", file: def.file, line: lib?.line ?? 1 },
      });
    } else if (!hasExtension(lib.name) && !declaredByDef(`${lib.name}.dll`)) {
      out.push({
        rule: "library-name",
        severity: "error",
        message: `"LIBRARY ${lib.name}" has no extension: the import library built from this .def binds importers to ${lib.name}.dll, which the kernel looks for in System32\\drivers and does not find (STATUS_OBJECT_NAME_NOT_FOUND 0xC0000034). Write "LIBRARY ${wanted}".`,
        location: { kind: "def", file: def.file, line: lib.line, ...(lib.column ? { column: lib.column } : {}), symbol: lib.name },
      });
    } else if (!same(lib.name) && !declaredByDef(`${lib.name}.dll`)) {
      out.push({
        rule: "library-name",
        severity: "error",
        message: `"LIBRARY ${lib.name}" does not match the driver file "${fileName}": importers linked with the import library from this .def look for ${lib.name} in System32\\drivers (STATUS_OBJECT_NAME_NOT_FOUND 0xC0000034). Write "LIBRARY ${fileName}"${fileIsSys ? "" : ` and name the driver ${wanted}`}.`,
        location: { kind: "def", file: def.file, line: lib.line, ...(lib.column ? { column: lib.column } : {}), symbol: lib.name },
      });
    } else if (!isSys(lib.name) && !declaredByDef(hasExtension(lib.name) ? lib.name : `${lib.name}.dll`)) {
      out.push({
        rule: "library-name",
        severity: "warning",
        message: `"LIBRARY ${lib.name}": an export driver is a .sys file installed in System32\\drivers; name it ${wanted} and write "LIBRARY ${wanted}".`,
        location: { kind: "def", file: def.file, line: lib.line, symbol: lib.name },
      });
    }
  }

  if (input.lib) {
    const seen = new Set<string>();
    for (const row of input.lib.rows) {
      const key = row.dll.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      if (same(row.dll)) continue;
      const noExt = !isSys(row.dll) && row.dll.toLowerCase().endsWith(".dll");
      out.push({
        rule: "library-name",
        severity: "error",
        message: `the import library binds importers to "${row.dll}", but the driver file is "${fileName}": the kernel looks for ${row.dll} in System32\\drivers and the importers fail to load (STATUS_OBJECT_NAME_NOT_FOUND 0xC0000034). ${noExt ? `Its .def probably says "LIBRARY ${row.dll.replace(/\.dll$/i, "")}" without an extension; write` : "Rebuild it from a .def with"} "LIBRARY ${fileName}".`,
        location: { kind: "lib", file: input.lib.file, offset: row.memberOffset, module: row.dll },
      });
    }
  }
  return out;
}
