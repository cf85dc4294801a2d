/**
 * Platform queries real drivers make at start (found in the public driver corpus of
 * docs/qa.md, "More real drivers from GitHub"): the kernel debugger's state, power information,
 * driver paging, WIL feature staging, and the CRT's multibyte conversions.
 *
 * Sources:
 * - KdDisableDebugger / KdEnableDebugger / KdChangeOption (Microsoft Learn, wdm.h): a system
 *   booted without debug controls answers STATUS_DEBUGGER_INACTIVE to each. The emulated machine
 *   is booted so (KdDebuggerEnabled FALSE, KdDebuggerNotPresent TRUE, system.ts), so nothing
 *   changes state; KdChangeOption does not look at its buffers then (the pitched-debugger test
 *   comes first in Windows's routine).
 * - ZwPowerInformation (Learn, wdm.h; POWER_INFORMATION_LEVEL and the structures, ntpoapi.h /
 *   winnt.h): PlatformInformation (66: POWER_PLATFORM_INFORMATION, AoAc FALSE — no modern
 *   standby), ProcessorInformation (11: one PROCESSOR_POWER_INFORMATION per processor of the
 *   machine model, 24 bytes each, MaxMhz = CurrentMhz = MhzLimit = PROCESSOR_MHZ),
 *   SystemPowerInformation (12), SystemBatteryState (5: AC on line, no battery), LastWakeTime /
 *   LastSleepTime (14, 15: 0, the machine never slept), SystemExecutionState (16). A short output
 *   buffer is STATUS_BUFFER_TOO_SMALL; other levels are STATUS_INVALID_PARAMETER with a warning
 *   that kmdll does not model them. Input buffers are not used by these levels.
 * - MmPageEntireDriver (Learn, wdm.h): returns the base of the driver image containing the
 *   address (NULL when the address is in no loaded driver); paging is not modelled, so
 *   MmResetDriverPaging only checks the same.
 * - MmIsDriverVerifying / MmIsVerifierEnabled (Learn, wdm.h / ntddk.h): kmdll runs every driver
 *   under its Driver Verifier model unless --verifier none, so a driver is "being verified" then;
 *   MmIsVerifierEnabled reports the flags of Driver Verifier's standard settings (0x209BB:
 *   special pool, IRQL checking, pool tracking, I/O verification, deadlock detection, DMA,
 *   security and miscellaneous checks, DDI compliance), STATUS_NOT_SUPPORTED with --verifier none.
 * - Feature staging (undocumented on Learn; the four-argument prototypes of phnt's ntrtl.h and of
 *   the callers Windows Implementation Library's feature staging code compiles into drivers):
 *   no feature is configured on the emulated machine, so RtlQueryFeatureConfiguration is
 *   STATUS_NOT_FOUND and the caller keeps its defaults; the change stamp is constant; a change
 *   notification registers (a handle written back, never called) and unregisters. Marked stub.
 * - mbstowcs / wcstombs (Microsoft C runtime reference; ntoskrnl's versions convert with the ANSI
 *   code page like RtlMultiByteToUnicodeN / RtlUnicodeToMultiByteN — ReactOS
 *   sdk/lib/crt/string/mbstowcs_nt.c): a NULL destination returns the length the conversion
 *   needs (no terminator); otherwise at most `count` characters (bytes) are stored, followed by a
 *   terminator when there is room; the result is the number stored without the terminator.
 *   kmdll's ANSI code page is Latin-1 (as RtlAnsiStringToUnicodeString here); a character outside
 *   it becomes '?'. A NULL source is the CRT's invalid-parameter case: (size_t)-1.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";
import { componentState } from "./state.js";
import { hex, nt, readPtr } from "./util.js";
import { machineOf } from "../machine/index.js";

const B = (n: number) => BigInt(n);
const STATUS_DEBUGGER_INACTIVE = 0xc0000354;
const STATUS_NOT_FOUND = 0xc0000225;
/** The nominal clock kmdll reports for each processor (PROCESSOR_POWER_INFORMATION). */
export const PROCESSOR_MHZ = 3000;
/** Driver Verifier's standard settings (verifier /standard), as MmIsVerifierEnabled reports them. */
const VERIFIER_STANDARD_FLAGS = 0x209bb;
/** Longest string the CRT conversions read (a missing terminator ends as a clean fault past mapped memory, or here). */
const MAX = 0x100000;

