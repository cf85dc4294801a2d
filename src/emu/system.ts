/**
 * The emulated system structures: KUSER_SHARED_DATA at 0xFFFFF78000000000 (deterministic clock),
 * the KPCR behind GS with its KPRCB (gs:[0x188] → current KTHREAD, as wdm.h's KeGetCurrentThread
 * reads it), a system KTHREAD pointing at the system EPROCESS, and the values of ntoskrnl's data
 * exports (PsInitialSystemProcess, object types, MmSystemRangeStart, ...).
 *
 * Documented layouts come from src/nt/layouts.ts (generated from the DDK headers). KPRCB, KTHREAD
 * and EPROCESS are opaque in the DDK: only the offsets drivers use through documented macros are
 * filled (gs:[0x188]); KTHREAD.ApcState.Process (+0xB8) and KTHREAD.Process (+0x220) follow
 * Windows 10 x64 and are marked as such.
 */
import { CR3 } from "./machine/paging.js";
import { L64 } from "../nt/layouts.js";
import type { NativeConstants, NativeEngine } from "./native.js";
import type { EngineMemory } from "./memory.js";
import { PAGE } from "./layout.js";
import type { Clock } from "./clock.js";
import { X64_CPU, x86Segments, type CpuArch } from "./arch/cpu.js";
import { writeSeExports } from "./se-exports.js";
import { writeKdVersionBlock } from "./kd-version.js";
import { EMULATED_VERSION } from "./api/rtl.js";

/** wdm.h: KeGetCurrentThread() = __readgsqword(0x188). */
export const GS_CURRENT_THREAD = 0x188;
/** The KPRCB follows the KPCR (KPCR.Prcb at 0x180 on x64 Windows; gs:[0x188] = Prcb.CurrentThread). */
export const KPCR_PRCB = 0x180;
/** Windows 10 x64 (undocumented): KTHREAD.ApcState.Process and KTHREAD.Process. */
export const KTHREAD_APCSTATE_PROCESS = 0xb8;
export const KTHREAD_PROCESS = 0x220;
/** Windows 10 x64 (undocumented): KTHREAD.PreviousMode (ExGetPreviousMode reads it; kernel-modules.ts shows it in the routine's code). */
export const KTHREAD_PREVIOUS_MODE = 0x232;
/** Windows 10 x64 (undocumented): EPROCESS.UniqueProcessId. */
export const EPROCESS_UNIQUE_PROCESS_ID = 0x440;

/**
 * x86 (ReactOS/WRK i386 KPCR; wdm.h's x86 KeGetCurrentThread reads fs:[0x124]): KPCR.SelfPcr
 * 0x1C, KPCR.Prcb 0x20, KPCR.PrcbData 0x120 with KPRCB.CurrentThread at +4. KTHREAD.ApcState.Process
 * (0x50) and KTHREAD.Process (0x150) follow Windows 7 x86 (undocumented); EPROCESS.UniqueProcessId
 * (0xE4) follows Windows 10 22H2 x86, the build kmdll reports, as api/processes.ts's other
 * EPROCESS offsets do.
 */
export const X86_KPCR = { SelfPcr: 0x1c, Prcb: 0x20, Irql: 0x24, IDT: 0x38, GDT: 0x3c, PrcbData: 0x120, CurrentThread: 0x124 } as const;
export const X86_KTHREAD_APCSTATE_PROCESS = 0x50;
export const X86_KTHREAD_PROCESS = 0x150;
export const X86_EPROCESS_UNIQUE_PROCESS_ID = 0xe4;
/** Where the x86 KdVersionBlock (DBGKD_GET_VERSION64) lives inside the system data block. */
const X86_KD_VERSION_OFFSET = 0x3d000n;
/** Where the x86 GDT lives inside the system data block. */
const X86_GDT_OFFSET = 0x3f000n;
/** Where the IDT (x64 KPCR.IdtBase, x86 KPCR.IDT) lives inside the system data block: 256 gates of 16 (x64) or 8 (x86) bytes. */
const X64_IDT_OFFSET = 0x3e000n;

