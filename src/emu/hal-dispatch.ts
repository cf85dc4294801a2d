/**
 * ntoskrnl's HalDispatchTable export: the HAL_DISPATCH (ntddk.h) through which drivers reach the
 * HAL's private routines (HalQuerySystemInformation, HalExamineMBR, HalGetCachedAcpiTable...). On
 * Windows every slot points at a HAL routine; a zeroed table would make a driver that calls one
 * jump to address 0 — a crash Windows would not have. kmdll models none of them: each slot points
 * at an internal routine that reports "kmdll does not implement HalDispatchTable->Name" (an
 * emulator gap, kind unimplemented-api). Version: HAL_DISPATCH_VERSION (3, as ntddk.h defines it).
 *
 * Layout (ntddk.h; x64 offsets, x86 halves the pointers): Version 0, then pointers, except Spare1
 * (a ULONG, pointer-aligned on x64) after HalQueryBusSlots.
 */
import type { ApiHandler } from "./api/types.js";

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

/** Fill the HAL_DISPATCH at `table` (the export's address); ptrSize 8 (x64, arm64) or 4 (x86). */
export function fillHalDispatch(host: HalDispatchHost, table: bigint, ptrSize: 4 | 8): void {
  host.setU32(table, HAL_DISPATCH_VERSION);
  FIELDS.forEach((name, i) => {
    if (name === "Spare1") return;
    const handler: ApiHandler = (ctx) => {
      // HalQuerySystemInformation(InformationClass, BufferSize, Buffer, ReturnedLength): name the class asked for.
      const what = name === "HalQuerySystemInformation" ? `(${queryClassName(ctx.u32(0))}, BufferSize ${ctx.u32(1)})` : "";
      return ctx.fault("unimplemented-api", `called through ntoskrnl's HalDispatchTable (the HAL's private interface, HAL_DISPATCH.${name}${what}), which kmdll does not model`, { api: `ntoskrnl.exe!HalDispatchTable->${name}` });
    };
    host.setPtr(table + BigInt((i + 1) * ptrSize), host.internalRoutine(`HalDispatchTable->${name}`, handler, 4));
  });
}
