/**
 * The KMDF structures the framework reads and writes, laid out for the arch being emulated. The
 * fields (names, order, types) are facts of the public KMDF 1.33 headers (microsoft/
 * Windows-Driver-Frameworks src/publicinc/wdf/kmdf/1.33: wdfdriver.h, wdfobject.h, wdfio.h,
 * wdfdevice.h, wdfrequest.h, wdfglobals.h; the loader's WDF_BIND_INFO / WDF_BIND_INFO2 from
 * src/framework/shared/inc/private/common/fxldr.h); the offsets follow from them by the C layout
 * rules (src/nt/c-layout.ts), with 8-byte pointers and size_t on x64 and ARM64 and 4-byte ones on
 * x86 — as clang's sizeof/offsetof give for kmdll's own KMDF header (examples/include/kmdfmin.h;
 * test/kmdf.test.ts compares the two on x64 and x86).
 */
import { ptrSize } from "../../nt/arch-layout.js";
import { layoutStructs, type StructSpec } from "../../nt/c-layout.js";

const SPECS = {
  WDF_BIND_INFO: [["Size", "u32"], ["Component", "ptr"], ["Major", "u32"], ["Minor", "u32"], ["Build", "u32"], ["FuncCount", "u32"], ["FuncTable", "ptr"], ["Module", "ptr"]],
  /** WDF_BIND_INFO2: V1, then pointers to the client's globals. */
  WDF_BIND_INFO2: [["V1", { struct: "WDF_BIND_INFO" }], ["MinimumVersionRequired", "ptr"], ["ClientVersionHigherThanFramework", "ptr"], ["FuncCountPtr", "ptr"], ["StructCountPtr", "ptr"], ["StructTable", "ptr"]],
  WDF_DRIVER_GLOBALS: [["Driver", "ptr"], ["DriverFlags", "u32"], ["DriverTag", "u32"], ["DriverName", { bytes: 32, align: 1 }], ["DisplaceDriverUnload", "u8"]],
  WDF_DRIVER_CONFIG: [["Size", "u32"], ["EvtDriverDeviceAdd", "ptr"], ["EvtDriverUnload", "ptr"], ["DriverInitFlags", "u32"], ["DriverPoolTag", "u32"]],
  WDF_OBJECT_ATTRIBUTES: [["Size", "u32"], ["EvtCleanupCallback", "ptr"], ["EvtDestroyCallback", "ptr"], ["ExecutionLevel", "u32"], ["SynchronizationScope", "u32"], ["ParentObject", "ptr"], ["ContextSizeOverride", "ptr"], ["ContextTypeInfo", "ptr"]],
  WDF_OBJECT_CONTEXT_TYPE_INFO: [["Size", "u32"], ["ContextName", "ptr"], ["ContextSize", "ptr"], ["UniqueType", "ptr"], ["EvtDriverGetUniqueContextType", "ptr"]],
  WDF_IO_QUEUE_CONFIG: [["Size", "u32"], ["DispatchType", "u32"], ["PowerManaged", "u32"], ["AllowZeroLengthRequests", "u8"], ["DefaultQueue", "u8"], ["EvtIoDefault", "ptr"], ["EvtIoRead", "ptr"], ["EvtIoWrite", "ptr"], ["EvtIoDeviceControl", "ptr"], ["EvtIoInternalDeviceControl", "ptr"],
    ["EvtIoStop", "ptr"], ["EvtIoResume", "ptr"], ["EvtIoCanceledOnQueue", "ptr"], ["Settings", "u32"], ["Driver", "ptr"]],
  WDF_PNPPOWER_EVENT_CALLBACKS: [["Size", "u32"], ...(["EvtDeviceD0Entry", "EvtDeviceD0EntryPostInterruptsEnabled", "EvtDeviceD0Exit", "EvtDeviceD0ExitPreInterruptsDisabled", "EvtDevicePrepareHardware", "EvtDeviceReleaseHardware", "EvtDeviceSelfManagedIoCleanup", "EvtDeviceSelfManagedIoFlush", "EvtDeviceSelfManagedIoInit", "EvtDeviceSelfManagedIoSuspend", "EvtDeviceSelfManagedIoRestart", "EvtDeviceSurpriseRemoval", "EvtDeviceQueryRemove", "EvtDeviceQueryStop", "EvtDeviceUsageNotification", "EvtDeviceRelationsQuery", "EvtDeviceUsageNotificationEx"] as const).map((n) => [n, "ptr"] as const)],
  WDF_REQUEST_SEND_OPTIONS: [["Size", "u32"], ["Flags", "u32"], ["Timeout", "u64"]],
  /** wdfchildlist.h: sizes, then EvtChildListCreateDevice, ScanForChildren, IdentificationDescription Copy / Duplicate / Cleanup / Compare, AddressDescription Copy / Duplicate / Cleanup, DeviceReenumerated. */
  WDF_CHILD_LIST_CONFIG: [["Size", "u32"], ["IdentificationDescriptionSize", "u32"], ["AddressDescriptionSize", "u32"], ...(["EvtChildListCreateDevice", "EvtChildListScanForChildren", "EvtChildListIdentificationDescriptionCopy", "EvtChildListIdentificationDescriptionDuplicate",
    "EvtChildListIdentificationDescriptionCleanup", "EvtChildListIdentificationDescriptionCompare", "EvtChildListAddressDescriptionCopy", "EvtChildListAddressDescriptionDuplicate", "EvtChildListAddressDescriptionCleanup", "EvtChildListDeviceReenumerated"] as const).map((n) => [n, "ptr"] as const)],
  WDF_REQUEST_REUSE_PARAMS: [["Size", "u32"], ["Flags", "u32"], ["Status", "u32"], ["NewIrp", "ptr"]],
  /** wdftimer.h: KMDF 1.7's structure ends after AutomaticSerialization, 1.11's after TolerableDelay (the framework accepts all three Sizes). */
  WDF_TIMER_CONFIG: [["Size", "u32"], ["EvtTimerFunc", "ptr"], ["Period", "u32"], ["AutomaticSerialization", "u8"], ["TolerableDelay", "u32"], ["UseHighResolutionTimer", { bytes: 1, align: 8 }]],
  WDF_TIMER_CONFIG_V1_7: [["Size", "u32"], ["EvtTimerFunc", "ptr"], ["Period", "u32"], ["AutomaticSerialization", "u8"]],
  WDF_TIMER_CONFIG_V1_11: [["Size", "u32"], ["EvtTimerFunc", "ptr"], ["Period", "u32"], ["AutomaticSerialization", "u8"], ["TolerableDelay", "u32"]],
  WDF_WORKITEM_CONFIG: [["Size", "u32"], ["EvtWorkItemFunc", "ptr"], ["AutomaticSerialization", "u8"]],
  WDF_FILEOBJECT_CONFIG: [["Size", "u32"], ["EvtDeviceFileCreate", "ptr"], ["EvtFileClose", "ptr"], ["EvtFileCleanup", "ptr"], ["AutoForwardCleanupClose", "u32"], ["FileObjectClass", "u32"]],
  /** wdfinterrupt.h (KMDF 1.33): 1.9's structure ends after EvtInterruptDisable, 1.11's after ReportInactiveOnPowerDown (the framework accepts all). */
  WDF_INTERRUPT_CONFIG: [["Size", "u32"], ["SpinLock", "ptr"], ["ShareVector", "u32"], ["FloatingSave", "u8"], ["AutomaticSerialization", "u8"], ["EvtInterruptIsr", "ptr"], ["EvtInterruptDpc", "ptr"], ["EvtInterruptEnable", "ptr"], ["EvtInterruptDisable", "ptr"],
    ["EvtInterruptWorkItem", "ptr"], ["InterruptRaw", "ptr"], ["InterruptTranslated", "ptr"], ["WaitLock", "ptr"], ["PassiveHandling", "u8"], ["ReportInactiveOnPowerDown", "u32"], ["CanWakeDevice", "u8"]],
  WDF_INTERRUPT_CONFIG_V1_9: [["Size", "u32"], ["SpinLock", "ptr"], ["ShareVector", "u32"], ["FloatingSave", "u8"], ["AutomaticSerialization", "u8"], ["EvtInterruptIsr", "ptr"], ["EvtInterruptDpc", "ptr"], ["EvtInterruptEnable", "ptr"], ["EvtInterruptDisable", "ptr"]],
  WDF_INTERRUPT_CONFIG_V1_11: [["Size", "u32"], ["SpinLock", "ptr"], ["ShareVector", "u32"], ["FloatingSave", "u8"], ["AutomaticSerialization", "u8"], ["EvtInterruptIsr", "ptr"], ["EvtInterruptDpc", "ptr"], ["EvtInterruptEnable", "ptr"], ["EvtInterruptDisable", "ptr"],
    ["EvtInterruptWorkItem", "ptr"], ["InterruptRaw", "ptr"], ["InterruptTranslated", "ptr"], ["WaitLock", "ptr"], ["PassiveHandling", "u8"], ["ReportInactiveOnPowerDown", "u32"]],
  /** wdfldr.h / fxldr.h: the client image's class bind record (its stub loops over them, __KMDF_CLASS_BIND_START..END; 80 bytes on x64 — the Size real stubs check). */
  WDF_CLASS_BIND_INFO: [["Size", "u32"], ["ClassName", "ptr"], ["Major", "u32"], ["Minor", "u32"], ["Build", "u32"], ["FunctionTable", "ptr"], ["FunctionTableCount", "u32"], ["ClassBindInfo", "ptr"], ["ClientBindClass", "ptr"], ["ClientUnbindClass", "ptr"], ["ClassModule", "ptr"]],
  UNICODE_STRING: [["Length", "u16"], ["MaximumLength", "u16"], ["Buffer", "ptr"]],
  /** wdfiotarget.h (KMDF 1.33): 1.11's structure ends after FileInformation (the framework accepts both sizes). */
  WDF_IO_TARGET_OPEN_PARAMS: [["Size", "u32"], ["Type", "u32"], ["EvtIoTargetQueryRemove", "ptr"], ["EvtIoTargetRemoveCanceled", "ptr"], ["EvtIoTargetRemoveComplete", "ptr"], ["TargetDeviceObject", "ptr"], ["TargetFileObject", "ptr"],
    ["TargetDeviceName", { struct: "UNICODE_STRING" }], ["DesiredAccess", "u32"], ["ShareAccess", "u32"], ["FileAttributes", "u32"], ["CreateDisposition", "u32"], ["CreateOptions", "u32"], ["EaBuffer", "ptr"], ["EaBufferLength", "u32"], ["AllocationSize", "ptr"], ["FileInformation", "u32"], ["FileName", { struct: "UNICODE_STRING" }]],
  WDF_IO_TARGET_OPEN_PARAMS_V1_11: [["Size", "u32"], ["Type", "u32"], ["EvtIoTargetQueryRemove", "ptr"], ["EvtIoTargetRemoveCanceled", "ptr"], ["EvtIoTargetRemoveComplete", "ptr"], ["TargetDeviceObject", "ptr"], ["TargetFileObject", "ptr"],
    ["TargetDeviceName", { struct: "UNICODE_STRING" }], ["DesiredAccess", "u32"], ["ShareAccess", "u32"], ["FileAttributes", "u32"], ["CreateDisposition", "u32"], ["CreateOptions", "u32"], ["EaBuffer", "ptr"], ["EaBufferLength", "u32"], ["AllocationSize", "ptr"], ["FileInformation", "u32"]],
  /** wdfmemory.h: Type (Buffer 1, Mdl 2, Handle 3), then a union of {Buffer, Length} / {Mdl, BufferLength} / {Memory, Offsets}. */
  WDF_MEMORY_DESCRIPTOR: [["Type", "u32"], ["u", "ptr"], ["u2", "ptr"]],
  WDFMEMORY_OFFSET: [["BufferOffset", "ptr"], ["BufferLength", "ptr"]],
  /** wdfinterrupt.h: KMDF 1.7's structure ends after ShareDisposition; the current one adds Group (DECLSPEC_ALIGN(8)). */
  WDF_INTERRUPT_INFO: [["Size", "u32"], ["Reserved1", "u64"], ["TargetProcessorSet", "ptr"], ["Reserved2", "u32"], ["MessageNumber", "u32"], ["Vector", "u32"], ["Irql", "u8"], ["Mode", "u32"], ["Polarity", "u32"],
    ["MessageSignaled", "u8"], ["ShareDisposition", "u8"], ["Group", { bytes: 2, align: 8 }]],
  WDF_INTERRUPT_INFO_V1_7: [["Size", "u32"], ["Reserved1", "u64"], ["TargetProcessorSet", "ptr"], ["Reserved2", "u32"], ["MessageNumber", "u32"], ["Vector", "u32"], ["Irql", "u8"], ["Mode", "u32"], ["Polarity", "u32"],
    ["MessageSignaled", "u8"], ["ShareDisposition", "u8"]],
  /** wdfdpc.h: DriverDpcLevel is obsolete (ignored). */
  WDF_DPC_CONFIG: [["Size", "u32"], ["EvtDpcFunc", "ptr"], ["DriverDpcLevel", "u32"], ["AutomaticSerialization", "u8"]],
  /** wdfdevice.h (KMDF 1.25+): the property key of WdfDevice/WdfFdoInit[AllocAnd]QueryPropertyEx. */
  WDF_DEVICE_PROPERTY_DATA: [["Size", "u32"], ["PropertyKey", "ptr"], ["Lcid", "u32"], ["Flags", "u32"]],
} as const satisfies Record<string, StructSpec>;

export type WdfStruct = keyof typeof SPECS;
type Fields<S extends WdfStruct> = (typeof SPECS)[S][number][0];
export type WdfLayout<S extends WdfStruct> = Record<Fields<S> | "$size", number>;

// Laid out for a pointer size when first asked (not as the module loads: most runs emulate one
// arch, and a driver that uses none of these structures needs neither table).
const TABLES: { 4?: ReturnType<typeof layoutStructs>; 8?: ReturnType<typeof layoutStructs> } = {};
const tableFor = (pointerBytes: 4 | 8) => (TABLES[pointerBytes] ??= layoutStructs(SPECS, pointerBytes));

/** The layout of a KMDF structure on the arch being emulated. */
export function wdf<S extends WdfStruct>(s: S): WdfLayout<S> {
  return tableFor(ptrSize())[s] as WdfLayout<S>;
}

/** The layout on a given pointer size (tests). */
export function wdfLayoutFor<S extends WdfStruct>(s: S, pointerBytes: 4 | 8): WdfLayout<S> {
  return tableFor(pointerBytes)[s] as WdfLayout<S>;
}
