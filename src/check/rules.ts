/** The documentation of every rule: `kmdll check --explain RULE`, SARIF rule descriptors, docs/check.md. */
import type { RuleId, RuleInfo } from "./types.js";

export const RULES: readonly RuleInfo[] = [
  {
    id: "user-mode-import",
    family: "imports",
    severity: "error",
    summary: "imports a user-mode DLL (ntdll, kernel32, user32, gdi32, advapi32, msvcrt, ucrtbase, vcruntime*, api-ms-win-*, ...)",
    explain: `A kernel-mode DLL may call only kernel-mode routines. When the kernel loads a driver it
refuses imports of ntdll, kernel32, user32, gdi32, advapi32 and winsrv outright
(STATUS_PROCEDURE_NOT_FOUND, 0xC000007A); any other user-mode DLL (msvcrt.dll, ucrtbase.dll,
vcruntime140.dll, api-ms-win-*, ws2_32.dll, ...) is looked for in System32\\drivers and not found
(STATUS_OBJECT_NAME_NOT_FOUND, 0xC0000034) — and could not run there anyway.

Typical cause: a user-mode library on the link line (msvcrt.lib, kernel32.lib, a Visual Studio
default library) or code written like a Win32 DLL (malloc, printf, CreateFile, Sleep).

Fix: remove the user-mode library from the link (WDK: TARGETLIBS; lld-link: /nodefaultlib) and call
the kernel routine instead. The message lists a replacement for each imported routine kmdll knows:
malloc → ExAllocatePool2/ExAllocatePoolWithTag, free → ExFreePoolWithTag, printf → DbgPrint,
sprintf → RtlStringCbPrintfA (ntstrsafe.h), CreateFileW → ZwCreateFile, Sleep →
KeDelayExecutionThread, ... Routines that ntoskrnl.exe exports under the same name (memcpy,
memset, strlen, wcslen, ...) bind to the kernel when ntoskrnl.lib comes first on the link line.
Compiler-emitted helpers from a user-mode DLL are reported by compiler-helper-import instead.`,
  },
  {
    id: "compiler-helper-import",
    family: "imports",
    severity: "error",
    summary: "imports a compiler/CRT support routine the compiler emitted implicitly, from a user-mode DLL",
    explain: `Even when the source calls no user-mode routine, the compiler emits calls of its own: stack
probes for frames larger than a page (__chkstk, _alloca_probe, ___chkstk_ms), /GS stack-cookie checks
(__security_check_cookie, __GSHandlerCheck, __stack_chk_fail), run-time checks (_RTC_*), C++ exception
handling and RTTI (__CxxFrameHandler*, _CxxThrowException, __RTDynamicCast), x86 64-bit arithmetic
(_alldiv, _aullrem, ...), float conversions (_ftol2, _dtoui3) and pure-call handlers (_purecall).
When the link resolves one of them from a user-mode DLL (ntdll.dll, msvcrt.dll, ucrtbase.dll, a
vcruntime), the driver does not load.

Fix, per kind (the message names the one that applies):
  stack probe: keep frames under a page — kernel stacks are 12 KB (x86) / 24 KB (x64) — by moving big
    buffers to pool memory; compile with -mno-stack-arg-probe (clang/gcc).
  stack cookie: link the WDK's BufferOverflowFastFailK.lib / BufferOverflowK.lib, or compile with
    -fno-stack-protector (MSVC /GS-).
  run-time checks: build without /RTC*.
  C++ EH/RTTI: -fno-exceptions -fno-rtti (MSVC /EHs-c- /GR-).
  SEH handler, x86 64-bit arithmetic: ntoskrnl.exe exports them; put ntoskrnl.lib first.
  float conversions: avoid floating point, or save state with KeSaveExtendedProcessorState.
  _purecall: define it in the driver.`,
  },
  {
    id: "missing-dllinitialize",
    family: "entry-points",
    severity: "error",
    summary: "an export driver does not export DllInitialize",
    explain: `An export driver (an image that exports more than its entry point, or one checked with --def/--lib) must export
NTSTATUS DllInitialize(PUNICODE_STRING RegistryPath). The kernel calls it right after the first
importer made it load, with \\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\<name>; and only
when an export driver exports both DllInitialize and DllUnload does the kernel keep its reference
count and unload it after its last importer unloaded ("Creating Export Drivers").

Fix: add the routine (returning STATUS_SUCCESS is enough) and list it in the .def:
    LIBRARY mydriver.sys
    EXPORTS
      DllInitialize PRIVATE
      DllUnload PRIVATE
The kernel looks the name up exactly: an x86 stdcall name exported decorated (_DllInitialize@4) does not count.

A standard driver that also exports routines ("you can build any standard driver as an export
driver") gets a warning instead when it imports a routine only a service calls (IoCreateDevice,
WdfVersionBind, FltRegisterFilter, ...): it works while its service starts before its importers.`,
  },
  {
    id: "missing-dllunload",
    family: "entry-points",
    severity: "error",
    summary: "an export driver does not export DllUnload",
    explain: `An export driver must export NTSTATUS DllUnload(void). The kernel calls it when the last driver
that imports it has unloaded, and then unloads it; without DllUnload (and DllInitialize) the reference
count mechanism is not activated and the DLL stays loaded until reboot.

Fix: add the routine, release what DllInitialize acquired, return STATUS_SUCCESS, and list it in the
.def as "DllUnload PRIVATE".`,
  },
  {
    id: "forwarded-entry-point",
    family: "entry-points",
    severity: "error",
    summary: "DllInitialize or DllUnload is exported as a forwarder",
    explain: `An export whose address points inside the export directory is a forwarder ("OTHER.Name"). The
kernel looks for DllInitialize/DllUnload in the export driver's own export table and ignores a
forwarded one: it never calls it, and the driver behaves as if the routine were missing.

Fix: implement the routine in the export driver itself and export it with "DllUnload PRIVATE" (no
"=other.DllUnload" in the .def). It may call into another module from there.`,
  },
  {
    id: "entry-point-in-import-library",
    family: "entry-points",
    severity: "error",
    summary: "DllInitialize/DllUnload are not PRIVATE: the .def or the .lib offers them to importers",
    explain: `DllInitialize and DllUnload belong to the kernel: they are exported so the kernel can find them,
but they must not be in the export driver's import library, or other drivers can link against (and call)
them. The .def keyword PRIVATE keeps an export out of the import library; the first seed requires it even
when the routines are exported with DECLSPEC_EXPORT.

kmdll checks the .def given with --def (each entry point must be listed with PRIVATE) and the import
library given with --lib (it must not contain the entry points). Without --def/--lib this rule cannot
see the problem: the image itself looks the same either way.

Fix: in the .def write
      DllInitialize PRIVATE
      DllUnload PRIVATE
and rebuild the import library (kmdll implib, lib /def, llvm-dlltool).`,
  },
  {
    id: "subsystem-not-native",
    family: "image",
    severity: "error",
    summary: "the PE subsystem is not NATIVE (1)",
    explain: `Kernel-mode drivers are NATIVE-subsystem images. An image linked for WINDOWS_GUI or WINDOWS_CUI was
built as a user-mode program or DLL and is not a valid driver.

Fix: link with /subsystem:native (lld-link, link.exe; the WDK does it for DRIVER and EXPORT_DRIVER), or
-Wl,--subsystem,native with GNU ld. lld-link's /driver does not set the subsystem by itself.`,
  },
  {
    id: "missing-module",
    family: "imports",
    severity: "error",
    summary: "an imported module is not found where the kernel looks (System32\\drivers)",
    explain: `The kernel resolves an import of <name> by loading <directory of the importer>\\<name>, i.e.
%SystemRoot%\\System32\\drivers\\<name> (ntoskrnl.exe and hal.dll are always present). When the file is
not there the load fails with STATUS_OBJECT_NAME_NOT_FOUND (0xC0000034).

kmdll looks in --root's System32/drivers (case-insensitive, like Windows) or, without --root, next to
the checked image; the system export drivers in its kernel export database (ndis.sys, usbd.sys, ks.sys,
hidparse.sys, ...) always count as present. Import names containing a path separator or ".." are never
looked up.

Fix: install the export driver in System32\\drivers, or link against the right import library. A
reference to <name>.dll when <name>.sys exists means the export driver's .def says "LIBRARY <name>"
without the extension: write "LIBRARY <name>.sys".`,
  },
  {
    id: "unresolved-import",
    family: "imports",
    severity: "error",
    summary: "an imported name or ordinal is not exported by the imported module",
    explain: `After loading an imported module the kernel snaps each import: by name (case-sensitive) — not found
gives STATUS_DRIVER_ENTRYPOINT_NOT_FOUND (0xC0000263), also when the module has no export table — or by
ordinal — outside the export table gives STATUS_DRIVER_ORDINAL_NOT_FOUND (0xC0000262).

kmdll checks names against the real export table of modules found in --root (or next to the image), and
against its kernel export database for ntoskrnl.exe, hal.dll and the system export drivers (generated
from mingw-w64's import libraries by "npm run kernel-db"; routines newer than that data are not in it —
a root with System32/ntoskrnl.exe and System32/hal.dll uses their real export tables instead).
Ordinal imports are checked against images only. Imports from Windows system drivers the database
does not describe (WDFLDR.SYS, FLTMGR.SYS, portcls.sys, ...) and from kernel API sets
(ext-ms-win-ntos-*) get a note instead: the names are not checked unless the file is in the root.

Fix: correct the name (spelling, case, decoration), export the routine from the export driver, or, for
kernel routines that only newer Windows versions have, look them up with MmGetSystemRoutineAddress.`,
  },
  {
    id: "library-name",
    family: "naming",
    severity: "error",
    summary: "the export table / LIBRARY / import library name is not the driver's <name>.sys file name",
    explain: `Importers bind to the DLL name their import library carries, and the kernel loads exactly that name
from System32\\drivers. A .def with "LIBRARY mydriver" (no extension) produces an import library that
binds to mydriver.dll, which does not exist; a LIBRARY name different from the file name has the same
effect. Severity: error for the .def's LIBRARY and the --lib import library (importers will fail to
load), warning for the image's own export-table name (used only by tools that derive an import library
from the image) and for a missing LIBRARY statement.

Fix: "LIBRARY <name>.sys" as the first line of the .def, the file installed as <name>.sys, and the
import library rebuilt.`,
  },
  {
    id: "malformed-image",
    family: "image",
    severity: "error",
    summary: "the file is not a mappable image: truncated raw data, overlapping/unaligned/gapped sections, inconsistent SizeOfImage/SizeOfHeaders",
    explain: `Before a driver's code runs, the kernel creates an image section for its file (MmCreateSection
with SEC_IMAGE; MiCreateImageFileMap in the WRK, PeFmtCreateSection in ReactOS) and refuses, with
STATUS_INVALID_IMAGE_FORMAT (0xC000007B), a file whose layout is not consistent:
  - SectionAlignment or FileAlignment not a power of two, FileAlignment above SectionAlignment, or
    (below a page) FileAlignment different from SectionAlignment;
  - SizeOfHeaders past the end of the file, smaller than the headers and section table, or larger
    than SizeOfImage;
  - a section whose VirtualAddress is not aligned, overlaps the headers or the previous section, or
    leaves a gap after it (sections follow each other in ascending order);
  - a section whose raw data (PointerToRawData + SizeOfRawData) runs past the end of the file — the
    usual sign of a truncated download or copy;
  - SizeOfImage 0, or too small to cover the sections.
kmdll check reports each problem; kmdll sim and kmdll call refuse such a driver with the same status
and run nothing of it; kmdll scan lists it under its errors.

Fix: get the complete file (truncation), or relink with a standard linker and do not edit the headers
afterwards.`,
  },
  {
    id: "not-relocatable",
    family: "image",
    severity: "error",
    summary: "relocations are stripped, or missing while the image holds absolute addresses",
    explain: `The kernel maps every driver at an address of its own choosing and applies base relocations. An
image with IMAGE_FILE_RELOCS_STRIPPED is refused; an image without a relocation table whose code or data
contains absolute addresses of itself (pointer tables, x86 absolute calls) would run with pointers into
nothing. x64 code without pointer tables may legitimately have no relocations: kmdll reports only images
in which it finds an absolute address of the image (the message gives the file offset).

Fix: do not link with /fixed (lld-link and link.exe keep relocations for /driver by default); with GNU ld
use --dynamicbase and do not strip .reloc.`,
  },
  {
    id: "writable-executable-section",
    family: "image",
    severity: "error",
    summary: "a section is both writable and executable (incompatible with HVCI)",
    explain: `Hypervisor-protected code integrity (HVCI, "memory integrity", on by default on Windows 11) never
lets kernel memory be writable and executable at once, and refuses to load a driver with such a
section; Microsoft's driver signing requires HVCI compatibility.

Fix: remove /section:NAME,RWE (or ERW), #pragma section(..., execute, write) and /MERGE of data into
code; keep code in read-only executable sections and data in non-executable ones.`,
  },
  {
    id: "section-alignment",
    family: "image",
    severity: "error",
    summary: "SectionAlignment is not a multiple of the page size (HVCI)",
    explain: `HVCI protects a driver page by page with each section's own protection, so every section must start
on a page: SectionAlignment must be a multiple of 0x1000. Old drivers linked with /align:0x80 or a
small /align do not load under HVCI.

Fix: remove /align:N (lld-link and link.exe default to 0x1000); GNU ld: --section-alignment=0x1000.`,
  },
  {
    id: "delay-load-import",
    family: "imports",
    severity: "error",
    summary: "the image delay-loads a module (the kernel loader ignores delay imports)",
    explain: `The delay-import table is processed by a user-mode helper (__delayLoadHelper2 from delayimp.lib), not
by the kernel loader: in a driver the first call through a delay-loaded import faults.

Fix: import normally (remove /delayload:NAME); for optional kernel routines use MmGetSystemRoutineAddress.`,
  },
  {
    id: "tls-directory",
    family: "image",
    severity: "warning",
    summary: "the image has a TLS directory (not supported for drivers)",
    explain: `The kernel does not set up thread-local storage for drivers: __declspec(thread) / thread_local
variables are not per-thread and TLS callbacks never run.

Fix: remove thread-local variables; pass per-thread state explicitly.`,
  },
  {
    id: "missing-driverentry",
    family: "entry-points",
    severity: "warning",
    summary: "the image has no entry point (DriverEntry)",
    explain: `AddressOfEntryPoint is 0. The kernel calls the entry point (DriverEntry) when the image is started as a
driver; an export driver is never started that way, but the WDK requires at least a stub DriverEntry
and the seeds ask for one.

Fix: add NTSTATUS DriverEntry(PDRIVER_OBJECT, PUNICODE_STRING) returning STATUS_SUCCESS and link with
/entry:DriverEntry.`,
  },
  {
    id: "imports-entry-point",
    family: "imports",
    severity: "warning",
    summary: "the image imports another module's DllInitialize/DllUnload",
    explain: `DllInitialize and DllUnload are called by the kernel. A driver that imports and calls them upsets the
export driver's reference counting and initialisation order; their presence in an import library
means the export driver's .def lacks PRIVATE (see entry-point-in-import-library).

Fix: remove the calls; mark the routines PRIVATE in the export driver's .def.`,
  },
  {
    id: "empty-import-descriptor",
    family: "imports",
    severity: "error",
    summary: "an import descriptor names a DLL but imports no function from it (GNU ld + a short-format .lib)",
    explain: `An import descriptor whose lookup table is empty makes the kernel load the named module but
bind nothing: the driver's calls into it go through IAT slots that still hold unrelocated RVAs, and
the first call faults (a bug check on Windows).

Typical cause (SPEC §4 pitfall): GNU ld (x86_64-w64-mingw32-gcc / i686-w64-mingw32-gcc) linked against
an LLVM/MSVC short-format import library — a .lib written by lld-link, llvm-dlltool, lib.exe or
kmdll implib. GNU ld does not understand short import members: it emits the descriptor for the
DLL (from the library's head member) but imports none of its routines, without an error.

Fix: link the importer with lld-link (clang -fuse-ld=lld / the kmdll build recipe), or give GNU ld
an import library in GNU's long format made by GNU dlltool from the export driver's .def:
    x86_64-w64-mingw32-dlltool -d mydriver.def -l libmydriver.a
and link with -L. -lmydriver.`,
  },
];

const BY_ID = new Map<string, RuleInfo>(RULES.map((r) => [r.id, r]));

/** A rule's documentation, or undefined for an unknown id. */
export function ruleInfo(id: string): RuleInfo | undefined {
  return BY_ID.get(id);
}

/** Every rule id, in documentation order. */
export function ruleIds(): RuleId[] {
  return RULES.map((r) => r.id);
}
