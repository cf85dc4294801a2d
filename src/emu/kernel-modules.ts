/**
 * The built-in kernel modules: synthetic ntoskrnl.exe and hal.dll images (kernel-image.ts builds
 * their bytes) mapped into the address space, one hooked code thunk per export, the page of
 * internal kernel routines, and export lookup by name or ordinal.
 */
import type { ApiDefinition } from "./api/types.js";
import type { ExportDirectory, PeImage } from "../formats/pe/types.js";
import type { KernelExport } from "../nt/kernel-exports.js";
import type { NativeEngine } from "./native.js";
import type { ModuleMap } from "./module-map.js";
import type { Thunk, ThunkTable } from "./thunks.js";
import type { CpuArch } from "./arch/cpu.js";
import { X64_CPU, x86Convention } from "./arch/cpu.js";
import { fillStubs } from "./arch/arm64.js";
import { buildSyntheticModule, codeSlots, exportRva, CODE_STRIDE, DATA_STRIDE, type SyntheticExport, type SyntheticModule } from "./kernel-image.js";
import { PTE_BASE } from "./machine/paging.js";
import { placeLayout, type LoadedModule } from "./image.js";
import { PAGE, alignUpN } from "./layout.js";
import { KTHREAD_PREVIOUS_MODE } from "./system.js";
import { USBD_X86_ALIASES } from "./api/usbd.js";
import { installServiceTable, serviceCodeBase } from "./ssdt-x86.js";
import { buildSyscallPath, syscallPageThunk, wrapZw, SYSCALL_TEXT } from "./ssdt-x64.js";

/**
 * Images every booted Windows has loaded that drivers look for in the module list
 * (SystemModuleInformation, PsLoadedModuleList) and whose PE headers they read: the win32k
 * family, the code integrity module, the CNG driver. kmdll maps each as a synthetic image (DOS/PE
 * headers, sections, an empty export directory) so a driver finds and parses it; nothing imports
 * from them, so a driver importing one fails to load as on a machine without it — except cng.sys,
 * whose BCrypt* routines drivers import (api/bcrypt.ts, ModuleTable's built-ins).
 */
export const SYSTEM_IMAGES = ["win32k.sys", "win32kbase.sys", "win32kfull.sys", "ci.dll", "cng.sys"] as const;

/** wdfldr.sys (the KMDF loader), wdf01000.sys (the framework's function table thunks) and the KMDF class extensions msgpioclx.sys / spbcx.sys / ucmcx.sys / ucmtcpcicx.sys (wdf/classext.ts): src/emu/wdf/; fltmgr.sys and fwpkclnt.sys: src/emu/fltmgr/; ndis.sys: src/emu/ndis/. */
/** wpprecorder.sys: the WPP Inflight Trace Recorder (api/wpprecorder.ts); netio.sys: WSK and IP helpers (src/emu/netio/); tdi.sys, ks.sys, wmilib.sys: api/tdi.ts, api/ks.ts, api/wmilib.ts; battc.sys: its export list only (api/battc.ts). */
/** usbd.sys: the USB driver library (api/usbd.ts); storport.sys: the storage port driver (api/storport.ts); hidclass.sys: the HID class driver (api/hidclass.ts); portcls.sys: the audio port class driver (api/portcls.ts); scsiport.sys: the SCSI port driver (api/scsiport.ts); smclib.sys: the smart card library, its export list only (api/smclib.ts); classpnp.sys: the storage class library (api/classpnp.ts); hidparse.sys: the HID parser, its export list only (api/storage-modules.ts); pciidex.sys: the PCI IDE controller driver (api/pciidex.ts); bdasup.sys: the BDA support library, its export list only (api/bdasup.ts); dxgkrnl.sys, werkernel.sys: Windows system drivers (api/dxgkrnl.ts, api/werkernel.ts). */
/** (netio.sys and the driver libraries come last: the modules before them keep the bases they had.) */
export const BUILTIN_MODULES = ["ntoskrnl.exe", "hal.dll", "wdfldr.sys", "wdf01000.sys", "fltmgr.sys", "fwpkclnt.sys", "ndis.sys", "ksecdd.sys", "wpprecorder.sys", ...SYSTEM_IMAGES, "netio.sys", "tdi.sys", "ks.sys", "wmilib.sys", "battc.sys", "usbd.sys", "storport.sys", "hidclass.sys", "portcls.sys", "scsiport.sys", "smclib.sys", "classpnp.sys", "hidparse.sys", "pciidex.sys", "msgpioclx.sys", "spbcx.sys", "ucmcx.sys", "ucmtcpcicx.sys", "bdasup.sys", "dxgkrnl.sys", "werkernel.sys"] as const;
/**
 * Built-in modules not built for x86 images: werkernel.sys's undocumented routines have no known
 * x86 argument counts (api/werkernel.ts). WppRecorder.sys has its x86 conventions (api/wpprecorder.ts).
 */