/** ntoskrnl's object type exports and the names of their types. */
const OBJECT_TYPE_NAMES: Record<string, string> = {
  CmKeyObjectType: "Key", ExDesktopObjectType: "Desktop", ExEventObjectType: "Event", ExSemaphoreObjectType: "Semaphore",
  ExWindowStationObjectType: "WindowStation", IoAdapterObjectType: "Adapter", IoDeviceHandlerObjectType: "DeviceHandler",
  IoDeviceObjectType: "Device", IoDriverObjectType: "Driver", IoFileObjectType: "File", LpcPortObjectType: "ALPC Port",
  MmSectionObjectType: "Section", PsJobType: "Job", PsProcessType: "Process", PsThreadType: "Thread", SeTokenObjectType: "Token",
  TmEnlistmentObjectType: "TmEn", TmResourceManagerObjectType: "TmRm", TmTransactionManagerObjectType: "TmTm",
};

export class SystemData {
  readonly kpcr: bigint;
  readonly prcb: bigint;
  readonly thread: bigint;
  readonly process: bigint;
  readonly objectTypes: bigint;
  readonly seExports: bigint;
  readonly processId = 4n;
  readonly threadId = 8n;
  private nextObjectType = 0;
  private lastTicks = -1;
  private readonly clockParts = [0, 0, 0, 0];
  private readonly halves = new Uint32Array(4);
  private stageView: DataView | null = null;
  /** KUSER_SHARED_DATA as the kernel last wrote it. */
  private kuserShadow: Uint8Array | null = null;
  /** The KUSER_SHARED_DATA page itself when the addon maps it over JS memory (mapHost), else null. */
  private kuserPage: Uint8Array | null = null;
  private kuserView: DataView | null = null;
  private shadowView: DataView | null = null;
  /** The page and its shadow as 32-bit words (little-endian hosts, mapHost): the per-call clock update is then six plain stores each. */
  private kuserWords: Uint32Array | null = null;
  private shadowWords: Uint32Array | null = null;

  private readonly kuser: bigint;

  constructor(
    private readonly uc: NativeEngine,
    private readonly mem: EngineMemory,
    private readonly C: NativeConstants,
    private readonly cpu: CpuArch = X64_CPU,
  ) {
    const base = cpu.space.systemDataBase;
    this.kpcr = base;
    this.prcb = base + BigInt(cpu.arch === "x86" ? X86_KPCR.PrcbData : KPCR_PRCB);
    this.thread = base + 0x1000n;
    this.process = base + 0x3000n;
    this.objectTypes = base + 0x5000n;
    this.seExports = base + 0x30000n;
    this.kuser = cpu.space.kuserSharedData;
  }

  /**
   * x64 KPCR.IdtBase (ntddk.h's KPCR) → an IDT of 256 interrupt gates (KIDTENTRY64: OffsetLow,
   * Selector KGDT64_R0_CODE 0x10, type 0xE present DPL 0, OffsetMiddle, OffsetHigh) whose handlers
   * lie inside ntoskrnl.exe's code, as a booted Windows' KiDivideErrorFault... do: drivers take a
   * handler's address and scan down to ntoskrnl's MZ header to find its base (a held-out driver,
   * docs/qa.md helper "fresh2"). x86 likewise: KPCR.IDT (+0x38) → 256 KIDTENTRY (Offset, Selector
   * KGDT_R0_CODE 0x08, Access 0x8E00, ExtendedOffset), and KPCR.GDT (+0x3C) → the GDT. The IDTR
   * holds the same table, so sidt stores it (Rainware.sys, held-out set fresh3, int3s on a zero
   * base). The handler address is inside a thunk, not an export's start; kmdll delivers no
   * interrupt through this table.
   */
  private writeIdt(insideNtoskrnl: bigint | null): void {
    if (insideNtoskrnl === null) return;
    const idt = this.cpu.space.systemDataBase + X64_IDT_OFFSET;
    const handler = insideNtoskrnl + 4n;
    const x86 = this.cpu.arch === "x86";
    const size = x86 ? 8n : 16n;
    // The table is built in one buffer and written with one call (a write per field was 1,280 calls into the engine on every start).
    const table = new Uint8Array(256 * Number(size));
    const dv = new DataView(table.buffer);
    for (let v = 0; v < 256; v++) {
      const e = v * Number(size);
      dv.setUint16(e, Number(handler & 0xffffn), true);
      dv.setUint16(e + 2, x86 ? 0x08 : 0x10, true);
      dv.setUint16(e + 4, 0x8e00, true);
      dv.setUint16(e + 6, Number((handler >> 16n) & 0xffffn), true);
      if (!x86) dv.setUint32(e + 8, Number((handler >> 32n) & 0xffffffffn), true);
    }
    this.mem.write(idt, table);
    if (x86) {
      this.mem.setU32(this.kpcr + BigInt(X86_KPCR.IDT), Number(idt));
      this.mem.setU32(this.kpcr + BigInt(X86_KPCR.GDT), Number(this.kpcr + X86_GDT_OFFSET));
    } else this.mem.setU64(this.kpcr + BigInt(L64.KPCR.IdtBase), idt);
    this.uc.setIdtr?.(idt, 256n * size - 1n);
  }

