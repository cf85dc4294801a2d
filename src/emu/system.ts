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
import { L64 } from "../nt/layouts.js";
import type { NativeConstants, NativeEngine } from "./native.js";
import type { EngineMemory } from "./memory.js";
import { KUSER_SHARED_DATA, PAGE, SYSTEM_DATA_BASE, SYSTEM_DATA_SIZE } from "./layout.js";
import { writeSeExports } from "./se-exports.js";

/** wdm.h: KeGetCurrentThread() = __readgsqword(0x188). */
export const GS_CURRENT_THREAD = 0x188;
/** The KPRCB follows the KPCR (KPCR.Prcb at 0x180 on x64 Windows; gs:[0x188] = Prcb.CurrentThread). */
export const KPCR_PRCB = 0x180;
/** Windows 10 x64 (undocumented): KTHREAD.ApcState.Process and KTHREAD.Process. */
export const KTHREAD_APCSTATE_PROCESS = 0xb8;
export const KTHREAD_PROCESS = 0x220;
/** Windows 10 x64 (undocumented): EPROCESS.UniqueProcessId. */
export const EPROCESS_UNIQUE_PROCESS_ID = 0x440;

export class SystemData {
  readonly kpcr = SYSTEM_DATA_BASE;
  readonly prcb = SYSTEM_DATA_BASE + BigInt(KPCR_PRCB);
  readonly thread = SYSTEM_DATA_BASE + 0x1000n;
  readonly process = SYSTEM_DATA_BASE + 0x3000n;
  readonly objectTypes = SYSTEM_DATA_BASE + 0x5000n;
  readonly seExports = SYSTEM_DATA_BASE + 0x30000n;
  readonly processId = 4n;
  readonly threadId = 8n;
  private nextObjectType = 0;
  private lastTicks = -1n;

  constructor(
    private readonly uc: NativeEngine,
    private readonly mem: EngineMemory,
    private readonly C: NativeConstants,
  ) {}