const X64_ONLY = new Set(["werkernel.sys"]);

/**
 * The modules whose exports come from the kernel export database alone (cng.sys: ksecdd.sys's
 * BCrypt* names, emulator.ts; usbd.sys: its per-arch lists, x86's with three decorated names).
 */
const DB_MODULES = new Set(["ntoskrnl.exe", "hal.dll", "ksecdd.sys", "cng.sys", "usbd.sys", "storport.sys", "hidclass.sys", "scsiport.sys", "classpnp.sys", "hidparse.sys", "pciidex.sys"]);

/** A mapped built-in module: its synthetic image, base and export list (for thunks and lookups). */
interface BuiltModule {
  syn: SyntheticModule;
  base: bigint;
  /** The export list it was built from, by name (x86 conventions); made on first use. */
  listByName: () => Map<string, KernelExport>;
}

export class KernelModules {
  private readonly built = new Map<string, BuiltModule>();
  /** The hooked code range: [start, end). */
  readonly hookStart: bigint;
  readonly hookEnd: bigint;

  constructor(uc: NativeEngine, thunks: ThunkTable, map: ModuleMap, db: Record<string, KernelExport[]>, apis: ApiDefinition[], cpu: CpuArch = X64_CPU, hostMemory = false) {
    // One pass over the handlers: by module and name (no "module!name" string made per handler),
    // and the names of the modules not in the database.
    const handlers: Handlers = new Map();
    const lower = new Map<string, string>();
    const handled = new Map<string, string[]>();
    // Indexed loops: this runs once per start, in the interpreter, where a for-of loop makes an
    // iterator result object per element (~3,000 handlers).
    for (let i = 0; i < apis.length; i++) {
      const a = apis[i]!;
      let m = lower.get(a.module);
      if (m === undefined) lower.set(a.module, (m = a.module.toLowerCase()));
      const byName = handlers.get(m);
      if (byName) byName.set(a.name, a);
      else handlers.set(m, new Map([[a.name, a]]));
      if (DB_MODULES.has(m)) continue;
      const names = handled.get(m);
      if (names) names.push(a.name);
      else handled.set(m, [a.name]);
    }
    // Internal routines (not exported): a page of `ret` just below ntoskrnl, inside the hooked range.
    // (x86: internal routines are called as stdcall callbacks by the kernel's own code only.)
    // x86: the system service table's code page lies just below (ssdt-x86.ts).
    this.hookStart = cpu.arch === "x86" ? serviceCodeBase(thunks) : thunks.internalBase;
    uc.mapMemory(thunks.internalBase, PAGE, 5);
    uc.write(thunks.internalBase, fillStubs(cpu.stub(undefined), PAGE));
    let base = cpu.space.kernelModulesBase;
    let hookEnd = base;
    // The modules are laid out first, then placed in one soft-protected region (NativeEngine.softMap)
    // ending with the last module: each page gets its section's rights as a Unicorn region per
    // section would give it, and the gaps between modules stay unmapped, but no Unicorn region is
    // made per section (mapping those ~48 regions was about a tenth of an emulator's start).
    const placed: { name: string; pe: PeImage; syn: SyntheticModule; base: bigint }[] = [];
    for (const modName of BUILTIN_MODULES) {
      // KMDF's and the filter manager's modules exist for every arch (their structures are laid out per pointer size).
      if (cpu.arch === "x86" && X64_ONLY.has(modName)) continue;
      const list: KernelExport[] = db[modName] ?? [];
      // ntoskrnl.exe and hal.dll export what the kernel export database lists for the arch (the
      // one list `check` and `scan` use, so they and the loader agree); a handler the database does
      // not list is not importable (test/kernel-export-db.test.ts keeps the two in step). The KMDF
      // modules export every handler they have.
      // The database's entries serve as they are (a KernelExport is a SyntheticExport with more fields).
      const own = handled.get(modName);
      const exports: SyntheticExport[] = own ? [...list] : list;
      if (own) {
        const known = new Set<string>();
        for (let i = 0; i < list.length; i++) known.add(list[i]!.name);
        for (let i = 0; i < own.length; i++) if (!known.has(own[i]!)) exports.push({ name: own[i]!, type: "code" });
      }
      // x64 ntoskrnl: the system-call entry and service table after the thunks (ssdt-x64.ts).
      const syscalls = cpu.arch === "x64" && modName === "ntoskrnl.exe";
      const syn = buildSyntheticModule(modName, exports, base, syscalls ? SYSCALL_TEXT : 0);
      const pe = syntheticPe(syn, cpu);
      let byName: Map<string, KernelExport> | undefined;
      const built: BuiltModule = { syn, base, listByName: () => (byName ??= new Map(list.map((e) => [e.name, e]))) };
      this.built.set(modName, built);
      if (cpu.arch === "x64") writeCodeTails(syn, modName);
      if (syscalls) {
        const at = base;
        buildSyscallPath(uc, hostMemory, syn, base, thunks, (n) => exportAtName(syn, at, n), (n) => handlerFor(handlers, modName, n, cpu));
      }
      // x86: each routine's stub returns as its convention says (stdcall `ret N`).
      if (cpu.arch !== "x64") for (const [i, e] of syn.ordered.entries()) if (e.type === "code") syn.bytes.set(cpu.stub(built.listByName().get(e.name)), syn.rvas[i]!);
      placed.push({ name: modName, pe, syn, base });
      // The export thunks: made when an address is first looked up (a run calls a few dozen of the
      // ~2,500 routines), except on x86, where a routine without a database convention gets its
      // `ret N` stub from its handler now.
      const thunkAt = (rva: number): Thunk | undefined => {
        const e = exportAtRva(syn, rva);
        if (!e) return syscalls ? syscallPageThunk(thunks, at + BigInt(rva)) : undefined;
        // The database's convention matters on x86 only (x86Convention): no map by name elsewhere.
        const known = cpu.arch === "x86" ? built.listByName().get(e.name) : undefined;
        const found = handlerFor(handlers, modName, e.name, cpu);
        // x64 Zw routines: dispatched through KiServiceTable (ssdt-x64.ts).
        const def = syscalls ? wrapZw(thunks, found) : found;
        const conv = x86Convention(cpu.arch, known, def);
        return { module: modName, name: e.name, def, kind: e.type === "code" ? "code" : "data", ...(conv ? { conv } : {}) };
      };
      const at = base;
      thunks.addLazy(at, at + BigInt(syn.sizeOfImage), (a) => thunkAt(Number(a - at)));
      if (cpu.arch === "x86") {
        for (const [i, e] of syn.ordered.entries()) {
          const rva = syn.rvas[i]!;
          const t = thunkAt(rva)!;
          const a = base + BigInt(rva);
          thunks.set(a, t);
          if (t.conv && !built.listByName().get(e.name)?.call) syn.bytes.set(cpu.stub(t.conv), rva);
        }
      }
      hookEnd = base + BigInt(syn.text.rva + syn.text.size);
      base = alignUpN(base + BigInt(syn.sizeOfImage), 0x10000n);
    }
    const start = cpu.space.kernelModulesBase;
    const last = placed[placed.length - 1]!;
    uc.softMap(start, Number(alignUpN(last.base + BigInt(last.syn.sizeOfImage), BigInt(PAGE)) - start));
    for (const p of placed) {
      const regions = placeLayout(uc, p.name, p.pe, p.syn.bytes, p.base);
      const mod: LoadedModule = { name: p.name, key: p.name, base: p.base, size: p.syn.sizeOfImage, image: p.pe, regions, builtin: true };
      map.modules.set(p.name, mod);
    }
    this.hookEnd = hookEnd;
    if (cpu.arch === "x86") installServiceTable(uc, thunks, cpu, (n) => this.exportAddress("ntoskrnl.exe", n, null));
  }