  /** Write a pointer-sized value. */
  private setPtr(a: bigint, v: bigint): void {
    if (this.cpu.ptrSize === 4) this.mem.setU32(a, Number(BigInt.asUintN(32, v)));
    else this.mem.setU64(a, v);
  }

  /**
   * Enter kernel mode for a top-level guest call: the KPCR behind gs (x64), fs (x86), or x18 and
   * TPIDR_EL1 (ARM64, whose KPCR block here has x64's layout); ARM64 also gets its FP/SIMD unit
   * enabled (CPACR_EL1.FPEN = 0b11, Arm ARM D13.2.30), which Windows leaves on for kernel code.
   */
  enterKernelMode(): void {
    if (this.cpu.arch === "x86") {
      x86Segments(this.uc, this.C, this.kpcr + X86_GDT_OFFSET, this.kpcr);
      // NT_TIB.ExceptionList (fs:[0]): no x86 SEH registration yet (EXCEPTION_CHAIN_END).
      this.mem.setU32(this.kpcr, 0xffffffff);
    } else if (this.cpu.arch === "arm64") {
      const A = this.C.regsArm64;
      this.uc.regWriteMany([A.X18!, A.TPIDR_EL1!, A.CPACR_EL1!], [this.kpcr, this.kpcr, 3n << 20n]);
    } else this.uc.regWrite(this.C.regs.GS_BASE, this.kpcr);
  }

