/**
 * `kmdll new kmdf-driver NAME`: a PnP KMDF function driver project (MSVC-style: a shared header,
 * driver.c / device.c / queue.c), built against kmdll's KMDF header (examples/include/kmdfmin.h,
 * copied into the project) and a .def for WDFLDR.SYS, with a device file for `kmdll sim --devices`
 * that puts one root-enumerated device under the driver. The device interface GUID is derived
 * from the name (stable across runs; replace it with your own).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { KmdllError } from "../errors.js";
import type { TemplateFile } from "./templates.js";

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** kmdll's KMDF header, shipped with the package (examples/include/kmdfmin.h). */
function kmdfHeader(): string {
  const url = new URL("../../../examples/include/kmdfmin.h", import.meta.url);
  try {
    return readFileSync(url, "utf8");
  } catch (e) {
    throw new KmdllError(`the KMDF header kmdll ships (${url.pathname}) cannot be read: ${(e as Error).message}`);
  }
}

function guidOf(name: string): { text: string; define: string } {
  const h = createHash("sha256").update(`kmdll kmdf-driver ${name}`).digest("hex");
  const p = [h.slice(0, 8), h.slice(8, 12), "4" + h.slice(13, 16), ((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16) + h.slice(17, 20), h.slice(20, 32)];
  const bytes = (p[3]! + p[4]!).match(/../g)!.map((b) => `0x${b}`).join(", ");
  return { text: `{${p.join("-")}}`, define: `0x${p[0]}, 0x${p[1]}, 0x${p[2]}, ${bytes}` };
}

export function kmdfDriverTemplate(name: string): TemplateFile[] {
  const C = cap(name);
  const U = name.toUpperCase();
  const g = guidOf(name);
  const header = `/* ${name}: a KMDF function driver (shared header). */
#pragma once
#include <initguid.h>
#include "kmdfmin.h"

/* Device interface class of ${name}'s devices: ${g.text} (made up from the name; use your own GUID). */
DEFINE_GUID(GUID_DEVINTERFACE_${U}, ${g.define});

/* IOCTL_${U}_GET_COUNT: out ULONG, the number of requests the queue has seen (METHOD_BUFFERED). */
#define IOCTL_${U}_GET_COUNT CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct _DEVICE_CONTEXT {
    ULONG Requests;
    ULONG Resources;
} DEVICE_CONTEXT, *PDEVICE_CONTEXT;

extern const WDF_OBJECT_CONTEXT_TYPE_INFO ${C}ContextType;
#define ${C}GetContext(d) ((PDEVICE_CONTEXT)WdfObjectGetTypedContextWorker((d), &${C}ContextType))

EVT_WDF_DRIVER_DEVICE_ADD ${C}EvtDeviceAdd;
NTSTATUS ${C}CreateQueue(WDFDEVICE Device);
`;
  const driver = `/* ${name}: DriverEntry binds to the framework (WDFLDR.SYS) and creates the WDFDRIVER. */
#define KMDFMIN_STUB
#include "${name}.h"

static UNICODE_STRING SavedRegistryPath;
static WCHAR SavedPathBuffer[260];
static PDRIVER_UNLOAD FrameworkUnload;

static EVT_WDF_DRIVER_UNLOAD ${C}EvtDriverUnload;
static VOID ${C}EvtDriverUnload(WDFDRIVER Driver)
{
    UNREFERENCED_PARAMETER(Driver);
    DbgPrint("${name}: EvtDriverUnload\\n");
}

/* Runs after the framework's unload: release the binding, as the WDK's WdfDriverEntry stub does. */
static VOID NTAPI ${C}Unload(PDRIVER_OBJECT DriverObject)
{
    FrameworkUnload(DriverObject);
    KmdllWdfUnbind(&SavedRegistryPath);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    NTSTATUS status = KmdllWdfBind(DriverObject, RegistryPath);
    if (!NT_SUCCESS(status))
        return status;
    SavedRegistryPath.Buffer = SavedPathBuffer;
    SavedRegistryPath.MaximumLength = sizeof(SavedPathBuffer);
    RtlCopyUnicodeString(&SavedRegistryPath, RegistryPath);

    WDF_DRIVER_CONFIG_INIT(&config, ${C}EvtDeviceAdd);
    config.EvtDriverUnload = ${C}EvtDriverUnload;
    status = WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
    if (!NT_SUCCESS(status)) {
        KmdllWdfUnbind(&SavedRegistryPath);
        return status;
    }
    FrameworkUnload = DriverObject->DriverUnload;
    DriverObject->DriverUnload = ${C}Unload;
    DbgPrint("${name}: DriverEntry\\n");
    return STATUS_SUCCESS;
}
`;
  const device = `/* ${name}: EvtDriverDeviceAdd and the PnP/power callbacks. */
#include "${name}.h"

const WDF_OBJECT_CONTEXT_TYPE_INFO ${C}ContextType = { sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "DEVICE_CONTEXT", sizeof(DEVICE_CONTEXT), &${C}ContextType, NULL };

/* Callbacks declared with their role types (EVT_WDF_*: stdcall on x86, as the framework calls them). */
static EVT_WDF_DEVICE_PREPARE_HARDWARE ${C}PrepareHardware;
static EVT_WDF_DEVICE_RELEASE_HARDWARE ${C}ReleaseHardware;
static EVT_WDF_DEVICE_D0_ENTRY ${C}D0Entry;
static EVT_WDF_DEVICE_D0_EXIT ${C}D0Exit;

static NTSTATUS ${C}PrepareHardware(WDFDEVICE Device, WDFCMRESLIST ResourcesRaw, WDFCMRESLIST ResourcesTranslated)
{
    UNREFERENCED_PARAMETER(ResourcesRaw);
    ${C}GetContext(Device)->Resources = WdfCmResourceListGetCount(ResourcesTranslated);
    DbgPrint("${name}: EvtDevicePrepareHardware (%u resource(s))\\n", ${C}GetContext(Device)->Resources);
    return STATUS_SUCCESS;
}

static NTSTATUS ${C}ReleaseHardware(WDFDEVICE Device, WDFCMRESLIST ResourcesTranslated)
{
    UNREFERENCED_PARAMETER(Device);
    UNREFERENCED_PARAMETER(ResourcesTranslated);
    DbgPrint("${name}: EvtDeviceReleaseHardware\\n");
    return STATUS_SUCCESS;
}

static NTSTATUS ${C}D0Entry(WDFDEVICE Device, WDF_POWER_DEVICE_STATE PreviousState)
{
    UNREFERENCED_PARAMETER(Device);
    DbgPrint("${name}: EvtDeviceD0Entry (previous state %d)\\n", PreviousState);
    return STATUS_SUCCESS;
}

static NTSTATUS ${C}D0Exit(WDFDEVICE Device, WDF_POWER_DEVICE_STATE TargetState)
{
    UNREFERENCED_PARAMETER(Device);
    DbgPrint("${name}: EvtDeviceD0Exit (target state %d)\\n", TargetState);
    return STATUS_SUCCESS;
}

NTSTATUS ${C}EvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    WDF_PNPPOWER_EVENT_CALLBACKS pnp;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFDEVICE device;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(Driver);

    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnp);
    pnp.EvtDevicePrepareHardware = ${C}PrepareHardware;
    pnp.EvtDeviceReleaseHardware = ${C}ReleaseHardware;
    pnp.EvtDeviceD0Entry = ${C}D0Entry;
    pnp.EvtDeviceD0Exit = ${C}D0Exit;
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnp);
    WdfDeviceInitSetIoType(DeviceInit, WdfDeviceIoBuffered);

    RtlZeroMemory(&attributes, sizeof(attributes));
    attributes.Size = sizeof(attributes);
    attributes.ContextTypeInfo = &${C}ContextType;
    status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    if (!NT_SUCCESS(status))
        return status;
    status = WdfDeviceCreateDeviceInterface(device, &GUID_DEVINTERFACE_${U}, NULL);
    if (!NT_SUCCESS(status))
        return status;
    return ${C}CreateQueue(device);
}
`;
  const queue = `/* ${name}: the default queue and its EvtIoDeviceControl. */
#include "${name}.h"

static EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL ${C}EvtIoDeviceControl;
static VOID ${C}EvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength, size_t InputBufferLength, ULONG IoControlCode)
{
    PDEVICE_CONTEXT ctx = ${C}GetContext(WdfIoQueueGetDevice(Queue));
    PULONG out;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(OutputBufferLength);
    UNREFERENCED_PARAMETER(InputBufferLength);

    ctx->Requests++;
    if (IoControlCode != IOCTL_${U}_GET_COUNT) {
        WdfRequestComplete(Request, STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    status = WdfRequestRetrieveOutputBuffer(Request, sizeof(ULONG), (PVOID *)&out, NULL);
    if (!NT_SUCCESS(status)) {
        WdfRequestComplete(Request, status);
        return;
    }
    *out = ctx->Requests;
    WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, sizeof(ULONG));
}

NTSTATUS ${C}CreateQueue(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    WDFQUEUE queue;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchParallel);
    config.EvtIoDeviceControl = ${C}EvtIoDeviceControl;
    return WdfIoQueueCreate(Device, &config, WDF_NO_OBJECT_ATTRIBUTES, &queue);
}
`;
  const sources = `# ${name}: a KMDF function driver (PnP), made by \`kmdll new kmdf-driver ${name}\`.
TARGETNAME=${name}
TARGETTYPE=DRIVER
SOURCES=driver.c device.c queue.c
# WDFLDR.SYS's exports (WdfVersionBind/WdfVersionUnbind): mingw-w64 ships no import library for it.
KMDLL_DEFLIBS=wdfldr.def
# mingw-w64's winnt.h defines InterlockedBitTestAndSet/Reset out of line in every file that includes <ntddk.h>.
LINKER_FLAGS=/force:multiple
`;
  const def = `; WDFLDR.SYS, the KMDF loader: the two routines the WdfDriverEntry stub (KmdllWdfBind in kmdfmin.h) imports.
LIBRARY WDFLDR.SYS
EXPORTS
  WdfVersionBind
  WdfVersionUnbind
`;
  const devices = JSON.stringify({
    about: `kmdll sim --devices: one root-enumerated device driven by ${name} (docs/pnp.md)`,
    devices: [{ instance: `ROOT\\${U}\\0000`, hardwareIds: [`ROOT\\${U}`], service: name, resources: [{ port: "0x300", length: 16 }, { interrupt: 5 }] }],
  }, null, 2) + "\n";
  const link = `\\DosDevices\\ROOT#${U}#0000#${g.text}`;
  const readme = `# ${name}

A KMDF function driver made by \`kmdll new kmdf-driver ${name}\`: EvtDriverDeviceAdd creates a device
with PnP/power callbacks, a device interface (${g.text}) and a default queue answering
IOCTL_${U}_GET_COUNT (0x00222000).

    kmdll build .
    kmdll sim --devices devices.json --install out/x64/${name}.sys -- start:${name} 'ioctl:${link}:0x00222000' stop:${name}

(\`out/x86/${name}.sys\` runs the same way.)

\`devices.json\` gives the PnP manager one root-enumerated device for the driver (format: docs/pnp.md of
kmdll). kmdfmin.h is kmdll's KMDF header; to build with the WDK instead, include <wdf.h> and link
WdfDriverEntry.lib / WdfLdr.lib.
`;
  const uncaught = [header, driver, device, queue].some((t) => t.includes("undefined"));
  if (uncaught) throw new KmdllError(`kmdf-driver template for ${name}: internal error`);
  return [
    { path: `${name}.h`, text: header },
    { path: "driver.c", text: driver },
    { path: "device.c", text: device },
    { path: "queue.c", text: queue },
    { path: "kmdfmin.h", text: kmdfHeader() },
    { path: "wdfldr.def", text: def },
    { path: "sources", text: sources },
    { path: "devices.json", text: devices },
    { path: "README.md", text: readme },
  ];
}