  /** Address of an export of ntoskrnl.exe / hal.dll, or null (by name, or by ordinal). */
  exportAddress(module: string, name: string | null, ordinal: number | null): bigint | null {
    const b = this.built.get(module.toLowerCase());
    if (!b) return null;
    let rva: number | undefined;
    if (name !== null) rva = exportRva(b.syn, name);
    else if (ordinal !== null) rva = b.syn.rvas[ordinal - b.syn.ordinalBase];
    return rva === undefined ? null : b.base + BigInt(rva);
  }
}

/** The address of a synthetic module's export by name, or null. */
function exportAtName(syn: SyntheticModule, base: bigint, name: string): bigint | null {
  const rva = exportRva(syn, name);
  return rva === undefined ? null : base + BigInt(rva);
}

/** The export whose thunk (code) or slot (data) starts at an RVA of a synthetic module. */
function exportAtRva(syn: SyntheticModule, rva: number): SyntheticExport | undefined {
  if (rva >= syn.text.rva && rva < syn.text.rva + syn.text.size) {
    const off = rva - syn.text.rva;
    return off % CODE_STRIDE === 0 ? syn.codeExports[off / CODE_STRIDE] : undefined;
  }
  if (rva >= syn.data.rva && rva < syn.data.rva + syn.data.size) {
    const off = rva - syn.data.rva;
    return off % DATA_STRIDE === 0 ? syn.dataExports[off / DATA_STRIDE] : undefined;
  }
  return undefined;
}

