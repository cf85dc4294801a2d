#!/usr/bin/env node
// Generates src/nt/layouts.ts: structure sizes and field offsets of the Windows kernel structures
// the emulator builds, taken from the mingw-w64 DDK headers through the compiler (never typed by
// hand). For each target it writes a C file with sizeof/offsetof into an array, compiles it to
// assembly with clang for that target, and reads the numbers back from the `.quad` directives.
//
// Usage: node scripts/gen-layouts.mjs [--check]   (--check: fail when src/nt/layouts.ts is stale)
// To add a field, add "STRUCT.field.path" (or "STRUCT" for its size) to FIELDS and rerun.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";

const root = resolve(new URL("..", import.meta.url).pathname);
const check = process.argv.includes("--check");

/** "TYPE" → sizeof(TYPE); "TYPE.a.b" → offsetof(TYPE, a.b); an "x64:" prefix limits an entry to that target. */
const ALL_FIELDS = [
  "LIST_ENTRY", "LIST_ENTRY.Flink", "LIST_ENTRY.Blink",
  "UNICODE_STRING", "UNICODE_STRING.Length", "UNICODE_STRING.MaximumLength", "UNICODE_STRING.Buffer",
  "ANSI_STRING", "ANSI_STRING.Length", "ANSI_STRING.MaximumLength", "ANSI_STRING.Buffer",
  "LARGE_INTEGER", "KSYSTEM_TIME", "KSYSTEM_TIME.LowPart", "KSYSTEM_TIME.High1Time", "KSYSTEM_TIME.High2Time",
  "IO_STATUS_BLOCK", "IO_STATUS_BLOCK.Status", "IO_STATUS_BLOCK.Information",
  "DRIVER_OBJECT", "DRIVER_OBJECT.Type", "DRIVER_OBJECT.Size", "DRIVER_OBJECT.DeviceObject", "DRIVER_OBJECT.Flags",
  "DRIVER_OBJECT.DriverStart", "DRIVER_OBJECT.DriverSize", "DRIVER_OBJECT.DriverSection", "DRIVER_OBJECT.DriverExtension",
  "DRIVER_OBJECT.DriverName", "DRIVER_OBJECT.HardwareDatabase", "DRIVER_OBJECT.FastIoDispatch", "DRIVER_OBJECT.DriverInit",
  "DRIVER_OBJECT.DriverStartIo", "DRIVER_OBJECT.DriverUnload", "DRIVER_OBJECT.MajorFunction",
  "DRIVER_EXTENSION", "DRIVER_EXTENSION.DriverObject", "DRIVER_EXTENSION.AddDevice", "DRIVER_EXTENSION.Count",
  "DRIVER_EXTENSION.ServiceKeyName",
  "DEVICE_OBJECT", "DEVICE_OBJECT.Type", "DEVICE_OBJECT.Size", "DEVICE_OBJECT.ReferenceCount", "DEVICE_OBJECT.DriverObject",
  "DEVICE_OBJECT.NextDevice", "DEVICE_OBJECT.AttachedDevice", "DEVICE_OBJECT.CurrentIrp", "DEVICE_OBJECT.Flags",
  "DEVICE_OBJECT.Characteristics", "DEVICE_OBJECT.DeviceExtension", "DEVICE_OBJECT.DeviceType", "DEVICE_OBJECT.StackSize",
  "DEVICE_OBJECT.AlignmentRequirement",
  "IRP", "IRP.Type", "IRP.Size", "IRP.MdlAddress", "IRP.Flags", "IRP.AssociatedIrp.SystemBuffer", "IRP.IoStatus",
  "IRP.RequestorMode", "IRP.PendingReturned", "IRP.StackCount", "IRP.CurrentLocation", "IRP.Cancel", "IRP.CancelIrql",
  "IRP.UserIosb", "IRP.UserEvent", "IRP.UserBuffer", "IRP.Tail.Overlay.CurrentStackLocation", "IRP.Tail.Overlay.Thread",
  "IO_STACK_LOCATION", "IO_STACK_LOCATION.MajorFunction", "IO_STACK_LOCATION.MinorFunction", "IO_STACK_LOCATION.Flags",
  "IO_STACK_LOCATION.Control", "IO_STACK_LOCATION.Parameters",
  "IO_STACK_LOCATION.Parameters.DeviceIoControl.OutputBufferLength",
  "IO_STACK_LOCATION.Parameters.DeviceIoControl.InputBufferLength",
  "IO_STACK_LOCATION.Parameters.DeviceIoControl.IoControlCode",
  "IO_STACK_LOCATION.Parameters.DeviceIoControl.Type3InputBuffer",
  "IO_STACK_LOCATION.Parameters.QueryInterface.InterfaceType", "IO_STACK_LOCATION.Parameters.QueryInterface.Size",
  "IO_STACK_LOCATION.Parameters.QueryInterface.Version", "IO_STACK_LOCATION.Parameters.QueryInterface.Interface",
  "IO_STACK_LOCATION.Parameters.QueryInterface.InterfaceSpecificData",
  "IO_STACK_LOCATION.DeviceObject", "IO_STACK_LOCATION.FileObject", "IO_STACK_LOCATION.CompletionRoutine",
  "IO_STACK_LOCATION.Context",
  "INTERFACE", "INTERFACE.Size", "INTERFACE.Version", "INTERFACE.Context", "INTERFACE.InterfaceReference",
  "INTERFACE.InterfaceDereference",
  "DISPATCHER_HEADER", "KEVENT", "KEVENT.Header", "FAST_MUTEX", "KSPIN_LOCK", "KDPC", "KTIMER", "ERESOURCE",
  "OBJECT_ATTRIBUTES", "OBJECT_ATTRIBUTES.Length", "OBJECT_ATTRIBUTES.RootDirectory", "OBJECT_ATTRIBUTES.ObjectName",
  "OBJECT_ATTRIBUTES.Attributes", "OBJECT_ATTRIBUTES.SecurityDescriptor", "OBJECT_ATTRIBUTES.SecurityQualityOfService",
  "KEY_VALUE_BASIC_INFORMATION", "KEY_VALUE_BASIC_INFORMATION.TitleIndex", "KEY_VALUE_BASIC_INFORMATION.Type",
  "KEY_VALUE_BASIC_INFORMATION.NameLength", "KEY_VALUE_BASIC_INFORMATION.Name",
  "KEY_VALUE_FULL_INFORMATION", "KEY_VALUE_FULL_INFORMATION.TitleIndex", "KEY_VALUE_FULL_INFORMATION.Type",
  "KEY_VALUE_FULL_INFORMATION.DataOffset", "KEY_VALUE_FULL_INFORMATION.DataLength", "KEY_VALUE_FULL_INFORMATION.NameLength",
  "KEY_VALUE_FULL_INFORMATION.Name",
  "KEY_VALUE_PARTIAL_INFORMATION", "KEY_VALUE_PARTIAL_INFORMATION.TitleIndex", "KEY_VALUE_PARTIAL_INFORMATION.Type",
  "KEY_VALUE_PARTIAL_INFORMATION.DataLength", "KEY_VALUE_PARTIAL_INFORMATION.Data",
  "KPCR", "KPCR.NtTib", "x64:KPCR.GdtBase", "x64:KPCR.TssBase", "x64:KPCR.UserRsp", "x64:KPCR.Self", "x64:KPCR.CurrentPrcb",
  "x64:KPCR.IdtBase", "KPCR.Irql", "KPCR.MajorVersion", "KPCR.MinorVersion",
  "KUSER_SHARED_DATA", "KUSER_SHARED_DATA.TickCountLowDeprecated", "KUSER_SHARED_DATA.TickCountMultiplier",
  "KUSER_SHARED_DATA.InterruptTime", "KUSER_SHARED_DATA.SystemTime", "KUSER_SHARED_DATA.TimeZoneBias",
  "KUSER_SHARED_DATA.ImageNumberLow", "KUSER_SHARED_DATA.ImageNumberHigh", "KUSER_SHARED_DATA.NtSystemRoot",
  "KUSER_SHARED_DATA.NtProductType", "KUSER_SHARED_DATA.ProductTypeIsValid",
  "KUSER_SHARED_DATA.NtMajorVersion", "KUSER_SHARED_DATA.NtMinorVersion",
  "KUSER_SHARED_DATA.KdDebuggerEnabled", "KUSER_SHARED_DATA.NumberOfPhysicalPages", "KUSER_SHARED_DATA.TickCount",
  "KUSER_SHARED_DATA.Cookie",
  // API layer (src/emu/api, helper "api"): dispatcher objects, fast mutexes, registry info classes, versions.
  "DISPATCHER_HEADER.Type", "DISPATCHER_HEADER.Size", "DISPATCHER_HEADER.SignalState", "DISPATCHER_HEADER.WaitListHead",
  "FAST_MUTEX.Count", "FAST_MUTEX.Owner", "FAST_MUTEX.Contention", "FAST_MUTEX.Event", "FAST_MUTEX.OldIrql",
  "KMUTANT", "KMUTANT.Header", "KMUTANT.OwnerThread", "KMUTANT.Abandoned", "KSEMAPHORE", "KSEMAPHORE.Header", "KSEMAPHORE.Limit",
  "KEY_VALUE_PARTIAL_INFORMATION_ALIGN64", "KEY_VALUE_PARTIAL_INFORMATION_ALIGN64.Type",
  "KEY_VALUE_PARTIAL_INFORMATION_ALIGN64.DataLength", "KEY_VALUE_PARTIAL_INFORMATION_ALIGN64.Data",
  "KEY_BASIC_INFORMATION", "KEY_BASIC_INFORMATION.LastWriteTime", "KEY_BASIC_INFORMATION.TitleIndex",
  "KEY_BASIC_INFORMATION.NameLength", "KEY_BASIC_INFORMATION.Name",
  "KEY_NODE_INFORMATION", "KEY_NODE_INFORMATION.LastWriteTime", "KEY_NODE_INFORMATION.TitleIndex",
  "KEY_NODE_INFORMATION.ClassOffset", "KEY_NODE_INFORMATION.ClassLength", "KEY_NODE_INFORMATION.NameLength",
  "KEY_NODE_INFORMATION.Name",
  "KEY_FULL_INFORMATION", "KEY_FULL_INFORMATION.LastWriteTime", "KEY_FULL_INFORMATION.TitleIndex",
  "KEY_FULL_INFORMATION.ClassOffset", "KEY_FULL_INFORMATION.ClassLength", "KEY_FULL_INFORMATION.SubKeys",
  "KEY_FULL_INFORMATION.MaxNameLen", "KEY_FULL_INFORMATION.MaxClassLen", "KEY_FULL_INFORMATION.Values",
  "KEY_FULL_INFORMATION.MaxValueNameLen", "KEY_FULL_INFORMATION.MaxValueDataLen", "KEY_FULL_INFORMATION.Class",
  "RTL_OSVERSIONINFOW", "RTL_OSVERSIONINFOW.dwOSVersionInfoSize", "RTL_OSVERSIONINFOW.dwMajorVersion",
  "RTL_OSVERSIONINFOW.dwMinorVersion", "RTL_OSVERSIONINFOW.dwBuildNumber", "RTL_OSVERSIONINFOW.dwPlatformId",
  "RTL_OSVERSIONINFOW.szCSDVersion", "RTL_OSVERSIONINFOEXW", "RTL_OSVERSIONINFOEXW.wServicePackMajor",
  "RTL_OSVERSIONINFOEXW.wServicePackMinor", "RTL_OSVERSIONINFOEXW.wSuiteMask", "RTL_OSVERSIONINFOEXW.wProductType",
  // I/O manager (src/emu/api/io.ts, issue 8): devices, IRPs, file objects, MDLs.
  "DEVICE_OBJECT.Timer", "DEVICE_OBJECT.SectorSize", "DEVICE_OBJECT.DeviceObjectExtension", "DEVICE_OBJECT.Vpb",
  "DEVOBJ_EXTENSION", "DEVOBJ_EXTENSION.Type", "DEVOBJ_EXTENSION.Size", "DEVOBJ_EXTENSION.DeviceObject",
  "IRP.ThreadListEntry", "IRP.ApcEnvironment", "IRP.AllocationFlags", "IRP.Overlay.AsynchronousParameters.UserApcRoutine",
  "IRP.CancelRoutine", "IRP.Tail.Overlay.OriginalFileObject", "IRP.AssociatedIrp.MasterIrp",
  "IO_STACK_LOCATION.Parameters.Read.Length", "IO_STACK_LOCATION.Parameters.Read.Key", "IO_STACK_LOCATION.Parameters.Read.ByteOffset",
  "IO_STACK_LOCATION.Parameters.Create.SecurityContext", "IO_STACK_LOCATION.Parameters.Create.Options",
  "IO_STACK_LOCATION.Parameters.Create.ShareAccess",
  "FILE_OBJECT", "FILE_OBJECT.Type", "FILE_OBJECT.Size", "FILE_OBJECT.DeviceObject", "FILE_OBJECT.Vpb", "FILE_OBJECT.FsContext",
  "FILE_OBJECT.FsContext2", "FILE_OBJECT.ReadAccess", "FILE_OBJECT.WriteAccess", "FILE_OBJECT.Flags", "FILE_OBJECT.FileName",
  "FILE_OBJECT.Lock", "FILE_OBJECT.Event",
  // Files on the sandboxed volume (api/file-object.ts): the stream's FCB header and section pointers
  // that NTFS would own, which drivers read (CcIsFileCached, force-delete tools, filters comparing FCBs).
  "FILE_OBJECT.SectionObjectPointer", "FILE_OBJECT.DeleteAccess", "FILE_OBJECT.SharedRead",
  "FILE_OBJECT.SharedWrite", "FILE_OBJECT.SharedDelete",
  "SECTION_OBJECT_POINTERS", "SECTION_OBJECT_POINTERS.DataSectionObject", "SECTION_OBJECT_POINTERS.SharedCacheMap",
  "SECTION_OBJECT_POINTERS.ImageSectionObject",
  "FSRTL_COMMON_FCB_HEADER", "FSRTL_COMMON_FCB_HEADER.NodeTypeCode", "FSRTL_COMMON_FCB_HEADER.NodeByteSize",
  "FSRTL_COMMON_FCB_HEADER.AllocationSize", "FSRTL_COMMON_FCB_HEADER.FileSize", "FSRTL_COMMON_FCB_HEADER.ValidDataLength",
  "MDL", "MDL.Next", "MDL.Size", "MDL.MdlFlags", "MDL.Process", "MDL.MappedSystemVa", "MDL.StartVa", "MDL.ByteCount", "MDL.ByteOffset",
  // Requests from user mode (src/emu/user): IRP_MJ_CREATE parameters, read/write, the file position.
  "IO_STACK_LOCATION.Parameters.Create.FileAttributes", "IO_STACK_LOCATION.Parameters.Create.EaLength",
  "IO_STACK_LOCATION.Parameters.Write.Length", "IO_STACK_LOCATION.Parameters.Write.ByteOffset",
  "IO_SECURITY_CONTEXT", "IO_SECURITY_CONTEXT.SecurityQos", "IO_SECURITY_CONTEXT.AccessState",
  "IO_SECURITY_CONTEXT.DesiredAccess", "IO_SECURITY_CONTEXT.FullCreateOptions",
  "FILE_OBJECT.CurrentByteOffset", "FILE_OBJECT.RelatedFileObject", "FILE_OBJECT.Busy",
  "IRP.Overlay.AllocationSize",
  // PnP manager (src/emu/pnp, issue 14): PnP and power IRP parameters, device relations, capabilities,
  // resource lists, interface-change notifications.
  "IO_STACK_LOCATION.Parameters.QueryDeviceRelations.Type", "IO_STACK_LOCATION.Parameters.QueryId.IdType",
  "IO_STACK_LOCATION.Parameters.DeviceCapabilities.Capabilities",
  "IO_STACK_LOCATION.Parameters.StartDevice.AllocatedResources", "IO_STACK_LOCATION.Parameters.StartDevice.AllocatedResourcesTranslated",
  "IO_STACK_LOCATION.Parameters.Power.SystemContext", "IO_STACK_LOCATION.Parameters.Power.Type",
  "IO_STACK_LOCATION.Parameters.Power.State", "IO_STACK_LOCATION.Parameters.Power.ShutdownType",
  "DEVICE_CAPABILITIES", "DEVICE_CAPABILITIES.Size", "DEVICE_CAPABILITIES.Version", "DEVICE_CAPABILITIES.Address",
  "DEVICE_CAPABILITIES.UINumber", "DEVICE_CAPABILITIES.DeviceState", "DEVICE_CAPABILITIES.SystemWake", "DEVICE_CAPABILITIES.DeviceWake",
  "DEVICE_RELATIONS", "DEVICE_RELATIONS.Count", "DEVICE_RELATIONS.Objects",
  "CM_RESOURCE_LIST", "CM_RESOURCE_LIST.Count", "CM_RESOURCE_LIST.List",
  "CM_FULL_RESOURCE_DESCRIPTOR", "CM_FULL_RESOURCE_DESCRIPTOR.InterfaceType", "CM_FULL_RESOURCE_DESCRIPTOR.BusNumber",
  "CM_FULL_RESOURCE_DESCRIPTOR.PartialResourceList",
  "CM_PARTIAL_RESOURCE_LIST", "CM_PARTIAL_RESOURCE_LIST.Version", "CM_PARTIAL_RESOURCE_LIST.Revision",
  "CM_PARTIAL_RESOURCE_LIST.Count", "CM_PARTIAL_RESOURCE_LIST.PartialDescriptors",
  "CM_PARTIAL_RESOURCE_DESCRIPTOR", "CM_PARTIAL_RESOURCE_DESCRIPTOR.Type", "CM_PARTIAL_RESOURCE_DESCRIPTOR.ShareDisposition",
  "CM_PARTIAL_RESOURCE_DESCRIPTOR.Flags", "CM_PARTIAL_RESOURCE_DESCRIPTOR.u.Port.Start", "CM_PARTIAL_RESOURCE_DESCRIPTOR.u.Port.Length",
  "CM_PARTIAL_RESOURCE_DESCRIPTOR.u.Interrupt.Level", "CM_PARTIAL_RESOURCE_DESCRIPTOR.u.Interrupt.Vector",
  "CM_PARTIAL_RESOURCE_DESCRIPTOR.u.Interrupt.Affinity", "CM_PARTIAL_RESOURCE_DESCRIPTOR.u.Memory.Start",
  "CM_PARTIAL_RESOURCE_DESCRIPTOR.u.Memory.Length",
  "DEVICE_INTERFACE_CHANGE_NOTIFICATION", "DEVICE_INTERFACE_CHANGE_NOTIFICATION.Version",
  "DEVICE_INTERFACE_CHANGE_NOTIFICATION.Size", "DEVICE_INTERFACE_CHANGE_NOTIFICATION.Event",
  "DEVICE_INTERFACE_CHANGE_NOTIFICATION.InterfaceClassGuid", "DEVICE_INTERFACE_CHANGE_NOTIFICATION.SymbolicLinkName",
];

