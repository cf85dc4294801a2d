/**
 * Project templates for `kmdll new` (SPEC §4): an export driver (stub DriverEntry, DllInitialize,
 * DllUnload, one exported routine, a .def with `LIBRARY name.sys` and PRIVATE entry points) and a
 * standard driver (optionally importing one routine of an export driver). Pure: name → files.
 */

export const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const RESERVED = new Set(["out", "obj", "dirs", "sources", "ntoskrnl", "hal", "con", "nul", "aux", "prn"]);

/** Why name cannot be a project name (undefined when it can). */
export function nameProblem(name: string): string | undefined {
  if (!NAME_RE.test(name)) return `invalid name '${name}': use a C identifier (letters, digits, '_', not starting with a digit; at most 63 characters), no path separators`;
  if (RESERVED.has(name.toLowerCase())) return `'${name}' is reserved (it would clash with ${name.toLowerCase() === "out" || name.toLowerCase() === "obj" ? "the build's output folders" : "a file or module name the build or the kernel uses"})`;
  return undefined;
}

export interface TemplateFile {
  /** Relative to the project folder. */
  path: string;
  text: string;
}

/** What a driver template imports from an export driver. */
export interface ImportSpec {
  /** The export driver's TARGETNAME (its file is `<name>.sys`). */
  name: string;
  /** The routine the driver calls. */
  routine: string;
  /** Folder of the export driver relative to the new project (for INCLUDES), when it has a header. */
  includeDir?: string;
  /** Its header file name, when it has one (template-made export drivers do). */
  header?: string;
  /** Whether the routine has the template's `int Routine(int a, int b)` signature. */
  templateSignature: boolean;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The routine a template export driver exports. */
export function exportedRoutine(name: string): string {
  return `${cap(name)}Add`;
}

const macroName = (name: string) => name.toUpperCase();

export function exportDriverTemplate(name: string): TemplateFile[] {
  const routine = exportedRoutine(name);
  const M = macroName(name);
  return [
    {
      path: `${name}.c`,
      text: `/*
 * ${name}.sys: an export driver (a kernel-mode DLL), made by \`kmdll new export-driver ${name}\`.
 * Other drivers link against ${name}.lib and call ${routine}. The kernel loads ${name}.sys from
 * System32\\drivers the first time such a driver loads, calls DllInitialize, and calls DllUnload
 * when the last of them has unloaded.
 */
#include "${name}_private.h"

/* Calls of ${routine} so far (counted in ${name}_add.c). */
LONG ${cap(name)}CallCount;

/* Never called: an export driver is loaded because another driver imports it. */
DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

/* Called right after the first importer made the kernel load ${name}.sys. The RegistryPath
 * buffer is freed when this returns: copy it if you need it later. */
NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    DbgPrint("${name}: DllInitialize(%wZ)\\n", RegistryPath);
    return STATUS_SUCCESS;
}

/* Called when the last importer has unloaded; release what DllInitialize acquired. */
NTSTATUS NTAPI DllUnload(void)
{
    DbgPrint("${name}: DllUnload (${routine} called %ld time(s))\\n", ${cap(name)}CallCount);
    return STATUS_SUCCESS;
}
`,
    },
    {
      path: `${name}_add.c`,
      text: `/* ${name}_add.c: the routine ${name}.sys exports (listed in ${name}.def; declared in ${name}.h). */
#include "${name}_private.h"

int ${routine}(int a, int b)
{
    InterlockedIncrement(&${cap(name)}CallCount);
    return a + b;
}
`,
    },
    {
      path: `${name}_private.h`,
      text: `/* ${name}_private.h: shared by the source files of ${name}.sys (not for importers). */
#pragma once
#include <ntddk.h>

#define ${M}_EXPORTS
#include "${name}.h"

extern LONG ${cap(name)}CallCount;
`,
    },
    {
      path: `${name}.h`,
      text: `/*
 * ${name}.h: the routines ${name}.sys exports. Importers include this header and link against
 * ${name}.lib; the declarations are EXTERN_C DECLSPEC_IMPORT, as the WDK documentation prescribes.
 */
#pragma once
#include <ntdef.h>

#ifdef ${M}_EXPORTS
#define ${M}_API EXTERN_C
#else
#define ${M}_API EXTERN_C DECLSPEC_IMPORT
#endif

/* Returns a + b. */
${M}_API int ${routine}(int a, int b);
`,
    },
    {
      path: `${name}.def`,
      text: `; ${name}.def: the exports of ${name}.sys. LIBRARY names the file importers look for in
; System32\\drivers (keep the .sys). DllInitialize and DllUnload are exported for the kernel and
; PRIVATE, so they stay out of ${name}.lib and no driver can import them.
LIBRARY ${name}.sys
EXPORTS
  DllInitialize PRIVATE
  DllUnload PRIVATE
  ${routine}
`,
    },
    {
      path: "sources",
      text: `# WDK sources file. \`kmdll build\` makes ${name}.sys and, from DLLDEF, the export library
# ${name}.lib that importing drivers list in TARGETLIBS.
TARGETNAME=${name}
TARGETTYPE=EXPORT_DRIVER
DLLDEF=${name}.def
SOURCES=${name}.c ${name}_add.c
`,
    },
    {
      path: "README.md",
      text: `# ${name}: an export driver

Made by \`kmdll new export-driver ${name}\`. Files:

- \`${name}.c\`: stub \`DriverEntry\` (never called for an export driver), \`DllInitialize\`,
  \`DllUnload\`; \`${name}_add.c\`: the exported routine \`${routine}\`; \`${name}_private.h\`:
  what both share.
- \`${name}.h\`: the declarations importers include (\`EXTERN_C DECLSPEC_IMPORT\`).
- \`${name}.def\`: \`LIBRARY ${name}.sys\`; \`DllInitialize\`/\`DllUnload\` are \`PRIVATE\`.
- \`sources\`: \`TARGETTYPE=EXPORT_DRIVER\`, \`DLLDEF=${name}.def\`.

Build from the folder above this one (its \`dirs\` file lists the projects in build order):

    kmdll build . --arch x64

This writes \`out/x64/${name}.sys\` and \`out/x64/${name}.lib\`. A driver that uses it:
\`kmdll new driver NAME --imports ${name}\` (it gets \`TARGETLIBS=$(O)\\${name}.lib\`).
`,
    },
  ];
}

export function driverTemplate(name: string, imports?: ImportSpec): TemplateFile[] {
  const call = imports
    ? imports.templateSignature
      ? { decl: "", expr: `${imports.routine}(40, 2)`, shown: `${imports.routine}(40, 2)`, ok: "result == 42" }
      : { decl: `/* Declared here because ${imports.name} has no header: check the prototype against its source. */\nEXTERN_C DECLSPEC_IMPORT int ${imports.routine}(int arg1);\n\n`, expr: `${imports.routine}(41)`, shown: `${imports.routine}(41)`, ok: "TRUE" }
    : undefined;
  const include = imports?.header ? `#include "${imports.header}"\n` : "";
  const c = `/*
 * ${name}.sys: a standard driver, made by \`kmdll new driver ${name}${imports ? ` --imports ${imports.name}` : ""}\`.${imports ? `
 * It calls ${imports.routine}, exported by ${imports.name}.sys: loading ${name}.sys makes the kernel load
 * ${imports.name}.sys first (and call its DllInitialize); unloading ${name}.sys lets the kernel unload it.` : ""}
 */
#include "${name}.h"
${include}
${call?.decl ?? ""}DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD ${cap(name)}Unload;

VOID ${cap(name)}Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("${name}: DriverUnload\\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
${
  call
    ? `    int result = ${call.expr};
    ${cap(name)}Report(RegistryPath, "${call.shown}", result);
    DriverObject->DriverUnload = ${cap(name)}Unload;
    return ${call.ok} ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;`
    : `    ${cap(name)}Report(RegistryPath, NULL, 0);
    DriverObject->DriverUnload = ${cap(name)}Unload;
    return STATUS_SUCCESS;`
}
}
`;
  const sources = `# WDK sources file. \`kmdll build\` makes ${name}.sys.${imports ? `
# TARGETLIBS: ${imports.name}.lib, the export library built earlier into the same output folder
# (the dirs file above lists ${imports.name} before ${name}).` : ""}
TARGETNAME=${name}
TARGETTYPE=DRIVER
SOURCES=${name}.c ${name}_report.c
${imports?.includeDir ? `INCLUDES=${imports.includeDir.replace(/\//g, "\\")}\n` : ""}${imports ? `TARGETLIBS=$(O)\\${imports.name}.lib\n` : ""}`;
  const readme = `# ${name}: a standard driver

Made by \`kmdll new driver ${name}${imports ? ` --imports ${imports.name}` : ""}\`. \`${name}.c\` has \`DriverEntry\`${imports ? `, which calls
\`${imports.routine}\` from the export driver ${imports.name}.sys,` : ""} and a \`DriverUnload\` routine;
\`${name}_report.c\` prints its messages; \`${name}.h\` is what both share.
${imports ? `\`sources\` links against \`$(O)\\${imports.name}.lib\`, so ${imports.name} must be built first: the \`dirs\`
file in the folder above lists it before ${name}.
` : ""}
Build and run it from the folder above this one:

    kmdll build . --arch x64 --install root
    kmdll sim --root root start:${name} stop:${name}