/**
 * x86 exports that are the same routine as one kmdll implements under another name or module:
 * the stdcall wrappers of fastcall routines (`IoCompleteRequest` → `IofCompleteRequest`), and
 * routines HAL exports on x86 but ntoskrnl on x64 (`KfRaiseIrql`, `KeGetCurrentIrql`,
 * `ExAcquireFastMutex`...). One handler serves both names; the arguments are decoded by each
 * export's own convention.
 */
const X86_ALIASES: Record<string, string> = {
  IoCompleteRequest: "IofCompleteRequest",
  IoCallDriver: "IofCallDriver",
  ObDereferenceObject: "ObfDereferenceObject",
  ObReferenceObject: "ObfReferenceObject",
  // x86's fastcall list routines (wdm.h): the same lists the x64 exports manage.
  ExfInterlockedInsertHeadList: "ExInterlockedInsertHeadList",
  ExfInterlockedInsertTailList: "ExInterlockedInsertTailList",
  ExfInterlockedRemoveHeadList: "ExInterlockedRemoveHeadList",
  ExfInterlockedPushEntryList: "ExInterlockedPushEntryList",
  ExfInterlockedPopEntryList: "ExInterlockedPopEntryList",
  ExfInterlockedAddUlong: "ExInterlockedAddUlong",
  InterlockedPushEntrySList: "ExpInterlockedPushEntrySList",
  InterlockedPopEntrySList: "ExpInterlockedPopEntrySList",
  InterlockedFlushSList: "ExpInterlockedFlushSList",
  ExInterlockedPushEntrySList: "ExpInterlockedPushEntrySList",
  ExInterlockedPopEntrySList: "ExpInterlockedPopEntrySList",
  ExInterlockedFlushSList: "ExpInterlockedFlushSList",
  ...USBD_X86_ALIASES,
};

