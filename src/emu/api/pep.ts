/**
 * Platform extension plug-in (PEP) registration (Microsoft Learn, pepfx.h: PoFxRegisterPlugin,
 * PoFxRegisterPluginEx, PEP_INFORMATION, PEP_KERNEL_INFORMATION_STRUCT_V3). A STUB: kmdll has no
 * power engine, so a registered PEP is never sent a device, processor or ACPI notification.
 *
 * What is modelled: the documented checks — PEP_INFORMATION.Version other than
 * PEP_INFORMATION_V3 (3) or a Size below the structure: STATUS_INVALID_PEP_INFO_VERSION;
 * PEP_KERNEL_INFORMATION.Version other than PEP_KERNEL_INFORMATION_V3 (3) or a Size below the V3
 * structure: STATUS_INVALID_PARAMETER; no notification callback at all: STATUS_INVALID_PARAMETER
 * (Learn says a NULL AcceptDeviceNotification, but a processor-only PEP that Windows runs
 * registers without one); PoFxRegisterPluginEx's
 * Flags other than 0 or PEP_FLAG_WORKER_CONCURRENCY (1): STATUS_INVALID_PARAMETER. "A PEP cannot
 * unregister and cannot register twice": kmdll answers a second registration from the same
 * driver image with STATUS_INVALID_PARAMETER (its choice — Learn names no status). On success
 * the kernel information gets a non-zero Plugin handle and the ten PoFx callbacks the PEP may
 * call (RequestWorker ... RequestCommon), each an internal routine of kmdll's ntoskrnl that takes
 * the call and does nothing: the VOID ones return, the others STATUS_NOT_SUPPORTED (no power
 * engine is there to act on them).
 * Layouts: PEP_INFORMATION { USHORT Version, Size; 3 callbacks } — 32 bytes on x64, 16 on x86;
 * PEP_KERNEL_INFORMATION_STRUCT_V3 { USHORT Version, Size; POHANDLE Plugin; 10 callbacks } —
 * 96 bytes on x64, 48 on x86 (Windows exports the routines on x64 and arm64 only). STATUS_INVALID_PEP_INFO_VERSION is 0xC000A005 (ntstatus.h).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { componentState } from "./state.js";

export const STATUS_INVALID_PEP_INFO_VERSION = 0xc000a005;
const PEP_INFORMATION_V3 = 3;
const PEP_KERNEL_INFORMATION_V3 = 3;
const PEP_FLAG_WORKER_CONCURRENCY = 1n;

/** The PoFx callbacks of PEP_KERNEL_INFORMATION_STRUCT_V3, in order: name, argument count, VOID. */
const KERNEL_CALLBACKS: [string, number, boolean][] = [
  ["RequestWorker", 1, true],
  ["EnumerateUnmaskedInterrupts", 4, false],
  ["ProcessorHalt", 4, false],
  ["RequestInterrupt", 2, false],
  ["TransitionCriticalResource", 3, true],
  ["ProcessorIdleVeto", 4, false],
  ["PlatformIdleVeto", 4, false],
  ["UpdateProcessorIdleState", 3, false],
  ["UpdatePlatformIdleState", 3, false],
  ["RequestCommon", 2, false],
];

const pepState = componentState("pep", () => ({ registered: new Map<string, bigint>(), next: 1n }));

/** "0x... {Version v, Size n}" of a PEP_INFORMATION / PEP_KERNEL_INFORMATION pointer. */
function versioned(ctx: ApiContext, at: bigint): string {
  return at === 0n ? "NULL" : `${hex(at)} {Version ${ctx.mem.u16(at)}, Size ${ctx.mem.u16(at + 2n)}}`;
}

function registerPlugin(ctx: ApiContext, info: bigint, flags: bigint, kernel: bigint): number {
  const p = ptrSize();
  if (info === 0n || kernel === 0n) return STATUS.INVALID_PARAMETER;
  if (ctx.mem.u16(info) !== PEP_INFORMATION_V3 || ctx.mem.u16(info + 2n) < (p === 8 ? 8 : 4) + 3 * p) return STATUS_INVALID_PEP_INFO_VERSION;
  const kernelSize = (p === 8 ? 8 : 4) + 11 * p;
  if (ctx.mem.u16(kernel) !== PEP_KERNEL_INFORMATION_V3 || ctx.mem.u16(kernel + 2n) < kernelSize) return STATUS.INVALID_PARAMETER;
  // Learn names a NULL AcceptDeviceNotification invalid; a processor-only PEP (Qualcomm's
  // qcppx8380.sys, which ships and runs) registers with that one NULL: only a PEP that accepts
  // no notification at all (device, processor or ACPI) is refused.
  const cbs = [0, 1, 2].map((i) => readPtr(ctx.mem, info + BigInt((p === 8 ? 8 : 4) + i * p)));
  if (cbs.every((c) => c === 0n)) return STATUS.INVALID_PARAMETER;
  if ((flags & ~PEP_FLAG_WORKER_CONCURRENCY) !== 0n) return STATUS.INVALID_PARAMETER;
  const st = pepState(ctx.kernel);
  const who = ctx.caller?.module ?? "?";
  if (st.registered.has(who)) return STATUS.INVALID_PARAMETER;
  if (!ctx.kernel.internalRoutine) throw new Error("the emulator core provides no internal routines (KernelState.internalRoutine)");
  const handle = 0x7e900000n + st.next++ * 0x10n;
  st.registered.set(who, handle);
  const base = kernel + BigInt(p === 8 ? 8 : 4);
  writePtr(ctx.mem, base, handle);
  KERNEL_CALLBACKS.forEach(([name, argc, isVoid], i) => {
    const at = ctx.kernel.internalRoutine!(`PopPep${name}`, (c) => {
      c.describe(Array.from({ length: argc }, (_, k) => hex(c.arg(k))));
      return isVoid ? undefined : STATUS.NOT_SUPPORTED;
    }, argc);
    writePtr(ctx.mem, base + BigInt((i + 1) * p), at);
  });
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  {
    ...nt("PoFxRegisterPlugin", 2, (ctx) => {
      ctx.describe([versioned(ctx, ctx.arg(0)), versioned(ctx, ctx.arg(1))]);
      return registerPlugin(ctx, ctx.arg(0), 0n, ctx.arg(1));
    }),
    stub: true,
  },
  {
    ...nt("PoFxRegisterPluginEx", 3, (ctx) => {
      ctx.describe([versioned(ctx, ctx.arg(0)), hex(ctx.arg(1)), versioned(ctx, ctx.arg(2))]);
      return registerPlugin(ctx, ctx.arg(0), BigInt.asUintN(64, ctx.arg(1)), ctx.arg(2));
    }),
    stub: true,
  },
];

/**
 * PoSetSystemWakeDevice(DeviceObject) (Learn, wdm.h): adds the device's PDO to the list of
 * sources that woke the system — a list the power manager builds only in the 2 s after a
 * wait/wake IRP completes. kmdll's machine never sleeps, so there is no such window and the
 * call changes nothing; the device object is read (a wild pointer is a fault report). A stub.
 */
export const wakeApis: ApiDefinition[] = [
  {
    ...nt("PoSetSystemWakeDevice", 1, (ctx) => {
      const dev = ctx.arg(0);
      ctx.describe([ctx.kernel.where?.(dev) ?? hex(dev)]);
      if (dev !== 0n) ctx.mem.u16(dev);
    }),
    stub: true,
  },
];
