/**
 * The Filter Manager and WFP structures the handlers read, laid out for the arch being emulated
 * (x64 and ARM64: 8-byte pointers; x86: 4-byte). Members in their documented order and types,
 * from Microsoft Learn's reference pages: FLT_REGISTRATION and FLT_OPERATION_REGISTRATION
 * (fltkernel.h), FWPM_DISPLAY_DATA0, FWP_BYTE_BLOB, FWP_VALUE0, FWPM_ACTION0 (fwptypes.h /
 * fwpmtypes.h), FWPM_SESSION0, FWPM_SUBLAYER0, FWPM_CALLOUT0, FWPM_FILTER0 (fwpmtypes.h),
 * FWPS_CALLOUT0..3 (fwpsk.h: the members the handlers read are common to all four), and the
 * absolute SECURITY_DESCRIPTOR (winnt.h); offsets by the C rules (src/nt/c-layout.ts).
 * test/flt-minifilter.test.ts compares them with clang's offsetof of kmdll's fltKernel.h and the
 * example's WFP declarations on x64 and x86.
 */
import { ptrSize } from "../../nt/arch-layout.js";
import { layoutStructs, type StructSpec } from "../../nt/c-layout.js";

const ptrs = (...names: string[]) => names.map((n) => [n, "ptr"] as const);

const SPECS = {
  FLT_REGISTRATION: [["Size", "u16"], ["Version", "u16"], ["Flags", "u32"],
    ...ptrs("ContextRegistration", "OperationRegistration", "FilterUnloadCallback", "InstanceSetupCallback", "InstanceQueryTeardownCallback",
      "InstanceTeardownStartCallback", "InstanceTeardownCompleteCallback", "GenerateFileNameCallback", "NormalizeNameComponentCallback",
      "NormalizeContextCleanupCallback", "TransactionNotificationCallback", "NormalizeNameComponentExCallback", "SectionNotificationCallback")],
  FLT_OPERATION_REGISTRATION: [["MajorFunction", "u8"], ["Flags", "u32"], ...ptrs("PreOperation", "PostOperation", "Reserved1")],
  FWPM_DISPLAY_DATA0: ptrs("name", "description"),
  FWP_BYTE_BLOB: [["size", "u32"], ["data", "ptr"]],
  /** type, then a union whose largest members are pointers (UINT64 *uint64, ...). */
  FWP_VALUE0: [["type", "u32"], ["value", "ptr"]],
  FWPM_ACTION0: [["type", "u32"], ["calloutKey", "guid"]],
  FWPM_SESSION0: [["sessionKey", "guid"], ["displayData", { struct: "FWPM_DISPLAY_DATA0" }], ["flags", "u32"], ["txnWaitTimeoutInMSec", "u32"], ["processId", "u32"], ["sid", "ptr"], ["username", "ptr"], ["kernelMode", "u8"]],
  FWPM_SUBLAYER0: [["subLayerKey", "guid"], ["displayData", { struct: "FWPM_DISPLAY_DATA0" }], ["flags", "u32"], ["providerKey", "ptr"], ["providerData", { struct: "FWP_BYTE_BLOB" }], ["weight", "u16"]],
  FWPM_CALLOUT0: [["calloutKey", "guid"], ["displayData", { struct: "FWPM_DISPLAY_DATA0" }], ["flags", "u32"], ["providerKey", "ptr"], ["providerData", { struct: "FWP_BYTE_BLOB" }], ["applicableLayer", "guid"], ["calloutId", "u32"]],
  FWPM_FILTER0: [["filterKey", "guid"], ["displayData", { struct: "FWPM_DISPLAY_DATA0" }], ["flags", "u32"], ["providerKey", "ptr"], ["providerData", { struct: "FWP_BYTE_BLOB" }],
    ["layerKey", "guid"], ["subLayerKey", "guid"], ["weight", { struct: "FWP_VALUE0" }], ["numFilterConditions", "u32"], ["filterCondition", "ptr"], ["action", { struct: "FWPM_ACTION0" }],
    /* union { UINT64 rawContext; GUID providerContextKey; } */ ["rawContext", { bytes: 16, align: 8 }], ["reserved", "ptr"], ["filterId", "u64"], ["effectiveWeight", { struct: "FWP_VALUE0" }]],
  FWPS_CALLOUT: [["calloutKey", "guid"], ["flags", "u32"], ...ptrs("classifyFn", "notifyFn", "flowDeleteFn")],
  SECURITY_DESCRIPTOR: [["Revision", "u8"], ["Sbz1", "u8"], ["Control", "u16"], ...ptrs("Owner", "Group", "Sacl", "Dacl")],
} as const satisfies Record<string, StructSpec>;

export type FltStruct = keyof typeof SPECS;
// Laid out for a pointer size when first asked (not as the module loads: most runs emulate one
// arch, and a driver that uses none of these structures needs neither table).
const TABLES: { 4?: ReturnType<typeof layoutStructs>; 8?: ReturnType<typeof layoutStructs> } = {};
const tableFor = (pointerBytes: 4 | 8) => (TABLES[pointerBytes] ??= layoutStructs(SPECS, pointerBytes));

/** Offsets of a structure's members on the arch being emulated ("displayData.name" for embedded ones), and "$size". */
export function fltLayout(s: FltStruct): Record<string, number> {
  return tableFor(ptrSize())[s]!;
}

/** The layout on a given pointer size (tests). */
export function fltLayoutFor(s: FltStruct, pointerBytes: 4 | 8): Record<string, number> {
  return tableFor(pointerBytes)[s]!;
}

/** One member's offset on the arch being emulated (a name the structure lacks is a programming error). */
export function fltOff(s: FltStruct, member: string): number {
  const v = fltLayout(s)[member];
  if (v === undefined) throw new Error(`fltmgr layouts: ${s} has no member ${member}`);
  return v;
}