  init(exportAddress: (name: string) => bigint | null): void {
    const P = this.C.prot;
    this.uc.mapMemory(SYSTEM_DATA_BASE, SYSTEM_DATA_SIZE, P.READ | P.WRITE);
    // Writable: the kernel itself updates KUSER_SHARED_DATA at this address (and writing a read-only
    // region from the host is ~50x slower in Unicorn 2.0.1, which re-protects it for the write).
    this.uc.mapMemory(KUSER_SHARED_DATA, PAGE, P.READ | P.WRITE);
    const K = L64.KPCR;
    const m = this.mem;
    m.setU64(this.kpcr + BigInt(K.Self), this.kpcr);
    m.setU64(this.kpcr + BigInt(K.CurrentPrcb), this.prcb);
    m.setU8(this.kpcr + BigInt(K.Irql), 0);
    m.setU16(this.kpcr + BigInt(K.MajorVersion), 1);
    m.setU16(this.kpcr + BigInt(K.MinorVersion), 1);
    m.setU64(this.kpcr + BigInt(GS_CURRENT_THREAD), this.thread);
    m.setU64(this.thread + BigInt(KTHREAD_APCSTATE_PROCESS), this.process);
    m.setU64(this.thread + BigInt(KTHREAD_PROCESS), this.process);
    m.setU64(this.process + BigInt(EPROCESS_UNIQUE_PROCESS_ID), this.processId);
    // Type fields of the dispatcher headers: KTHREAD (6) and KPROCESS (3).
    m.setU8(this.thread, 6);
    m.setU8(this.process, 3);
    const S = L64.KUSER_SHARED_DATA;
    const k = KUSER_SHARED_DATA;
    m.setU32(k + BigInt(S.TickCountMultiplier), 0x0fa00000);
    m.setU16(k + BigInt(S.ImageNumberLow), 0x8664);
    m.setU16(k + BigInt(S.ImageNumberHigh), 0x8664);
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
      if (a !== null) m.setU64(a, v);
    };
    const set8 = (name: string, v: number) => {
      const a = exportAddress(name);
      if (a !== null) m.setU8(a, v);
    };
    set64("PsInitialSystemProcess", this.process);
    set64("MmSystemRangeStart", 0xffff800000000000n);
    set64("MmHighestUserAddress", 0x7ffffffeffffn);
    set64("MmUserProbeAddress", 0x7fffffff0000n);
    set64("MmBadPointer", 0n);
    set8("KeNumberProcessors", 1);
    set8("KdDebuggerEnabled", 0);
    set8("KdDebuggerNotPresent", 1);
    const build = exportAddress("NtBuildNumber");
    if (build !== null) m.setU32(build, 0xf0004a61); // 19041, free build
    // SeExports → SE_EXPORTS with the well-known SIDs (se-exports.ts), in the system data area.
    writeSeExports(m, this.seExports, exportAddress("SeExports"));
    for (const t of ["CmKeyObjectType", "ExDesktopObjectType", "ExEventObjectType", "ExSemaphoreObjectType", "ExWindowStationObjectType", "IoAdapterObjectType", "IoDeviceHandlerObjectType", "IoDeviceObjectType", "IoDriverObjectType", "IoFileObjectType", "LpcPortObjectType", "MmSectionObjectType", "PsJobType", "PsProcessType", "PsThreadType", "SeTokenObjectType", "TmEnlistmentObjectType", "TmResourceManagerObjectType", "TmTransactionManagerObjectType"]) {
      const a = exportAddress(t);
      if (a !== null) m.setU64(a, this.objectType());
    }
  }

  /**
   * A fresh dummy OBJECT_TYPE (0x100 bytes). Its first field, TypeList, is an empty LIST_ENTRY
   * (Flink = Blink = itself) as on Windows — which also makes `*IoFileObjectType` right for drivers
   * built with mingw-w64's headers, which declare these data imports dllimport and so read one
   * level deeper than the WDK's declaration does.
   */
  objectType(): bigint {
    const a = this.objectTypes + BigInt(this.nextObjectType++ * 0x100);
    this.mem.setU64(a, a);
    this.mem.setU64(a + 8n, a);
    return a;
  }

  /** Write the deterministic clock into KUSER_SHARED_DATA (interrupt time, system time, tick count). */
  updateSharedData(interruptTime: bigint, systemTime: bigint): void {
    const S = L64.KUSER_SHARED_DATA;
    const b = new Uint8Array(24);
    const dv = new DataView(b.buffer);
    // KSYSTEM_TIME { LowPart, High1Time, High2Time } for InterruptTime (+8) and SystemTime (+0x14).
    const put = (off: number, v: bigint) => {
      dv.setUint32(off, Number(v & 0xffffffffn), true);
      dv.setUint32(off + 4, Number(v >> 32n), true);
      dv.setUint32(off + 8, Number(v >> 32n), true);
    };
    put(0, interruptTime);
    put(12, systemTime);
    this.uc.write(KUSER_SHARED_DATA + BigInt(S.InterruptTime), b);
    // TickCount (KSYSTEM_TIME at 0x320) changes every 15.625 ms of interrupt time only.
    const ticks = interruptTime / 156250n;
    if (ticks !== this.lastTicks) {
      this.lastTicks = ticks;
      const t = new Uint8Array(12);
      const tv = new DataView(t.buffer);
      tv.setUint32(0, Number(ticks & 0xffffffffn), true);
      tv.setUint32(4, Number(ticks >> 32n), true);
      tv.setUint32(8, Number(ticks >> 32n), true);
      this.uc.write(KUSER_SHARED_DATA + BigInt(S.TickCount), t);
      this.uc.write(KUSER_SHARED_DATA + BigInt(S.TickCountLowDeprecated), t.subarray(0, 4));
    }
  }
}
