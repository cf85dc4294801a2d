/**
 * usbd.sys, the USB driver library USB client drivers link against (usbdlib.h, usb.h, usbdi.h;
 * Microsoft Learn's usbdlib.h reference; library Usbd.lib). Real USB function drivers (libusb0,
 * libusbK, USBPcap: the held-out set of docs/qa.md, helper "fresh2") import it and fail to load
 * without it; kmdll has no USB host controller, so no device ever reaches their AddDevice, but
 * their DriverEntry and DriverUnload run, and the descriptor helpers below work on any buffer.
 *
 *   USBD_GetUSBDIVersion(VersionInformation): USBD_VERSION_INFORMATION {ULONG USBDI_Version;
 *     ULONG Supported_USB_Version} = {USBDI_VERSION 0x600 (usb.h), 0x200 (USB 2.0, BCD)}; a NULL
 *     pointer is left alone (the routine has no status to return).
 *   USBD_ParseDescriptors(DescriptorBuffer, TotalLength, StartPosition, DescriptorType): the first
 *     descriptor of that bDescriptorType at or after StartPosition, walking by bLength while inside
 *     [DescriptorBuffer, DescriptorBuffer + TotalLength); NULL when there is none. A descriptor of
 *     bLength 0 ends the walk (NULL): stepping by 0 would never leave it.
 *   USBD_ParseConfigurationDescriptorEx(ConfigurationDescriptor, StartPosition, InterfaceNumber,
 *     AlternateSetting, InterfaceClass, InterfaceSubClass, InterfaceProtocol): the first interface
 *     descriptor at or after StartPosition, inside the configuration's wTotalLength, whose fields
 *     match every criterion that is not -1; NULL when none does.
 *   USBD_ParseConfigurationDescriptor(ConfigurationDescriptor, InterfaceNumber, AlternateSetting)
 *     (deprecated): the Ex form from the configuration's start with the other criteria -1.
 *   USBD_GetInterfaceLength(InterfaceDescriptor, BufferEnd): bytes from the interface descriptor
 *     to the end of its last endpoint descriptor — its own bLength plus every descriptor after it
 *     (class-specific ones included) until bNumEndpoints endpoint descriptors are counted,
 *     BufferEnd is reached or a descriptor of bLength 0 is met.
 *   USBD_CreateConfigurationRequestEx(ConfigurationDescriptor, InterfaceList): a select-
 *     configuration URB from nonpaged pool the caller frees with ExFreePool, of
 *     GET_SELECT_CONFIGURATION_REQUEST_SIZE(interfaces, pipes) bytes for the InterfaceList entries
 *     before the one whose InterfaceDescriptor is NULL: Hdr.Length = that size, Hdr.Function =
 *     URB_FUNCTION_SELECT_CONFIGURATION, ConfigurationDescriptor set; one USBD_INTERFACE_INFORMATION
 *     per entry (Length = GET_USBD_INTERFACE_SIZE(bNumEndpoints), InterfaceNumber,
 *     AlternateSetting, NumberOfPipes = bNumEndpoints, each pipe's MaximumTransferSize =
 *     USBD_DEFAULT_MAXIMUM_TRANSFER_SIZE, the rest 0) whose address goes to the entry's Interface
 *     member. NULL when the pool has no room.
 * The other exports (USBD_CreateConfigurationRequest, USBD_ValidateConfigurationDescriptor,
 * USBD_QueryBusTime, USBD_GetPdoRegistryParameter, the host controller routines...) are emulator
 * gaps, reported when called. x86 exports the three decorated names its import library states
 * (`_USBD_ParseDescriptors@16`...): kernel-modules.ts maps them to these handlers.
 */
import type { KernelExport } from "../../nt/kernel-exports.js";
import type { ApiContext, ApiDefinition } from "./types.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { api, hex, readPtr, writePtr } from "./util.js";

export const USBD = "usbd.sys";
const B = (n: number) => BigInt(n);
/** usb.h / usb100.h */
const USB_INTERFACE_DESCRIPTOR_TYPE = 4;
const USB_ENDPOINT_DESCRIPTOR_TYPE = 5;
const USBDI_VERSION = 0x600;
const SUPPORTED_USB_VERSION = 0x200;
const URB_FUNCTION_SELECT_CONFIGURATION = 0;
const USBD_DEFAULT_MAXIMUM_TRANSFER_SIZE = 0xffffffff;
const NON_PAGED_POOL = 0;
const TAG_USBD = 0x44425355; // 'USBD'
/** A walk over descriptors gives up after this many (a buffer of 64 KiB holds at most 32 768). */
const MAX_STEPS = 0x8000;