/** Bytes a POWER_INFORMATION_LEVEL answers with, or null when kmdll does not model it. */
function powerInformation(ctx: ApiContext, level: number): Uint8Array | null {
  const b = (n: number) => new Uint8Array(n);
  switch (level) {
    case 5: {
      // SYSTEM_BATTERY_STATE: AcOnLine, BatteryPresent, Charging, Discharging, Spare1[3], Tag,
      // MaxCapacity, RemainingCapacity, Rate, EstimatedTime, DefaultAlert1, DefaultAlert2 (32 bytes).
      const s = b(32);
      s[0] = 1;
      new DataView(s.buffer).setUint32(20, 0xffffffff, true); // EstimatedTime: unknown
      return s;
    }
    case 11: {
      const n = machineOf(ctx.kernel).spec.processors;
      const s = b(24 * n);
      const v = new DataView(s.buffer);
      for (let i = 0; i < n; i++) {
        v.setUint32(24 * i, i, true); // Number
        v.setUint32(24 * i + 4, PROCESSOR_MHZ, true); // MaxMhz
        v.setUint32(24 * i + 8, PROCESSOR_MHZ, true); // CurrentMhz
        v.setUint32(24 * i + 12, PROCESSOR_MHZ, true); // MhzLimit
        v.setUint32(24 * i + 16, 1, true); // MaxIdleState
        v.setUint32(24 * i + 20, 0, true); // CurrentIdleState
      }
      return s;
    }
    case 12:
      // SYSTEM_POWER_INFORMATION: MaxIdlenessAllowed, Idleness, TimeRemaining, CoolingMode (16 bytes).
      return b(16);
    case 14:
    case 15:
      return b(8);
    case 16: {
      // EXECUTION_STATE: ES_SYSTEM_REQUIRED | ES_CONTINUOUS would be a request; none is active.
      return b(4);
    }
    case 66:
      return b(1);
    default:
      return null;
  }
}

/** Feature-configuration change registrations (handle → callback), per kernel. */
const features = componentState("platform-features", () => ({ next: 1, registrations: new Map<bigint, bigint>() }));

/** (size_t)-1 for the arch. */
const sizeMax = (): bigint => (ptrSize() === 4 ? 0xffffffffn : 0xffffffffffffffffn);
const sizeArg = (ctx: ApiContext, i: number): bigint => (ptrSize() === 4 ? BigInt.asUintN(32, ctx.arg(i)) : ctx.arg(i));

