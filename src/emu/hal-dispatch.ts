/**
 * ntoskrnl's HalDispatchTable export: the HAL_DISPATCH (ntddk.h) through which drivers reach the
 * HAL's private routines (HalQuerySystemInformation, HalExamineMBR, HalGetCachedAcpiTable...). On
 * Windows every slot points at a HAL routine; a zeroed table would make a driver that calls one
 * jump to address 0 — a crash Windows would not have. Each slot points at an internal routine; the
 * ones kmdll does not model report "kmdll does not implement HalDispatchTable->Name" (an emulator
 * gap, kind unimplemented-api). Version: HAL_DISPATCH_VERSION (3, as ntddk.h defines it).
 *
 * HalQuerySystemInformation(InformationClass, BufferSize, Buffer, ReturnedLength) answers the
 * classes real drivers were seen asking for (docs/qa.md); any other class is the gap report above,
 * naming the class and the buffer size:
 * - HalPlatformTimerInformation (25; aswVmm): HAL_PLATFORM_TIMER_INFORMATION_V1 { ULONG Version,
 *   ClockInterruptSource, PerformanceCounterSource } (12 bytes; in no Microsoft header — the layout
 *   and HAL_PLATFORM_TIMER_SOURCE's values are Geoff Chappell's, "HAL_PLATFORM_TIMER_SOURCE",
 *   geoffchappell.com). kmdll's machine answers Version 1, clock interrupt from the local APIC
 *   timer (HalPlatformTimerApic, 9), performance counter from the processor's invariant TSC
 *   (HalPlatformTimerProcessorCounter, 6; KeQueryPerformanceCounter runs at 10 MHz, as Windows 10
 *   scales the TSC). A buffer under 12 bytes: STATUS_INFO_LENGTH_MISMATCH with the size needed in
 *   *ReturnedLength (when given).
 *
 * Layout (ntddk.h; x64 offsets, x86 halves the pointers): Version 0, then pointers, except Spare1
 * (a ULONG, pointer-aligned on x64) after HalQueryBusSlots.
 */
import type { ApiContext, ApiHandler } from "./api/types.js";
import { STATUS } from "../nt/status.js";

const HAL_DISPATCH_VERSION = 3;
const FIELDS = [
  "HalQuerySystemInformation", "HalSetSystemInformation", "HalQueryBusSlots", "Spare1", "HalExamineMBR", "HalIoAssignDriveLetters",
  "HalIoReadPartitionTable", "HalIoSetPartitionInformation", "HalIoWritePartitionTable", "HalReferenceHandlerForBus", "HalReferenceBusHandler",
  "HalDereferenceBusHandler", "HalInitPnpDriver", "HalInitPowerManagement", "HalGetDmaAdapter", "HalGetInterruptTranslator", "HalStartMirroring",
  "HalEndMirroring", "HalMirrorPhysicalMemory", "HalEndOfBoot", "HalMirrorVerify", "HalGetCachedAcpiTable", "HalSetPciErrorHandlerCallback",
] as const;

/** HAL_QUERY_INFORMATION_CLASS (ntddk.h), in enumeration order. */
const QUERY_CLASSES = [
  "HalInstalledBusInformation", "HalProfileSourceInformation", "HalInformationClassUnused1", "HalPowerInformation", "HalProcessorSpeedInformation",
  "HalCallbackInformation", "HalMapRegisterInformation", "HalMcaLogInformation", "HalFrameBufferCachingInformation", "HalDisplayBiosInformation",
  "HalProcessorFeatureInformation", "HalNumaTopologyInterface", "HalErrorInformation", "HalCmcLogInformation", "HalCpeLogInformation",
  "HalQueryMcaInterface", "HalQueryAMLIIllegalIOPortAddresses", "HalQueryMaxHotPlugMemoryAddress", "HalPartitionIpiInterface", "HalPlatformInformation",
  "HalQueryProfileSourceList", "HalInitLogInformation", "HalFrequencyInformation", "HalProcessorBrandString", "HalHypervisorInformation",
  "HalPlatformTimerInformation", "HalAcpiAuditInformation",
];
const queryClassName = (c: number): string => `${QUERY_CLASSES[c] ?? "class"} (${c})`;

export interface HalDispatchHost {
  internalRoutine(name: string, handler: ApiHandler, argc?: number): bigint;
  setU32(addr: bigint, v: number): void;
  setPtr(addr: bigint, v: bigint): void;
}

const HAL_PLATFORM_TIMER_INFORMATION = 25;
const HalPlatformTimerProcessorCounter = 6;
const HalPlatformTimerApic = 9;

/** The classes kmdll answers (see the header); undefined for the others. */
function querySystemInformation(ctx: ApiContext, cls: number, size: number, buffer: bigint, returned: bigint): number | undefined {
  if (cls !== HAL_PLATFORM_TIMER_INFORMATION) return undefined;
  const need = 12;
  if (size < need) {
    if (returned !== 0n) ctx.mem.setU32(returned, need);
    return STATUS.INFO_LENGTH_MISMATCH;
  }
  ctx.mem.setU32(buffer, 1);
  ctx.mem.setU32(buffer + 4n, HalPlatformTimerApic);
  ctx.mem.setU32(buffer + 8n, HalPlatformTimerProcessorCounter);
  if (returned !== 0n) ctx.mem.setU32(returned, need);
  return STATUS.SUCCESS;
}

/** Fill the HAL_DISPATCH at `table` (the export's address); ptrSize 8 (x64, arm64) or 4 (x86). */
export function fillHalDispatch(host: HalDispatchHost, table: bigint, ptrSize: 4 | 8): void {
  host.setU32(table, HAL_DISPATCH_VERSION);
  FIELDS.forEach((name, i) => {
    if (name === "Spare1") return;
    const handler: ApiHandler = (ctx) => {
      if (name === "HalQuerySystemInformation") {
        ctx.describe(() => [queryClassName(ctx.u32(0)), String(ctx.u32(1)), `0x${ctx.arg(2).toString(16)}`, `0x${ctx.arg(3).toString(16)}`]);
        const status = querySystemInformation(ctx, ctx.u32(0), ctx.u32(1), ctx.arg(2), ctx.arg(3));
        if (status !== undefined) return status;
      }
      // HalQuerySystemInformation(InformationClass, BufferSize, Buffer, ReturnedLength): name the class asked for.
      const what = name === "HalQuerySystemInformation" ? `(${queryClassName(ctx.u32(0))}, BufferSize ${ctx.u32(1)})` : "";
      return ctx.fault("unimplemented-api", `called through ntoskrnl's HalDispatchTable (the HAL's private interface, HAL_DISPATCH.${name}${what}), which kmdll does not model`, { api: `ntoskrnl.exe!HalDispatchTable->${name}` });
    };
    host.setPtr(table + BigInt((i + 1) * ptrSize), host.internalRoutine(`HalDispatchTable->${name}`, handler, 4));
  });
}