/** API handlers by lower-case module name, then routine name. */
type Handlers = Map<string, Map<string, ApiDefinition>>;

function handlerFor(handlers: Handlers, module: string, name: string, cpu: CpuArch): ApiDefinition | null {
  const own = handlers.get(module)?.get(name);
  // x86 and ARM64: a routine another module serves on x64 (KfRaiseIrql, KeGetCurrentIrql: HAL
  // handlers; ARM64's ntoskrnl exports them) is served by that one handler.
  if (own || cpu.arch === "x64") return own ?? null;
  const target = X86_ALIASES[name] ?? name;
  for (const m of BUILTIN_MODULES) {
    const h = handlers.get(m)?.get(target);
    if (h) return { ...h, module, name };
  }
  return null;
}

/** A minimal PeImage for the synthetic modules (their export directory lives in guest memory). */
function syntheticPe(syn: SyntheticModule, cpu: CpuArch): PeImage {
  const sections = [
    { name: ".text", virtualAddress: syn.text.rva, virtualSize: syn.text.size, sizeOfRawData: syn.text.size, pointerToRawData: syn.text.rva, characteristics: 0x60000020 },
    { name: ".data", virtualAddress: syn.data.rva, virtualSize: syn.data.size, sizeOfRawData: syn.data.size, pointerToRawData: syn.data.rva, characteristics: 0xc8000040 },
    {
      name: ".edata",
      virtualAddress: syn.data.rva + syn.data.size,
      virtualSize: syn.sizeOfImage - syn.data.rva - syn.data.size,
      sizeOfRawData: syn.sizeOfImage - syn.data.rva - syn.data.size,
      pointerToRawData: syn.data.rva + syn.data.size,
      characteristics: 0x40000040,
    },
  ];
  return {
    peOffset: 0x40,
    coff: { machine: cpu.arch === "x86" ? 0x14c : cpu.arch === "arm64" ? 0xaa64 : 0x8664, numberOfSections: 3, timeDateStamp: 0, pointerToSymbolTable: 0, numberOfSymbols: 0, sizeOfOptionalHeader: 240, characteristics: 0x2022 },
    optional: {
      magic: 0x20b, pe32plus: true, majorLinkerVersion: 0, minorLinkerVersion: 0, sizeOfCode: syn.text.size, addressOfEntryPoint: 0, baseOfCode: syn.text.rva,
      imageBase: 0n, sectionAlignment: PAGE, fileAlignment: PAGE, majorOperatingSystemVersion: 10, minorOperatingSystemVersion: 0, majorSubsystemVersion: 10,
      minorSubsystemVersion: 0, sizeOfImage: syn.sizeOfImage, sizeOfHeaders: PAGE, checkSum: 0, subsystem: 1, dllCharacteristics: 0x160,
      sizeOfStackReserve: 0n, sizeOfStackCommit: 0n, sizeOfHeapReserve: 0n, sizeOfHeapCommit: 0n, numberOfRvaAndSizes: 16, checkSumOffset: 0x40 + 24 + 64,
    },
    machine: cpu.machine as PeImage["machine"],
    dataDirectories: [],
    sections,
    // The export directory is in guest memory; its parsed form is made when something reads it.
    exports: lazyExports(syn),
    imports: [], delayImports: [], relocations: [], relocsStripped: false, debug: [], exceptionFunctions: [], tls: null, loadConfig: null, signed: false,
    checksum: { stored: 0, computed: 0 }, warnings: [],
  };
}