/**
 * Layouts per pointer size (usb.h): _URB_HEADER {USHORT Length; USHORT Function; USBD_STATUS
 * Status; PVOID UsbdDeviceHandle; ULONG UsbdFlags}; _URB_SELECT_CONFIGURATION {Hdr;
 * ConfigurationDescriptor; ConfigurationHandle; USBD_INTERFACE_INFORMATION Interface};
 * USBD_INTERFACE_INFORMATION {USHORT Length; UCHAR InterfaceNumber, AlternateSetting, Class,
 * SubClass, Protocol, Reserved; InterfaceHandle; ULONG NumberOfPipes; USBD_PIPE_INFORMATION
 * Pipes[1]}; USBD_PIPE_INFORMATION {USHORT MaximumPacketSize; UCHAR EndpointAddress, Interval;
 * USBD_PIPE_TYPE PipeType; PipeHandle; ULONG MaximumTransferSize; ULONG PipeFlags}.
 * examples/qa-fresh2 checks the sizes against the compiler's (GET_SELECT_CONFIGURATION_REQUEST_SIZE).
 */
function layout() {
  const p = ptrSize();
  const header = p === 8 ? 24 : 16;
  const pipe = p === 8 ? 24 : 20;
  const pipesAt = p === 8 ? 24 : 16;
  const iface = pipesAt + pipe;
  return {
    header,
    configDescriptor: header,
    interfaceAt: header + 2 * p,
    selectConfig: header + 2 * p + iface,
    iface,
    numberOfPipes: p === 8 ? 16 : 12,
    pipesAt,
    pipe,
    pipeMaxTransfer: p === 8 ? 16 : 12,
  };
}

function getUsbdiVersion(ctx: ApiContext): void {
  const v = ctx.arg(0);
  ctx.describe([hex(v)]);
  if (v === 0n) return;
  ctx.mem.setU32(v, USBDI_VERSION);
  ctx.mem.setU32(v + 4n, SUPPORTED_USB_VERSION);
}

/** USBD_ParseDescriptors' walk. */
function parseDescriptors(ctx: ApiContext, buffer: bigint, total: number, start: bigint, type: number): bigint {
  const end = buffer + B(total);
  let p = start;
  for (let i = 0; i < MAX_STEPS && p < end; i++) {
    if (ctx.mem.u8(p + 1n) === type) return p;
    const len = ctx.mem.u8(p);
    if (len === 0) return 0n;
    p += B(len);
  }
  return 0n;
}

function parseDescriptorsApi(ctx: ApiContext): bigint {
  const [buffer, total, start, type] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.i32(3)];
  ctx.describe([hex(buffer), String(total), hex(start), String(type)]);
  return parseDescriptors(ctx, buffer, total, start, type);
}

/** USB_CONFIGURATION_DESCRIPTOR.wTotalLength (offset 2). */
const totalLength = (ctx: ApiContext, config: bigint) => ctx.mem.u16(config + 2n);

function parseInterface(ctx: ApiContext, config: bigint, start: bigint, criteria: number[]): bigint {
  const total = totalLength(ctx, config);
  let p = start;
  for (let i = 0; i < MAX_STEPS; i++) {
    const d = parseDescriptors(ctx, config, total, p, USB_INTERFACE_DESCRIPTOR_TYPE);
    if (d === 0n) return 0n;
    // bInterfaceNumber 2, bAlternateSetting 3, bInterfaceClass 5, bInterfaceSubClass 6, bInterfaceProtocol 7.
    const fields = [2, 3, 5, 6, 7].map((o) => ctx.mem.u8(d + B(o)));
    if (criteria.every((c, k) => c === -1 || c === fields[k])) return d;
    const len = ctx.mem.u8(d);
    if (len === 0) return 0n;
    p = d + B(len);
  }
  return 0n;
}

function parseConfigurationDescriptorEx(ctx: ApiContext): bigint {
  const [config, start] = [ctx.arg(0), ctx.arg(1)];
  const criteria = [2, 3, 4, 5, 6].map((i) => ctx.i32(i));
  ctx.describe([hex(config), hex(start), ...criteria.map(String)]);
  return parseInterface(ctx, config, start, criteria);
}

function parseConfigurationDescriptor(ctx: ApiContext): bigint {
  const config = ctx.arg(0);
  const [number, alternate] = [ctx.u32(1) & 0xff, ctx.u32(2) & 0xff];
  ctx.describe([hex(config), String(number), String(alternate)]);
  return parseInterface(ctx, config, config, [number, alternate, -1, -1, -1]);
}