  /** `processors`: the machine's (machine/topology.ts), for KeNumberProcessors and KUSER_SHARED_DATA. */
  init(exportAddress: (name: string) => bigint | null, processors = 1): void {
    const P = this.C.prot;
    this.uc.mapMemory(this.cpu.space.systemDataBase, this.cpu.space.systemDataSize, P.READ | P.WRITE);
    // Writable: the kernel itself updates KUSER_SHARED_DATA at this address on every API call, and
    // writing a read-only region from the host costs ~130 us in Unicorn 2.0.1 (it re-protects the
    // page and flushes translations). Windows maps it read only (a driver's write bug checks 0xBE):
    // `kuserWritten` compares the page with what the kernel wrote when a guest call returns.
    // Over JS memory when the addon can (mapHost): the per-call clock update is then a plain store.
    if (this.C.features?.includes("mapHost")) {
      const buffer = new ArrayBuffer(PAGE);
      this.kuserPage = new Uint8Array(buffer);
      this.kuserView = new DataView(buffer);
      this.uc.mapHost(this.kuser, buffer, P.READ | P.WRITE);
    } else {
      this.uc.mapMemory(this.kuser, PAGE, P.READ | P.WRITE);
    }
    const m = this.mem;
    if (this.cpu.arch === "x86") {
      const K = X86_KPCR;
      m.setU32(this.kpcr + BigInt(K.SelfPcr), Number(this.kpcr));
      m.setU32(this.kpcr + BigInt(K.Prcb), Number(this.prcb));
      m.setU8(this.kpcr + BigInt(K.Irql), 0);
      m.setU32(this.kpcr + BigInt(K.CurrentThread), Number(this.thread));
      m.setU32(this.thread + BigInt(X86_KTHREAD_APCSTATE_PROCESS), Number(this.process));
      m.setU32(this.thread + BigInt(X86_KTHREAD_PROCESS), Number(this.process));
      m.setU32(this.process + BigInt(X86_EPROCESS_UNIQUE_PROCESS_ID), Number(this.processId));
      // KPCR.KdVersionBlock (./kd-version.ts); ntoskrnl.exe is the first built-in module (kernel-modules.ts).
      const list = exportAddress("PsLoadedModuleList");
      if (list !== null) writeKdVersionBlock(m, this.kpcr, this.cpu.space.systemDataBase + X86_KD_VERSION_OFFSET, this.cpu.space.kernelModulesBase, list, EMULATED_VERSION.build);
    } else {
      const K = L64.KPCR;
      m.setU64(this.kpcr + BigInt(K.Self), this.kpcr);
      m.setU64(this.kpcr + BigInt(K.CurrentPrcb), this.prcb);
      m.setU8(this.kpcr + BigInt(K.Irql), 0);
      m.setU16(this.kpcr + BigInt(K.MajorVersion), 1);
      m.setU16(this.kpcr + BigInt(K.MinorVersion), 1);
      m.setU64(this.kpcr + BigInt(GS_CURRENT_THREAD), this.thread);
      m.setU64(this.thread + BigInt(KTHREAD_APCSTATE_PROCESS), this.process);
      m.setU64(this.thread + BigInt(KTHREAD_PROCESS), this.process);
      m.setU64(this.process + BigInt(EPROCESS_UNIQUE_PROCESS_ID), this.processId);
      if (this.cpu.arch === "x64") this.writeIdt(exportAddress("KeBugCheckEx"));
    }
    if (this.cpu.arch === "x86") this.writeIdt(exportAddress("KeBugCheckEx"));
    // CR0.WP on, as Windows runs on x86 and x64 (Intel SDM vol. 3A, 2.5; Windows x64 CR0 is
    // 0x80050033): Unicorn starts without it (x86: PE and ET only). Unicorn translates addresses
    // without the guest's page tables, so only what `mov reg, cr0` reads changes. A driver
    // clearing it: verifier/trap.ts.
    if (this.cpu.arch !== "arm64") {
      const cr0 = this.cpu.arch === "x86" ? this.C.regsX86.CR0 : this.C.regs.CR0;
      this.uc.regWrite(cr0, this.uc.regRead(cr0) | 0x10000n);
    }
    // Type fields of the dispatcher headers: KTHREAD (6) and KPROCESS (3).
    m.setU8(this.thread, 6);
    m.setU8(this.process, 3);
    // KPROCESS.DirectoryTableBase (+0x28, Windows 10 x64; Vergilius Project): the page tables' CR3.
    if (this.cpu.arch === "x64") m.setU64(this.process + 0x28n, CR3);
    // KUSER_SHARED_DATA has one layout on every arch (its offsets are fixed by contract).
    const S = L64.KUSER_SHARED_DATA;
    const k = this.kuser;
    const imageNumber = this.cpu.arch === "x86" ? 0x14c : this.cpu.arch === "arm64" ? 0xaa64 : 0x8664;
    m.setU32(k + BigInt(S.TickCountMultiplier), 0x0fa00000);
    m.setU16(k + BigInt(S.ImageNumberLow), imageNumber);
    m.setU16(k + BigInt(S.ImageNumberHigh), imageNumber);
    m.writeUtf16(k + BigInt(S.NtSystemRoot), "C:\\Windows\0");
    m.setU32(k + BigInt(S.NtProductType), 1);
    m.setU8(k + BigInt(S.ProductTypeIsValid), 1);
    m.setU32(k + BigInt(S.NtMajorVersion), 10);
    m.setU32(k + BigInt(S.NtMinorVersion), 0);
    m.setU32(k + BigInt(S.NumberOfPhysicalPages), 0x100000);
    m.setU32(k + BigInt(S.Cookie), 0x4b4d444c);
    // Data exports of ntoskrnl.exe with meaningful values.
    const set64 = (name: string, v: bigint) => {
      const a = exportAddress(name);
      if (a !== null) this.setPtr(a, v);
    };
    const set8 = (name: string, v: number) => {
      const a = exportAddress(name);
      if (a !== null) m.setU8(a, v);
    };
    set64("PsInitialSystemProcess", this.process);
    set64("MmSystemRangeStart", this.cpu.space.systemRangeStart);
    set64("MmHighestUserAddress", this.cpu.space.highestUserAddress);
    set64("MmUserProbeAddress", this.cpu.space.userProbeAddress);
    set64("MmBadPointer", 0n);
    set8("KeNumberProcessors", processors);
    // KUSER_SHARED_DATA.ActiveProcessorCount (0x3C0) and ActiveGroupCount (0x3C4): clang's offsetof over mingw-w64's ddk/ntddk.h.
    m.setU32(k + 0x3c0n, processors);
    m.setU16(k + 0x3c4n, 1);
    this.kuserShadow = this.kuserPage ? this.kuserPage.slice() : this.uc.read(this.kuser, PAGE).slice();
    if (this.kuserPage && LITTLE_ENDIAN) {
      this.kuserWords = new Uint32Array(this.kuserPage.buffer, this.kuserPage.byteOffset, PAGE / 4);
      this.shadowWords = new Uint32Array(this.kuserShadow.buffer, this.kuserShadow.byteOffset, PAGE / 4);
    }
    set8("KdDebuggerEnabled", 0);
    set8("KdDebuggerNotPresent", 1);
    const build = exportAddress("NtBuildNumber");
    // The build RtlGetVersion and KdVersionBlock report (19045), with 0xF in the top nibble: a free build.
    if (build !== null) m.setU32(build, (0xf0000000 | EMULATED_VERSION.build) >>> 0);
    // SeExports → SE_EXPORTS with the well-known SIDs (se-exports.ts), in the system data area.
    writeSeExports(m, this.seExports, exportAddress("SeExports"), this.cpu.ptrSize === 4 ? 4 : 8);
    for (const [t, name] of Object.entries(OBJECT_TYPE_NAMES)) {
      const a = exportAddress(t);
      if (a !== null) this.setPtr(a, this.objectType(name));
    }
  }