const TARGETS = {
  x64: { triple: "x86_64-pc-windows-msvc", sysroot: "/usr/x86_64-w64-mingw32" },
  x86: { triple: "i686-w64-windows-gnu", sysroot: "/usr/i686-w64-mingw32" },
};

function measure(arch) {
  const t = TARGETS[arch];
  const FIELDS = ALL_FIELDS.filter((f) => !/^x(64|86):/.test(f) || f.startsWith(arch + ":")).map((f) => f.replace(/^x(64|86):/, ""));
  const dir = mkdtempSync(join(tmpdir(), "kmdll-layouts-"));
  try {
    const lines = FIELDS.map((f) => {
      const [type, ...path] = f.split(".");
      return path.length ? `  (unsigned long long)offsetof(${type}, ${path.join(".")}),` : `  (unsigned long long)sizeof(${type}),`;
    });
    const src = `#include <ntifs.h>\n#include <stddef.h>\nconst unsigned long long kmdll_layouts[] = {\n${lines.join("\n")}\n};\n`;
    writeFileSync(join(dir, "layouts.c"), src);
    execFileSync("clang", [`--target=${t.triple}`, "-fgnuc-version=4.2.1", "-ffreestanding", "-w", "-S", "-O0",
      "-isystem", `${t.sysroot}/include/ddk`, "-isystem", `${t.sysroot}/include`, "-o", join(dir, "layouts.s"), join(dir, "layouts.c")],
      { stdio: ["ignore", "pipe", "pipe"] });
    const asm = readFileSync(join(dir, "layouts.s"), "utf8");
    const start = asm.search(/^_?kmdll_layouts:/m);
    const nums = [...asm.slice(start).matchAll(/^\s*\.quad\s+(\d+)/gm)].slice(0, FIELDS.length).map((m) => Number(m[1]));
    if (nums.length !== FIELDS.length) throw new Error(`expected ${FIELDS.length} numbers for ${arch}, got ${nums.length}`);
    const out = {};
    FIELDS.forEach((f, i) => {
      const [type, ...path] = f.split(".");
      out[type] ??= {};
      out[type][path.length ? path.join(".") : "$size"] = nums[i];
    });
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const data = { x64: measure("x64"), x86: measure("x86") };
const text = `// GENERATED by scripts/gen-layouts.mjs from the mingw-w64 DDK headers (<ntifs.h>, which includes <ntddk.h>) through clang's
// sizeof/offsetof for each target. Do not edit: add fields in the script and rerun it.
// "$size" is sizeof(TYPE); other keys are offsetof(TYPE, path).

export type LayoutArch = "x64" | "x86";
export const LAYOUTS = ${JSON.stringify(data, null, 2)} as const;

/** Layouts of the x64 kernel structures. */
export const L64 = LAYOUTS.x64;
`;
const target = join(root, "src", "nt", "layouts.ts");
if (check) {
  const old = readFileSync(target, "utf8");
  if (old !== text) { process.stderr.write("gen-layouts: src/nt/layouts.ts is stale; run node scripts/gen-layouts.mjs\n"); process.exit(1); }
  process.stdout.write("gen-layouts: up to date\n");
} else {
  writeFileSync(target, text);
  process.stdout.write(`gen-layouts: wrote ${target} (${ALL_FIELDS.length} entries)\n`);
}