/** The parsed export directory of a synthetic module, its lists made on first read (~2,000 entries for ntoskrnl.exe). */
function lazyExports(syn: SyntheticModule): ExportDirectory {
  let functions: ExportDirectory["functions"] | undefined;
  let order: string[] | undefined;
  return {
    dllName: syn.name,
    ordinalBase: 1,
    timeDateStamp: 0,
    numberOfFunctions: syn.ordered.length,
    numberOfNames: syn.ordered.length,
    get functions() {
      return (functions ??= syn.ordered.map((e, i) => ({ ordinal: i + 1, name: e.name, names: [e.name], rva: syn.rvas[i]!, forwarder: null })));
    },
    get namePointerOrder() {
      return (order ??= syn.ordered.map((e) => e.name));
    },
  };
}

/**
 * x64 routines whose machine code drivers read (never run: the hook fires on a thunk's first byte,
 * the `ret` there returns to the caller). Windows 10 x64's ExGetPreviousMode is
 * `mov rax, gs:[188h]; movzx eax, byte ptr [rax+232h]; ret`, and drivers read KTHREAD.PreviousMode
 * out of it: Avast's aswSP family scans for the `00 00 C3` that ends a displacement and takes the
 * ULONG before it, another driver reads the ULONG at +12, where Windows' displacement is (a
 * held-out driver, docs/qa.md helper "fresh2"); without it they refuse to start. Every thunk must
 * keep its `ret` (0xC3) at its first byte, so the bytes after ExGetPreviousMode's first one hold
 * `mov al, [rax+232h]` up to the next thunk's `ret` (the Avast scan's match), and that thunk's
 * unused bytes hold `movzx eax, byte ptr [rax+232h]` up to the third thunk's `ret`, which puts the
 * displacement at +12. KTHREAD.PreviousMode (system.ts) is kept at that offset.
 */
const PM = [KTHREAD_PREVIOUS_MODE & 0xff, KTHREAD_PREVIOUS_MODE >>> 8, 0x00, 0x00];
/**
 * Windows 10 x64's MmGetVirtualForPhysical computes the PTE address with PTE_BASE as an immediate:
 * `mov rax, [rax+rdx*8]; shl rax, 19h; mov rdx, PTE_BASE` (48 8B 04 D0 48 C1 E0 19 48 BA imm64).
 * Drivers that need the (randomized since 1607) PTE base search the routine's first 0x30 bytes for
 * those ten bytes and read the imm64 after them (HyperPlatform and the hypervisors built on it,
 * fresh6 GuardMon.sys; without it they return STATUS_PROCEDURE_NOT_FOUND). kmdll's PTE_BASE is its
 * self-map's (machine/paging.ts). The routine has three slots (kernel-image.ts WIDE_CODE).
 */
const PTE_BASE_BYTES = Array.from({ length: 8 }, (_, i) => Number((PTE_BASE >> BigInt(8 * i)) & 0xffn));
const CODE_TAILS: Record<string, Record<string, number[]>> = {
  "ntoskrnl.exe": {
    ExGetPreviousMode: [0xcc, 0x8a, 0x80, ...PM, 0xc3, 0x0f, 0xb6, 0x80, ...PM],
    MmGetVirtualForPhysical: [0x48, 0x8b, 0x04, 0xd0, 0x48, 0xc1, 0xe0, 0x19, 0x48, 0xba, ...PTE_BASE_BYTES],
  },
};

/** Each tail is written from its routine's second byte on; a byte at a later thunk's start (past the routine's own slots) must stay that thunk's `ret`. */
function writeCodeTails(syn: SyntheticModule, modName: string): void {
  for (const [name, tail] of Object.entries(CODE_TAILS[modName] ?? {})) {
    // exportRva: a binary search (syn.rvaOf builds a Map of every export, ~2,000 for ntoskrnl.exe, on every start).
    const rva = exportRva(syn, name);
    if (rva === undefined || rva + 1 + tail.length > syn.text.rva + syn.text.size) continue;
    const own = codeSlots(modName, name) * CODE_STRIDE;
    if (tail.some((b, i) => i + 1 >= own && (i + 1) % CODE_STRIDE === 0 && b !== 0xc3)) throw new Error(`code tail of ${name} overwrites a thunk's ret`);
    syn.bytes.set(tail, rva + 1);
  }
}