function getInterfaceLength(ctx: ApiContext): number {
  const [iface, bufferEnd] = [ctx.arg(0), ctx.arg(1)];
  ctx.describe([hex(iface), hex(bufferEnd)]);
  const m = ctx.mem;
  let length = m.u8(iface);
  const endpoints = m.u8(iface + 4n);
  let p = iface + B(length);
  for (let seen = 0, i = 0; seen < endpoints && p < bufferEnd && i < MAX_STEPS; i++) {
    const len = m.u8(p);
    if (len === 0) break;
    if (m.u8(p + 1n) === USB_ENDPOINT_DESCRIPTOR_TYPE) seen++;
    length += len;
    p += B(len);
  }
  return length;
}

function createConfigurationRequestEx(ctx: ApiContext): bigint {
  const [config, list] = [ctx.arg(0), ctx.arg(1)];
  ctx.describe([hex(config), hex(list)]);
  const m = ctx.mem;
  const P = B(ptrSize());
  const L = layout();
  // USBD_INTERFACE_LIST_ENTRY {PUSB_INTERFACE_DESCRIPTOR InterfaceDescriptor; PUSBD_INTERFACE_INFORMATION Interface}.
  const entries: { at: bigint; descriptor: bigint; pipes: number }[] = [];
  for (let i = 0; i < 256; i++) {
    const at = list + B(i) * 2n * P;
    const descriptor = readPtr(m, at);
    if (descriptor === 0n) break;
    entries.push({ at, descriptor, pipes: m.u8(descriptor + 4n) });
  }
  const pipes = entries.reduce((n, e) => n + e.pipes, 0);
  // GET_SELECT_CONFIGURATION_REQUEST_SIZE(totalInterfaces, totalPipes) (usbdlib.h).
  const size = L.selectConfig + (entries.length - 1) * L.iface + (pipes - entries.length) * L.pipe;
  const urb = ctx.pool.allocate(size, TAG_USBD, NON_PAGED_POOL, true);
  if (urb === 0n) return 0n;
  m.setU16(urb, size);
  m.setU16(urb + 2n, URB_FUNCTION_SELECT_CONFIGURATION);
  writePtr(m, urb + B(L.configDescriptor), config);
  let info = urb + B(L.interfaceAt);
  for (const e of entries) {
    // GET_USBD_INTERFACE_SIZE(numEndpoints)
    const len = L.iface + (e.pipes - 1) * L.pipe;
    m.setU16(info, len);
    m.setU8(info + 2n, m.u8(e.descriptor + 2n));
    m.setU8(info + 3n, m.u8(e.descriptor + 3n));
    m.setU32(info + B(L.numberOfPipes), e.pipes);
    for (let j = 0; j < e.pipes; j++) m.setU32(info + B(L.pipesAt + j * L.pipe + L.pipeMaxTransfer), USBD_DEFAULT_MAXIMUM_TRANSFER_SIZE);
    writePtr(m, e.at + P, info);
    info += B(len);
  }
  return urb;
}

/** The routines usbd.sys's handlers serve (export names: the kernel export database's usbd.sys lists). */
export const apis: ApiDefinition[] = [
  api(USBD, "USBD_GetUSBDIVersion", 1, getUsbdiVersion),
  api(USBD, "USBD_ParseDescriptors", 4, parseDescriptorsApi),
  api(USBD, "USBD_ParseConfigurationDescriptorEx", 7, parseConfigurationDescriptorEx),
  api(USBD, "USBD_ParseConfigurationDescriptor", 3, parseConfigurationDescriptor),
  api(USBD, "USBD_GetInterfaceLength", 2, getInterfaceLength),
  api(USBD, "USBD_CreateConfigurationRequestEx", 2, createConfigurationRequestEx),
];

/**
 * x86 names mingw-w64's i686 library lacks: x86 usbd.sys exports these three routines undecorated
 * as well — 51 signed x86 USB drivers of the held-out corpus (issue 12, fresh4: Realtek card
 * readers RtsUStor.sys and others) import USBD_CreateConfigurationRequestEx and
 * USBD_ParseConfigurationDescriptorEx by those names. scripts/kernel-db.mjs adds them to the
 * kernel export database (stdcall, the decorated forms' argument bytes).
 */
export function usbdModuleExtras(arch: string): KernelExport[] {
  if (arch !== "x86") return [];
  return Object.entries(USBD_X86_ALIASES).map(([decorated, name]) => ({ name, type: "code" as const, call: "stdcall" as const, argBytes: Number(decorated.slice(decorated.indexOf("@") + 1)) }));
}

/** x86's decorated export names (the i686 import library's; x86 usbd.sys exports these three so) → the routine. */
export const USBD_X86_ALIASES: Record<string, string> = {
  "_USBD_CreateConfigurationRequestEx@8": "USBD_CreateConfigurationRequestEx",
  "_USBD_ParseConfigurationDescriptorEx@28": "USBD_ParseConfigurationDescriptorEx",
  "_USBD_ParseDescriptors@16": "USBD_ParseDescriptors",
};