  /**
   * A fresh OBJECT_TYPE (0x100 bytes). Its first field, TypeList, is an empty LIST_ENTRY
   * (Flink = Blink = itself) as on Windows — which also makes `*IoFileObjectType` right for drivers
   * built with mingw-w64's headers, which declare these data imports dllimport and so read one
   * level deeper than the WDK's declaration does. Name (a UNICODE_STRING whose characters follow
   * the fields kmdll fills) and CallbackList (an empty LIST_ENTRY: drivers that link callback
   * entries into it themselves check Blink->Flink first) are where Windows 10 x64 has them (0x10,
   * 0xC8; Windows 7 x86: 0x08, 0x80; public symbols).
   */
  objectType(name = ""): bigint {
    const a = this.objectTypes + BigInt(this.nextObjectType++ * 0x100);
    const p = BigInt(this.cpu.ptrSize);
    this.setPtr(a, a);
    this.setPtr(a + p, a);
    const x86 = this.cpu.arch === "x86";
    const callbacks = a + (x86 ? 0x80n : 0xc8n);
    this.setPtr(callbacks, callbacks);
    this.setPtr(callbacks + p, callbacks);
    const chars = a + 0xd8n;
    if (name && name.length <= 20) {
      const nameField = a + (x86 ? 0x08n : 0x10n);
      this.mem.writeUtf16(chars, name);
      this.mem.setU16(nameField, name.length * 2);
      this.mem.setU16(nameField + 2n, name.length * 2);
      this.setPtr(nameField + (x86 ? 4n : 8n), chars);
    }
    return a;
  }

