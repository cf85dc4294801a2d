/**
 * The KMDF structures the framework reads and writes, laid out for the arch being emulated. The
 * fields (names, order, types) are facts of the public KMDF 1.33 headers (microsoft/
 * Windows-Driver-Frameworks src/publicinc/wdf/kmdf/1.33: wdfdriver.h, wdfobject.h, wdfio.h,
 * wdfdevice.h, wdfrequest.h, wdfglobals.h; the loader's WDF_BIND_INFO / WDF_BIND_INFO2 from
 * src/framework/shared/inc/private/common/fxldr.h); the offsets follow from them by the C layout
 * rules (natural alignment, no packing), with 8-byte pointers and size_t on x64 and ARM64 and
 * 4-byte ones on x86 — as clang's sizeof/offsetof give for kmdll's own KMDF header
 * (examples/include/kmdfmin.h; test/kmdf.test.ts compares the two on every arch).
 */
import { ptrSize } from "../../nt/arch-layout.js";

/** A field: its C type as size/alignment ("ptr" for pointers, size_t, ULONG_PTR). */
type FieldType = "u8" | "u32" | "i64" | "ptr" | { bytes: number; align: number };
type Spec = readonly (readonly [string, FieldType])[];

const SPECS = {
  WDF_BIND_INFO: [["Size", "u32"], ["Component", "ptr"], ["Major", "u32"], ["Minor", "u32"], ["Build", "u32"], ["FuncCount", "u32"], ["FuncTable", "ptr"], ["Module", "ptr"]],
  /** WDF_BIND_INFO2: V1, then pointers to the client's globals. */
  WDF_BIND_INFO2: [["V1", { bytes: -1, align: 0 }], ["MinimumVersionRequired", "ptr"], ["ClientVersionHigherThanFramework", "ptr"], ["FuncCountPtr", "ptr"], ["StructCountPtr", "ptr"], ["StructTable", "ptr"]],
  WDF_DRIVER_GLOBALS: [["Driver", "ptr"], ["DriverFlags", "u32"], ["DriverTag", "u32"], ["DriverName", { bytes: 32, align: 1 }], ["DisplaceDriverUnload", "u8"]],
  WDF_DRIVER_CONFIG: [["Size", "u32"], ["EvtDriverDeviceAdd", "ptr"], ["EvtDriverUnload", "ptr"], ["DriverInitFlags", "u32"], ["DriverPoolTag", "u32"]],
  WDF_OBJECT_ATTRIBUTES: [["Size", "u32"], ["EvtCleanupCallback", "ptr"], ["EvtDestroyCallback", "ptr"], ["ExecutionLevel", "u32"], ["SynchronizationScope", "u32"], ["ParentObject", "ptr"], ["ContextSizeOverride", "ptr"], ["ContextTypeInfo", "ptr"]],
  WDF_OBJECT_CONTEXT_TYPE_INFO: [["Size", "u32"], ["ContextName", "ptr"], ["ContextSize", "ptr"], ["UniqueType", "ptr"], ["EvtDriverGetUniqueContextType", "ptr"]],
  WDF_IO_QUEUE_CONFIG: [["Size", "u32"], ["DispatchType", "u32"], ["PowerManaged", "u32"], ["AllowZeroLengthRequests", "u8"], ["DefaultQueue", "u8"], ["EvtIoDefault", "ptr"], ["EvtIoRead", "ptr"], ["EvtIoWrite", "ptr"], ["EvtIoDeviceControl", "ptr"], ["EvtIoInternalDeviceControl", "ptr"],
    ["EvtIoStop", "ptr"], ["EvtIoResume", "ptr"], ["EvtIoCanceledOnQueue", "ptr"], ["Settings", "u32"], ["Driver", "ptr"]],
  WDF_PNPPOWER_EVENT_CALLBACKS: [["Size", "u32"], ...(["EvtDeviceD0Entry", "EvtDeviceD0EntryPostInterruptsEnabled", "EvtDeviceD0Exit", "EvtDeviceD0ExitPreInterruptsDisabled", "EvtDevicePrepareHardware", "EvtDeviceReleaseHardware", "EvtDeviceSelfManagedIoCleanup", "EvtDeviceSelfManagedIoFlush", "EvtDeviceSelfManagedIoInit", "EvtDeviceSelfManagedIoSuspend", "EvtDeviceSelfManagedIoRestart", "EvtDeviceSurpriseRemoval", "EvtDeviceQueryRemove", "EvtDeviceQueryStop", "EvtDeviceUsageNotification", "EvtDeviceRelationsQuery", "EvtDeviceUsageNotificationEx"] as const).map((n) => [n, "ptr"] as const)],
  WDF_REQUEST_SEND_OPTIONS: [["Size", "u32"], ["Flags", "u32"], ["Timeout", "i64"]],
} as const satisfies Record<string, Spec>;

export type WdfStruct = keyof typeof SPECS;
type Fields<S extends WdfStruct> = (typeof SPECS)[S][number][0];
export type WdfLayout<S extends WdfStruct> = Record<Fields<S> | "$size", number>;

function sizeAlign(t: FieldType, p: number, sizes: Record<string, { size: number; align: number }>, base?: string): { size: number; align: number } {
  if (typeof t === "object") return t.bytes < 0 ? sizes[base!]! : { size: t.bytes, align: t.align };
  return t === "u8" ? { size: 1, align: 1 } : t === "u32" ? { size: 4, align: 4 } : t === "i64" ? { size: 8, align: 8 } : { size: p, align: p };
}

function compute(p: 4 | 8): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const sizes: Record<string, { size: number; align: number }> = {};
  for (const [name, spec] of Object.entries(SPECS) as [string, Spec][]) {
    const o: Record<string, number> = {};
    let at = 0;
    let maxAlign = 1;
    for (const [field, type] of spec) {
      // The embedded V1 of WDF_BIND_INFO2 is a WDF_BIND_INFO.
      const { size, align } = sizeAlign(type, p, sizes, "WDF_BIND_INFO");
      at = Math.ceil(at / align) * align;
      o[field] = at;
      at += size;
      maxAlign = Math.max(maxAlign, align);
    }
    o.$size = Math.ceil(at / maxAlign) * maxAlign;
    sizes[name] = { size: o.$size, align: maxAlign };
    out[name] = o;
  }
  return out;
}

const TABLES = { 4: compute(4), 8: compute(8) };

/** The layout of a KMDF structure on the arch being emulated. */
export function wdf<S extends WdfStruct>(s: S): WdfLayout<S> {
  return TABLES[ptrSize()][s] as WdfLayout<S>;
}

/** The layout on a given pointer size (tests). */
export function wdfLayoutFor<S extends WdfStruct>(s: S, pointerBytes: 4 | 8): WdfLayout<S> {
  return TABLES[pointerBytes][s] as WdfLayout<S>;
}