`;
  const header = `/* ${name}.h: shared by ${name}.c and ${name}_report.c. */
#pragma once
#include <ntddk.h>

/* Prints what DriverEntry did (call: the call made, or NULL). */
VOID ${cap(name)}Report(PCUNICODE_STRING RegistryPath, PCSTR Call, int Result);
`;
  const report = `/* ${name}_report.c: ${name}.sys's messages. */
#include "${name}.h"

VOID ${cap(name)}Report(PCUNICODE_STRING RegistryPath, PCSTR Call, int Result)
{
    if (Call != NULL) DbgPrint("${name}: DriverEntry(%wZ): %s = %d\\n", RegistryPath, Call, Result);
    else DbgPrint("${name}: DriverEntry(%wZ)\\n", RegistryPath);
}
`;
  return [
    { path: `${name}.c`, text: c },
    { path: `${name}.h`, text: header },
    { path: `${name}_report.c`, text: report },
    { path: "sources", text: sources },
    { path: "README.md", text: readme },
  ];
}

/** A new `dirs` file listing projects in build order. */
export function dirsFile(dirs: string[]): string {
  return `# WDK dirs file: the projects \`kmdll build\` builds, in order (an export driver before the
# drivers that link against its .lib).
DIRS= \\
${dirs.map((d) => `    ${d}`).join(" \\\n")}
`;
}
