/**
 * Winsock Kernel (WSK) client registration in the synthetic netio.sys (Microsoft Learn, wsk.h).
 * The emulated machine has no network: the WSK subsystem is there (a client registers and
 * captures the provider NPI), but every provider call that needs a network reports so — it
 * completes the client's IRP with STATUS_NETWORK_UNREACHABLE and says why in a warning.
 *
 *   WskRegister(WskClientNpi, WskRegistration): WSK_CLIENT_NPI {PVOID ClientContext; const
 *     WSK_CLIENT_DISPATCH *Dispatch}, WSK_CLIENT_DISPATCH {USHORT Version; USHORT Reserved;
 *     PFN_WSK_CLIENT_EVENT WskClientEvent}. The WSK version the client asks for is
 *     MAKE_WSK_VERSION(Mj, Mn) = Mj << 8 | Mn; the WSK subsystem supports version 1.0, a client
 *     asking for another major version gets STATUS_NOINTERFACE. The registration (WSK_REGISTRATION,
 *     opaque to the client) is caller memory; registering it twice is a bug check report.
 *   WskCaptureProviderNPI(WskRegistration, WaitTimeout, WskProviderNpi): fills WSK_PROVIDER_NPI
 *     {PWSK_CLIENT Client; const WSK_PROVIDER_DISPATCH *Dispatch}; the subsystem is always ready
 *     (no wait). After WskDeregister it fails with STATUS_DEVICE_NOT_READY. Each successful
 *     capture must be released with WskReleaseProviderNPI.
 *   WskReleaseProviderNPI(WskRegistration): releases one capture; with none outstanding it is a
 *     bug check report.
 *   WskDeregister(WskRegistration): Learn — it "blocks until all captured instances of the
 *     provider NPI are released"; deregistering with captures still held would hang Windows and
 *     is a deadlock report here.
 *
 * WSK_PROVIDER_DISPATCH {USHORT Version; USHORT Reserved; WskSocket; WskSocketConnect;
 * WskControlClient; WskGetAddressInfo; WskFreeAddressInfo; WskGetNameInfo}: WskSocket,
 * WskSocketConnect, WskGetAddressInfo and WskGetNameInfo complete their IRP (the client set its
 * completion routine in the next stack location, as Learn's "Using IRPs with Winsock Kernel
 * Functions" shows) with STATUS_NETWORK_UNREACHABLE and return it; WskControlClient returns
 * STATUS_NOT_SUPPORTED (no transport to query); WskFreeAddressInfo has nothing to free (no
 * ADDRINFOEXW is ever returned) and ignores NULL, other pointers are a bug check report.
 */
import type { ApiContext, ApiDefinition, KernelState } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex } from "../api/util.js";
import { componentState } from "../api/state.js";
import { completeRequest } from "../iomgr/dispatch.js";
import { envOf } from "../iomgr/env.js";

export const NETIO = "netio.sys";
const B = (n: number) => BigInt(n);
/** ntstatus.h */
export const STATUS_NETWORK_UNREACHABLE = 0xc000023c;
const STATUS_NOINTERFACE = 0xc00002b9;
const WSK_VERSION_1_0 = 0x0100;
const NON_PAGED_POOL_NX = 512;
const TAG_WSK = 0x6b73574e; // 'NWsk'
const IO_TYPE_IRP = 6;

interface Registration {
  module: string;
  captures: number;
  deregistered: boolean;
}
const wskState = componentState("netio-wsk", () => ({ registrations: new Map<bigint, Registration>(), dispatch: 0n, client: 0n }));

const netio = (name: string, argc: number, h: ApiDefinition["handler"]) => api(NETIO, name, argc, h);