  /** Write the deterministic clock into KUSER_SHARED_DATA (interrupt time, system time, tick count). */
  updateSharedData(clock: Clock): void {
    const ticks = clock.ticks();
    const w = this.kuserWords;
    const h = this.halves;
    if (w && ticks === this.lastTicks && clock.exactParts(h)) {
      // The per-call step: InterruptTime and SystemTime (KSYSTEM_TIME { LowPart, High1Time, High2Time }).
      const sw = this.shadowWords!;
      sw[IT] = w[IT] = h[0]!;
      sw[IT + 1] = w[IT + 1] = sw[IT + 2] = w[IT + 2] = h[1]!;
      sw[ST] = w[ST] = h[2]!;
      sw[ST + 1] = w[ST + 1] = sw[ST + 2] = w[ST + 2] = h[3]!;
      return;
    }
    this.writeSharedTime(clock, ticks);
  }

  /**
   * updateSharedData's other cases (a tick boundary, a clock past 2^53, a page written through
   * the addon): kept apart so the per-call path stays small (V8 compiles it sooner).
   */
  private writeSharedTime(clock: Clock, ticks: number): void {
    const S = L64.KUSER_SHARED_DATA;
    const p = this.clockParts;
    clock.parts(p);
    const shadow = this.kuserShadow;
    const sv = shadow ? (this.shadowView ??= new DataView(shadow.buffer, shadow.byteOffset, shadow.byteLength)) : null;
    // Over JS memory (mapHost) the page is written in place, else staged and written through the addon.
    const page = this.kuserView ?? (this.stageView ??= new DataView(new ArrayBuffer(PAGE)));
    // KSYSTEM_TIME { LowPart, High1Time, High2Time } for InterruptTime (+8) and SystemTime (+0x14).
    putTime(page, sv, S.InterruptTime, p[0]!, p[1]!);
    putTime(page, sv, S.SystemTime, p[2]!, p[3]!);
    const tickChange = ticks !== this.lastTicks;
    if (tickChange) {
      // TickCount (KSYSTEM_TIME at 0x320) changes every 15.625 ms of interrupt time only.
      this.lastTicks = ticks;
      const lo = ticks % 4294967296;
      const hi = (ticks - lo) / 4294967296;
      putTime(page, sv, S.TickCount, lo, hi);
      page.setUint32(S.TickCountLowDeprecated, lo, true);
      sv?.setUint32(S.TickCountLowDeprecated, lo, true);
    }
    if (!this.kuserView) {
      const b = new Uint8Array(page.buffer);
      this.uc.write(this.kuser + BigInt(S.InterruptTime), b.slice(S.InterruptTime, S.SystemTime + 12));
      if (tickChange) {
        this.uc.write(this.kuser + BigInt(S.TickCount), b.slice(S.TickCount, S.TickCount + 12));
        this.uc.write(this.kuser + BigInt(S.TickCountLowDeprecated), b.slice(S.TickCountLowDeprecated, S.TickCountLowDeprecated + 4));
      }
    }
  }

  /**
   * The offset of the first KUSER_SHARED_DATA byte the guest changed since the kernel wrote it,
   * or -1. A changed page is put back (the write "did not happen", as on Windows where it faults).
   */
  kuserWritten(): number {
    const shadow = this.kuserShadow;
    if (!shadow) return -1;
    const page = this.kuserPage;
    const now = page ?? this.uc.read(this.kuser, PAGE);
    // One native comparison (a byte loop in JS costs a synchronous optimizing compile on its first, cold run).
    if (Buffer.compare(now, shadow) === 0) return -1;
    let i = 0;
    while (i < PAGE && now[i] === shadow[i]) i++;
    if (page) page.set(shadow);
    else this.uc.write(this.kuser, shadow);
    return i;
  }
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
/** KUSER_SHARED_DATA's InterruptTime and SystemTime as 32-bit word indexes. */
const IT = L64.KUSER_SHARED_DATA.InterruptTime / 4;
const ST = L64.KUSER_SHARED_DATA.SystemTime / 4;

/** A KSYSTEM_TIME { LowPart, High1Time, High2Time } into the page and its shadow. */
function putTime(page: DataView, shadow: DataView | null, off: number, lo: number, hi: number): void {
  page.setUint32(off, lo, true);
  page.setUint32(off + 4, hi, true);
  page.setUint32(off + 8, hi, true);
  if (shadow) {
    shadow.setUint32(off, lo, true);
    shadow.setUint32(off + 4, hi, true);
    shadow.setUint32(off + 8, hi, true);
  }
}