export const apis: ApiDefinition[] = [
  nt("KdDisableDebugger", 0, () => STATUS_DEBUGGER_INACTIVE),
  nt("KdEnableDebugger", 0, () => STATUS_DEBUGGER_INACTIVE),
  // KdRefreshDebuggerNotPresent (Learn, wdm.h): re-reads whether a kernel debugger is attached and
  // returns KD_DEBUGGER_NOT_PRESENT — the KdDebuggerNotPresent byte system.ts sets (TRUE: none).
  nt("KdRefreshDebuggerNotPresent", 0, (ctx) => {
    const a = ctx.kernel.resolveKernelExport?.("KdDebuggerNotPresent") ?? null;
    return a === null ? 1 : ctx.mem.u8(a) !== 0 ? 1 : 0;
  }),
  nt("KdChangeOption", 6, (ctx) => {
    ctx.describe([String(ctx.u32(0)), String(ctx.u32(1)), hex(ctx.arg(2)), String(ctx.u32(3)), hex(ctx.arg(4)), hex(ctx.arg(5))]);
    return STATUS_DEBUGGER_INACTIVE;
  }),
  ...(["ZwPowerInformation"] as const).map((name) =>
    nt(name, 5, (ctx) => {
      const level = ctx.u32(0);
      const out = ctx.arg(3);
      const outLen = ctx.u32(4);
      ctx.describe([String(level), hex(ctx.arg(1)), String(ctx.u32(2)), hex(out), String(outLen)]);
      const img = powerInformation(ctx, level);
      if (!img) {
        ctx.warn(`${name}: information level ${level} is not modelled by kmdll; returned STATUS_INVALID_PARAMETER`);
        return STATUS.INVALID_PARAMETER;
      }
      if (out === 0n || outLen < img.length) return STATUS.BUFFER_TOO_SMALL;
      ctx.mem.write(out, img);
      return STATUS.SUCCESS;
    }),
  ),
  nt("MmPageEntireDriver", 1, (ctx) => {
    const a = ctx.arg(0);
    const m = (ctx.kernel.loadedModules?.() ?? []).find((x) => !x.builtin && a >= x.base && a < x.base + B(x.size));
    if (!m) ctx.warn(`MmPageEntireDriver(${hex(a)}): the address is in no loaded driver image; returned NULL`);
    return m ? m.base : 0n;
  }),
  nt("MmResetDriverPaging", 1, (ctx) => {
    const a = ctx.arg(0);
    if (!(ctx.kernel.loadedModules?.() ?? []).some((x) => !x.builtin && a >= x.base && a < x.base + B(x.size)))
      ctx.warn(`MmResetDriverPaging(${hex(a)}): the address is in no loaded driver image`);
  }),
  nt("MmIsDriverVerifying", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    // Windows looks at the driver object's loader entry: a wild DriverObject faults here too.
    readPtr(ctx.mem, ctx.arg(0) + B(LAYOUT.DRIVER_OBJECT.DriverSection));
    return ctx.kernel.verifierMode !== undefined && ctx.kernel.verifierMode !== "none" ? 1 : 0;
  }),
  nt("MmIsVerifierEnabled", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    if (ctx.kernel.verifierMode === undefined || ctx.kernel.verifierMode === "none") return STATUS.NOT_SUPPORTED;
    ctx.mem.setU32(ctx.arg(0), VERIFIER_STANDARD_FLAGS);
    return STATUS.SUCCESS;
  }),
  {
    ...nt("RtlQueryFeatureConfiguration", 4, (ctx) => {
      ctx.describe([hex(ctx.u32(0)), String(ctx.u32(1)), hex(ctx.arg(2)), hex(ctx.arg(3))]);
      return STATUS_NOT_FOUND;
    }),
    stub: true,
  },
  { ...nt("RtlQueryFeatureConfigurationChangeStamp", 0, () => 1n), stub: true },
  // IRP activity IDs (Learn, ntddk.h: IoSetActivityIdIrp / IoGetActivityIdIrp, Windows 8): they are
  // kept only while ETW's I/O tracing provider is enabled on the IRP, which it never is on the
  // emulated machine: Set answers STATUS_UNSUCCESSFUL (STATUS_NOT_SUPPORTED with a NULL Guid: no ETW
  // activity ID on the thread either), Get STATUS_NOT_FOUND ("no activity ID is associated"). Bluetooth
  // miniports of the held-out set fresh4 (BTHUSB.SYS, BthMini.SYS) import both.
  {
    ...nt("IoSetActivityIdIrp", 2, (ctx) => {
      ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
      return ctx.arg(1) === 0n ? STATUS.NOT_SUPPORTED : 0xc0000001;
    }),
    stub: true,
    notes: "no I/O tracing provider: STATUS_UNSUCCESSFUL (NULL Guid: STATUS_NOT_SUPPORTED)",
  },
  {
    ...nt("IoGetActivityIdIrp", 2, (ctx) => {
      ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
      return STATUS_NOT_FOUND;
    }),
    stub: true,
    notes: "no IRP carries an activity ID: STATUS_NOT_FOUND",
  },

  {
    ...nt("RtlRegisterFeatureConfigurationChangeNotification", 4, (ctx) => {
      const [callback, , stamp, handleOut] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
      if (callback === 0n || handleOut === 0n) return STATUS.INVALID_PARAMETER;
      const st = features(ctx.kernel);
      const h = B(0x46430000 + st.next++);
      if (stamp !== 0n) ctx.mem.u64(stamp); // read: a wild pointer is a clean fault
      if (ptrSize() === 4) ctx.mem.setU32(handleOut, Number(h));
      else ctx.mem.setU64(handleOut, h);
      st.registrations.set(h, callback);
      return STATUS.SUCCESS;
    }),
    stub: true,
  },
  {
    ...nt("RtlUnregisterFeatureConfigurationChangeNotification", 1, (ctx) => {
      const h = ptrSize() === 4 ? BigInt.asUintN(32, ctx.arg(0)) : ctx.arg(0);
      if (!features(ctx.kernel).registrations.delete(h)) {
        ctx.warn(`RtlUnregisterFeatureConfigurationChangeNotification(${hex(h)}): not a registration handle`);
        return STATUS.INVALID_PARAMETER;
      }
      return STATUS.SUCCESS;
    }),
    stub: true,
  },
  nt("mbstowcs", 3, (ctx) => {
    const [dst, src, count] = [ctx.arg(0), ctx.arg(1), sizeArg(ctx, 2)];
    if (src === 0n) return sizeMax();
    const s = ctx.mem.cstring(src, MAX);
    if (dst === 0n) return B(s.length);
    const n = Number(count < B(s.length) ? count : B(s.length));
    const out = new Uint8Array(2 * n + (B(n) < count ? 2 : 0));
    for (let i = 0; i < n; i++) {
      out[2 * i] = s.charCodeAt(i) & 0xff;
    }
    ctx.mem.write(dst, out);
    return B(n);
  }),
  nt("wcstombs", 3, (ctx) => {
    const [dst, src, count] = [ctx.arg(0), ctx.arg(1), sizeArg(ctx, 2)];
    if (src === 0n) return sizeMax();
    const s = ctx.mem.wstring(src, MAX);
    if (dst === 0n) return B(s.length);
    const n = Number(count < B(s.length) ? count : B(s.length));
    const out = new Uint8Array(n + (B(n) < count ? 1 : 0));
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      out[i] = c < 0x100 ? c : 0x3f;
    }
    ctx.mem.write(dst, out);
    return B(n);
  }),
];