/** Complete a client's IRP as the WSK provider does: set the status, step to the stack location holding the client's completion routine, IoCompleteRequest. */
function completeClientIrp(ctx: ApiContext, irp: bigint, status: number, what: string): number {
  const m = ctx.mem;
  const IRP = LAYOUT.IRP;
  if (irp === 0n) ctx.fault("bugcheck", `${what}: Irp is NULL (WSK routines take a caller-allocated IRP)`, { code: "0x0000001E" });
  if (m.u16(irp + B(IRP.Type)) !== IO_TYPE_IRP) ctx.fault("bugcheck", `${what}: ${hex(irp)} is not an IRP`, { code: "0x0000001E" });
  const loc = m.u8(irp + B(IRP.CurrentLocation));
  if (loc <= 1) ctx.fault("bugcheck", `${what}: the IRP ${hex(irp)} has no stack location left for the provider (allocate it with at least one)`, { code: "0x00000035" });
  // IoSetNextIrpStackLocation: the location the client's IoSetCompletionRoutine filled becomes current.
  m.setU8(irp + B(IRP.CurrentLocation), loc - 1);
  const sl = getPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
  putPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]), sl - B(LAYOUT.IO_STACK_LOCATION.$size));
  m.setU32(irp + B(IRP.IoStatus), status);
  putPtr(m, irp + B(IRP.IoStatus) + B(ptrSize()), 0n);
  completeRequest(envOf(ctx), irp);
  return status;
}

function noNetwork(name: string, irpArg: number) {
  return (ctx: ApiContext): number => {
    const irp = ctx.arg(irpArg);
    ctx.describe([hex(ctx.arg(0)), `Irp=${hex(irp)}`]);
    ctx.warn(`${name}: the emulated machine has no network (no interface, no route, no name resolution); the IRP completes with STATUS_NETWORK_UNREACHABLE`);
    return completeClientIrp(ctx, irp, STATUS_NETWORK_UNREACHABLE, name);
  };
}

/** The provider dispatch table and client handle, made once per kernel from internal routines. */
function providerDispatch(ctx: ApiContext): { dispatch: bigint; client: bigint } {
  const st = wskState(ctx.kernel);
  if (st.dispatch !== 0n) return st;
  const k: KernelState = ctx.kernel;
  if (!k.internalRoutine || !k.kernelPool) throw new Error("the emulator core provides no internal routines");
  const routines: [string, number, (c: ApiContext) => number | void][] = [
    // WskSocket(Client, AddressFamily, SocketType, Protocol, Flags, SocketContext, Dispatch, OwningProcess, OwningThread, SecurityDescriptor, Irp)
    ["WskSocket", 11, noNetwork("WskSocket", 10)],
    // WskSocketConnect(Client, SocketType, Protocol, LocalAddress, RemoteAddress, Flags, SocketContext, Dispatch, OwningProcess, OwningThread, SecurityDescriptor, Irp)
    ["WskSocketConnect", 12, noNetwork("WskSocketConnect", 11)],
    // WskControlClient(Client, ControlCode, InputSize, InputBuffer, OutputSize, OutputBuffer, OutputSizeReturned, Irp)
    ["WskControlClient", 8, (c) => {
      c.describe([hex(c.arg(0)), hex(c.u32(1))]);
      c.warn(`WskControlClient(${hex(c.u32(1))}): the emulated machine has no transport to control; STATUS_NOT_SUPPORTED`);
      const irp = c.arg(7);
      return irp === 0n ? STATUS.NOT_SUPPORTED : completeClientIrp(c, irp, STATUS.NOT_SUPPORTED, "WskControlClient");
    }],
    // WskGetAddressInfo(Client, NodeName, ServiceName, NameSpace, Provider, Hints, Result, OwningProcess, OwningThread, Irp)
    ["WskGetAddressInfo", 10, noNetwork("WskGetAddressInfo", 9)],
    // WskFreeAddressInfo(Client, AddrInfo)
    ["WskFreeAddressInfo", 2, (c) => {
      c.describe([hex(c.arg(0)), hex(c.arg(1))]);
      if (c.arg(1) !== 0n) c.fault("bugcheck", `WskFreeAddressInfo(${hex(c.arg(1))}): not an ADDRINFOEXW WskGetAddressInfo returned (it returns none here)`, { code: "0x000000C2" });
    }],
    // WskGetNameInfo(Client, SockAddr, SockAddrLength, NodeName, ServiceName, Flags, OwningProcess, OwningThread, Irp)
    ["WskGetNameInfo", 9, noNetwork("WskGetNameInfo", 8)],
  ];
  const p = ptrSize();
  const table = k.kernelPool.allocate(4 + 4 + routines.length * p, TAG_WSK);
  ctx.mem.setU16(table, WSK_VERSION_1_0);
  ctx.mem.setU16(table + 2n, 0);
  routines.forEach(([name, argc, h], i) => putPtr(ctx.mem, table + B(p + i * p), k.internalRoutine!(name, h, argc, NETIO)));
  st.dispatch = table;
  st.client = k.kernelPool.allocate(0x20, TAG_WSK);
  return st;
}

export const wskApis: ApiDefinition[] = [
  netio("WskRegister", 2, (ctx) => {
    const [npi, reg] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(npi), hex(reg)]);
    if (npi === 0n || reg === 0n) ctx.fault("bugcheck", `WskRegister: ${npi === 0n ? "WskClientNpi" : "WskRegistration"} is NULL`, { code: "0x0000001E" });
    const dispatch = getPtr(ctx.mem, npi + B(ptrSize()));
    if (dispatch === 0n) ctx.fault("bugcheck", "WskRegister: WskClientNpi->Dispatch is NULL", { code: "0x0000001E" });
    const version = ctx.mem.u16(dispatch);
    if (version >> 8 !== 1) {
      ctx.warn(`WskRegister: the client asks for WSK ${version >> 8}.${version & 0xff}; the WSK subsystem supports 1.0 (STATUS_NOINTERFACE)`);
      return STATUS_NOINTERFACE;
    }
    const st = wskState(ctx.kernel);
    const r = st.registrations.get(reg);
    if (r && !r.deregistered) ctx.fault("bugcheck", `WskRegister: the WSK_REGISTRATION at ${hex(reg)} is registered already (${r.module})`, { code: "0x0000001E" });
    ctx.mem.write(reg, new Uint8Array(ptrSize() === 8 ? 24 : 16));
    st.registrations.set(reg, { module: ctx.caller?.module ?? "?", captures: 0, deregistered: false });
    return STATUS.SUCCESS;
  }),
  netio("WskCaptureProviderNPI", 3, (ctx) => {
    const [reg, timeout, out] = [ctx.arg(0), ctx.u32(1), ctx.arg(2)];
    ctx.describe([hex(reg), timeout === 0xffffffff ? "WSK_INFINITE_WAIT" : String(timeout), hex(out)]);
    const r = wskState(ctx.kernel).registrations.get(reg);
    if (!r) return ctx.fault("bugcheck", `WskCaptureProviderNPI(${hex(reg)}): not a WSK_REGISTRATION WskRegister initialized`, { code: "0x0000001E" });
    if (r.deregistered) return STATUS.DEVICE_NOT_READY;
    if (out === 0n) ctx.fault("bugcheck", "WskCaptureProviderNPI: WskProviderNpi is NULL", { code: "0x0000001E" });
    const { dispatch, client } = providerDispatch(ctx);
    putPtr(ctx.mem, out, client);
    putPtr(ctx.mem, out + B(ptrSize()), dispatch);
    r.captures++;
    return STATUS.SUCCESS;
  }),
  netio("WskReleaseProviderNPI", 1, (ctx) => {
    const reg = ctx.arg(0);
    ctx.describe([hex(reg)]);
    const r = wskState(ctx.kernel).registrations.get(reg);
    if (!r || r.captures === 0) return ctx.fault("bugcheck", `WskReleaseProviderNPI(${hex(reg)}): ${r ? "no captured provider NPI to release" : "not a WSK_REGISTRATION WskRegister initialized"}`, { code: "0x0000001E" });
    r.captures--;
  }),
  netio("WskDeregister", 1, (ctx) => {
    const reg = ctx.arg(0);
    ctx.describe([hex(reg)]);
    const st = wskState(ctx.kernel);
    const r = st.registrations.get(reg);
    if (!r || r.deregistered) return ctx.fault("bugcheck", `WskDeregister(${hex(reg)}): not a WSK_REGISTRATION WskRegister initialized (or deregistered already)`, { code: "0x0000001E" });
    if (r.captures > 0) ctx.fault("deadlock", `WskDeregister(${hex(reg)}) with ${r.captures} captured provider NPI(s) not released: Windows waits for WskReleaseProviderNPI, which nothing will call`);
    r.deregistered = true;
  }),
];
