/**
 * portcls.sys's resource list and port objects (portcls.h; Microsoft Learn's portcls.h
 * reference; method order from mingw-w64's ddk/portcls.h).
 *
 *   IResourceList (NumberOfEntries, NumberOfEntriesOfType(Type), FindTranslatedEntry(Type, Index),
 *     FindUntranslatedEntry(Type, Index), AddEntry(Translated, Untranslated),
 *     AddEntryFromParent(Parent, Type, Index), TranslatedList, UntranslatedList): the resources
 *     portcls hands the adapter's StartDevice, and what PcNewResourceList / PcNewResourceSublist
 *     make. The object keeps its own copies of the translated and raw CM_RESOURCE_LISTs (the
 *     START IRP's lists belong to the PnP manager); it describes the first full descriptor, the
 *     adapter's one bus. FindXxxEntry: the Index'th descriptor of that CM_RESOURCE_TYPE (0-based),
 *     NULL past the last. A list without resources (a root-enumerated virtual device) has no
 *     entries and NULL lists. AddEntry / AddEntryFromParent append to a sublist up to its
 *     MaximumEntries (Learn: "the maximum number of entries that will be added to the resource
 *     list"); beyond it, or on a list that is not a sublist, STATUS_INSUFFICIENT_RESOURCES;
 *     AddEntryFromParent with no such entry in the parent: STATUS_INVALID_PARAMETER.
 *   PcNewResourceList(OutResourceList, OuterUnknown, PoolType, TranslatedResources,
 *     UntranslatedResources), PcNewResourceSublist(OutResourceList, OuterUnknown, PoolType,
 *     ParentList, MaximumEntries): a NULL output pointer is a bug check report; a NULL ParentList
 *     or a MaximumEntries of 0: STATUS_INVALID_PARAMETER.
 *   PcNewPort(OutPort, ClassId): CLSID_PortTopology, CLSID_PortWaveCyclic and CLSID_PortWaveRT
 *     make a port object answering IPort and its own IID; the other port classes Learn lists
 *     (WavePci, Midi, DMus) are emulator gaps; another GUID is STATUS_NOT_SUPPORTED (ReactOS
 *     drivers/wdm/audio/backpln/portcls/port.cpp, PcNewPort's last branch).
 *   IPort::Init(DeviceObject, Irp, UnknownMiniport, UnknownAdapter, ResourceList) (Learn:
 *     "initializes the port driver"; it binds the miniport): portcls asks the miniport for its
 *     class's interface (IMiniportTopology, IMiniportWaveCyclic, IMiniportWaveRT); a miniport
 *     without it: STATUS_INVALID_PARAMETER. Then the miniport's Init(UnknownAdapter, ResourceList,
 *     Port) and GetDescription(&FilterDescriptor); a failure of either is Init's status (the
 *     miniport is released). A second Init: STATUS_INVALID_DEVICE_REQUEST (kmdll's choice: the
 *     port is already bound). The port holds the miniport until the device is removed (./portcls-adapter.ts)
 *     or its last reference goes. GetDeviceProperty answers as PcGetDeviceProperty for the port's
 *     device (./portcls-regkey.ts); NewRegistryKey and the wave ports' DMA and Notify methods are gaps. Every port also answers IPortEvents and IPortClsVersion (below), the WaveRT port the
 *     stream resource managers (./portcls-streamres.ts).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS, ntSuccess, formatStatus } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex } from "./util.js";
import { envOf, kalloc, kfree } from "../iomgr/index.js";
import { guidAt } from "../pnp/interfaces.js";
import { STREAM_RESOURCE_MANAGERS } from "./portcls-streamres.js";
import { deviceProperty } from "./portcls-regkey.js";
import { GUIDS, PORTCLS_MODULE, STATUS_UNSUCCESSFUL, callMethod, newObject, pcObject, queryInterface, releaseInterface, thisObject, type Method, type PcObject, type Secondary } from "./portcls-com.js";

const B = (n: number) => BigInt(n);
const TAG = 0x6c436350;
const L = LAYOUT.CM_RESOURCE_LIST;
const F = LAYOUT.CM_FULL_RESOURCE_DESCRIPTOR;
const P = LAYOUT.CM_PARTIAL_RESOURCE_LIST;
const D = LAYOUT.CM_PARTIAL_RESOURCE_DESCRIPTOR;
const MAX_ENTRIES = 256;
const pc = (name: string, argc: number, h: ApiDefinition["handler"]) => api(PORTCLS_MODULE, name, argc, h);

/** Where the partial descriptors of a list's first full descriptor start, and how many there are. */
function partials(ctx: ApiContext, list: bigint): { at: bigint; count: number } {
  if (list === 0n || ctx.mem.u32(list + B(L.Count)) === 0) return { at: 0n, count: 0 };
  const partial = list + B(L.List + F.PartialResourceList);
  return { at: partial + B(P.PartialDescriptors), count: Math.min(ctx.mem.u32(partial + B(P.Count)), MAX_ENTRIES) };
}

/** A CM_RESOURCE_LIST with one full descriptor (room for `cap` descriptors), copying `from`'s header and first `copy` descriptors. */
function newList(ctx: ApiContext, from: bigint, cap: number, copy: number): bigint {
  const size = L.List + F.PartialResourceList + P.PartialDescriptors + Math.max(cap, 1) * D.$size;
  const at = kalloc(envOf(ctx), size, TAG);
  const m = ctx.mem;
  m.write(at, new Uint8Array(size));
  m.setU32(at + B(L.Count), 1);
  const full = at + B(L.List);
  if (from !== 0n && m.u32(from + B(L.Count)) !== 0) m.write(full, m.read(from + B(L.List), F.PartialResourceList + P.PartialDescriptors));
  m.setU32(full + B(F.PartialResourceList + P.Count), copy);
  if (copy > 0) m.write(full + B(F.PartialResourceList + P.PartialDescriptors), m.read(partials(ctx, from).at, copy * D.$size));
  return at;
}

function nth(ctx: ApiContext, list: bigint, type: number, index: number): bigint {
  const { at, count } = partials(ctx, list);
  let seen = 0;
  for (let i = 0; i < count; i++) {
    const d = at + B(i * D.$size);
    if (ctx.mem.u8(d + B(D.Type)) === type && seen++ === index) return d;
  }
  return 0n;
}

/** Append one translated/raw descriptor pair to a sublist. */
function append(ctx: ApiContext, o: PcObject, translated: bigint, untranslated: bigint): number {
  const count = partials(ctx, o.translated!).count;
  if (o.maxEntries === undefined || count >= o.maxEntries) return STATUS.INSUFFICIENT_RESOURCES;
  const m = ctx.mem;
  for (const [list, d] of [[o.translated!, translated], [o.untranslated!, untranslated]] as const) {
    const partial = list + B(L.List + F.PartialResourceList);
    m.write(partial + B(P.PartialDescriptors + count * D.$size), m.read(d, D.$size));
    m.setU32(partial + B(P.Count), count + 1);
  }
  return STATUS.SUCCESS;
}

const entryArgs = (ctx: ApiContext): [number, number] => [ctx.u32(1) & 0xff, ctx.u32(2)];

const RESOURCE_LIST_METHODS: Method[] = [
  ["NumberOfEntries", 1, (ctx) => B(partials(ctx, thisObject(ctx, "IResourceList::NumberOfEntries").translated!).count)],
  ["NumberOfEntriesOfType", 2, (ctx) => {
    const o = thisObject(ctx, "IResourceList::NumberOfEntriesOfType");
    const { at, count } = partials(ctx, o.translated!);
    let n = 0;
    for (let i = 0; i < count; i++) if (ctx.mem.u8(at + B(i * D.$size + D.Type)) === (ctx.u32(1) & 0xff)) n++;
    return B(n);
  }],
  ["FindTranslatedEntry", 3, (ctx) => nth(ctx, thisObject(ctx, "IResourceList::FindTranslatedEntry").translated!, ...entryArgs(ctx))],
  ["FindUntranslatedEntry", 3, (ctx) => nth(ctx, thisObject(ctx, "IResourceList::FindUntranslatedEntry").untranslated!, ...entryArgs(ctx))],
  ["AddEntry", 3, (ctx) => {
    const o = thisObject(ctx, "IResourceList::AddEntry");
    const [t, u] = [ctx.arg(1), ctx.arg(2)];
    if (t === 0n || u === 0n) return STATUS.INVALID_PARAMETER;
    return append(ctx, o, t, u);
  }],
  ["AddEntryFromParent", 4, (ctx) => {
    const o = thisObject(ctx, "IResourceList::AddEntryFromParent");
    const parent = pcObject(ctx.kernel, ctx.arg(1));
    if (!parent || parent.kind !== "resourceList") return ctx.fault("bugcheck", `IResourceList::AddEntryFromParent: Parent ${hex(ctx.arg(1))} is not a portcls resource list`, { code: "0x0000001E" });
    const [type, index] = [ctx.u32(2) & 0xff, ctx.u32(3)];
    const t = nth(ctx, parent.translated!, type, index);
    const u = nth(ctx, parent.untranslated!, type, index);
    if (t === 0n || u === 0n) return STATUS.INVALID_PARAMETER;
    return append(ctx, o, t, u);
  }],
  ["TranslatedList", 1, (ctx) => thisObject(ctx, "IResourceList::TranslatedList").translated!],
  ["UntranslatedList", 1, (ctx) => thisObject(ctx, "IResourceList::UntranslatedList").untranslated!],
];

/** A resource list object over copies of `translated` / `untranslated` (0n: none). */
export function newResourceList(ctx: ApiContext, translated: bigint, untranslated: bigint): PcObject {
  const t = translated === 0n ? 0n : newList(ctx, translated, partials(ctx, translated).count, partials(ctx, translated).count);
  const u = untranslated === 0n ? 0n : newList(ctx, untranslated, partials(ctx, untranslated).count, partials(ctx, untranslated).count);
  return newObject(ctx, "IResourceList", RESOURCE_LIST_METHODS, { kind: "resourceList", iids: [GUIDS.IResourceList], translated: t, untranslated: u, destroy: (c) => freeLists(c, t, u) });
}

function freeLists(ctx: ApiContext, ...lists: bigint[]): void {
  for (const l of lists) if (l !== 0n) kfree(envOf(ctx), l);
}

function outPointer(ctx: ApiContext, out: bigint, what: string): void {
  if (out === 0n || !ctx.mem.isMapped(out, ptrSize())) ctx.fault("bugcheck", `${what}: the output pointer ${hex(out)} is not writable`, { code: "0x0000001E" });
}

/** The port classes kmdll models: the CLSID, the port's IID, the miniport interface its Init asks for. */
const PORT_CLASSES: Record<string, { name: string; port: string; miniport: string; extra: Method[]; more?: Secondary[] }> = {
  [GUIDS.CLSID_PortTopology]: { name: "PortTopology", port: GUIDS.IPortTopology, miniport: GUIDS.IMiniportTopology, extra: [] },
  [GUIDS.CLSID_PortWaveRT]: { name: "PortWaveRT", port: GUIDS.IPortWaveRT, miniport: GUIDS.IMiniportWaveRT, extra: [], more: STREAM_RESOURCE_MANAGERS },
  [GUIDS.CLSID_PortWaveCyclic]: { name: "PortWaveCyclic", port: GUIDS.IPortWaveCyclic, miniport: GUIDS.IMiniportWaveCyclic, extra: [["Notify", 2, null], ["NewSlaveDmaChannel", 8, null], ["NewMasterDmaChannel", 9, null]] },
};
/** Port classes Learn lists for PcNewPort that kmdll does not model. */
const OTHER_PORTS: Record<string, string> = {
  "{b4c90a54-5791-11d0-86f9-00a0c911b544}": "CLSID_PortWavePci",
  "{b4c90a43-5791-11d0-86f9-00a0c911b544}": "CLSID_PortMidi",
  "{b7902fe9-fb0a-11d1-81b0-0060083316c1}": "CLSID_PortDMus",
};

function portInit(ctx: ApiContext): number {
  const port = thisObject(ctx, "IPort::Init");
  const [device, irp, unknownMiniport, unknownAdapter, resources] = [ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), ctx.arg(5)];
  ctx.describe([hex(port.addr), hex(device), hex(irp), hex(unknownMiniport), hex(unknownAdapter), hex(resources)]);
  if (port.miniport !== undefined) {
    ctx.warn(`IPort::Init(${hex(port.addr)}): the ${port.portClass} port is already bound to the miniport ${hex(port.miniport)}: STATUS_INVALID_DEVICE_REQUEST`);
    return STATUS.INVALID_DEVICE_REQUEST;
  }
  const cls = Object.values(PORT_CLASSES).find((c) => c.name === port.portClass)!;
  const miniport = queryInterface(ctx, unknownMiniport, cls.miniport, `IPort::Init(${cls.name})`);
  if (miniport === 0n) {
    ctx.warn(`IPort::Init: the miniport ${hex(unknownMiniport)} does not answer the ${cls.name} port's miniport interface ${cls.miniport}: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  // IMiniportXxx: IUnknown (0-2), IMiniport's GetDescription (3) and DataRangeIntersection (4), then Init (5).
  let status = callMethod(ctx, miniport, 5, [unknownAdapter, resources, port.addr], `${cls.name} miniport Init`);
  let descriptor = 0n;
  if (ntSuccess(status)) {
    const out = kalloc(envOf(ctx), 8, TAG);
    ctx.mem.setU64(out, 0n);
    status = callMethod(ctx, miniport, 3, [out], `${cls.name} miniport GetDescription`);
    descriptor = getPtr(ctx.mem, out);
    kfree(envOf(ctx), out);
    if (ntSuccess(status) && descriptor === 0n) {
      ctx.warn(`IPort::Init: the ${cls.name} miniport's GetDescription succeeded without a PCFILTER_DESCRIPTOR: STATUS_UNSUCCESSFUL`);
      status = STATUS_UNSUCCESSFUL;
    }
  }
  if (!ntSuccess(status)) {
    ctx.warn(`IPort::Init: the ${cls.name} miniport failed: ${formatStatus(status)}`);
    releaseInterface(ctx, miniport, "IPort::Init");
    return status;
  }
  Object.assign(port, { miniport, device, filterDescriptor: descriptor });
  return STATUS.SUCCESS;
}

/** The port's miniport goes (the device's removal, or the port's last Release). */
export function unbindMiniport(ctx: ApiContext, port: PcObject): void {
  const mp = port.miniport;
  if (mp === undefined || mp === 0n) return;
  port.miniport = 0n;
  releaseInterface(ctx, mp, `${port.portClass} port`);
}

/**
 * IPortEvents, which every port driver supports (Learn, "IPortEvents"; a topology miniport asks its
 * port for it in Init). AddEventToEventList(EventEntry) adds an event a client enabled through a KS
 * property request: none exists without KS filters, so a call is a gap. GenerateEventList(Set,
 * EventId, PinEvent, PinId, NodeEvent, NodeId) signals the matching events of the list: the list is
 * empty, nothing is signalled.
 */
const PORT_EVENTS: Secondary = {
  iid: GUIDS.IPortEvents,
  iface: "IPortEvents",
  methods: [["AddEventToEventList", 2, null], ["GenerateEventList", 7, (ctx) => {
    thisObject(ctx, "IPortEvents::GenerateEventList");
    ctx.describe([hex(ctx.arg(0)), ctx.arg(1) === 0n ? "NULL" : guidAt(ctx.mem, ctx.arg(1)), String(ctx.u32(2)), String(ctx.u32(3) & 0xff), String(ctx.u32(4)), String(ctx.u32(5) & 0xff), String(ctx.u32(6))]);
  }]],
};

/**
 * IPortClsVersion (Learn: "the port drivers ... expose IPortClsVersion"; adapters ask a port for it
 * to learn which PortCls they run on, e.g. Conexant's and C-Media's HD audio drivers of fresh4 fail
 * their start without it). GetVersion returns a PORTCLS_VERSION value: kmdll answers
 * kVersionWinServer2003_UAAQFE (13), the newest value of mingw-w64's ddk/portcls.h enumeration
 * (kVersionWin98 = 0 ...), a PortCls that supports the IUnregister* interfaces.
 */
const PORTCLS_VERSION: Secondary = {
  iid: "{7d89a7bb-869b-4567-8dbe-1e168cc853de}",
  iface: "IPortClsVersion",
  methods: [["GetVersion", 1, (ctx) => {
    thisObject(ctx, "IPortClsVersion::GetVersion");
    return 13n;
  }]],
};

/** IPort::GetDeviceProperty: the property of the device the port was bound on (Init), as PcGetDeviceProperty. */
function portDeviceProperty(ctx: ApiContext): number {
  const port = thisObject(ctx, "IPort::GetDeviceProperty");
  if (port.device === undefined) {
    ctx.warn(`IPort::GetDeviceProperty(${hex(port.addr)}): the port is not bound to a device yet (IPort::Init): STATUS_INVALID_DEVICE_REQUEST`);
    return STATUS.INVALID_DEVICE_REQUEST;
  }
  return deviceProperty(ctx, "IPort::GetDeviceProperty", port.device, [B(ctx.u32(1)), B(ctx.u32(2)), ctx.arg(3), ctx.arg(4)]);
}

function newPort(ctx: ApiContext): number {
  const [out, clsid] = [ctx.arg(0), ctx.arg(1)];
  outPointer(ctx, out, "PcNewPort");
  const id = guidAt(ctx.mem, clsid);
  ctx.describe([hex(out), id]);
  const cls = PORT_CLASSES[id];
  if (!cls) {
    if (OTHER_PORTS[id]) ctx.fault("unimplemented-api", `kmdll does not implement portcls's ${OTHER_PORTS[id]} port (PcNewPort)`);
    putPtr(ctx.mem, out, 0n);
    return STATUS.NOT_SUPPORTED;
  }
  const methods: Method[] = [["Init", 6, portInit], ["GetDeviceProperty", 5, portDeviceProperty], ["NewRegistryKey", 8, null], ...cls.extra];
  const port = newObject(ctx, `I${cls.name}`, methods, { kind: "port", iids: [GUIDS.IPort, cls.port], portClass: cls.name, destroy: (c) => unbindMiniport(c, port) }, [PORT_EVENTS, PORTCLS_VERSION, ...(cls.more ?? [])]);
  putPtr(ctx.mem, out, port.addr);
  return STATUS.SUCCESS;
}

export const objectApis: ApiDefinition[] = [
  pc("PcNewResourceList", 5, (ctx) => {
    const [out, outer, poolType, t, u] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4)];
    ctx.describe([hex(out), hex(outer), String(poolType), hex(t), hex(u)]);
    outPointer(ctx, out, "PcNewResourceList");
    putPtr(ctx.mem, out, newResourceList(ctx, t, u).addr);
    return STATUS.SUCCESS;
  }),
  pc("PcNewResourceSublist", 5, (ctx) => {
    const [out, outer, poolType, parent, max] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.u32(4)];
    ctx.describe([hex(out), hex(outer), String(poolType), hex(parent), String(max)]);
    outPointer(ctx, out, "PcNewResourceSublist");
    const p = parent === 0n ? undefined : pcObject(ctx.kernel, parent);
    if (parent !== 0n && (!p || p.kind !== "resourceList")) ctx.fault("bugcheck", `PcNewResourceSublist: ParentList ${hex(parent)} is not a portcls resource list`, { code: "0x0000001E" });
    if (!p || max === 0) {
      putPtr(ctx.mem, out, 0n);
      return STATUS.INVALID_PARAMETER;
    }
    const cap = Math.min(max, MAX_ENTRIES);
    const [t, u] = [newList(ctx, p.translated!, cap, 0), newList(ctx, p.untranslated!, cap, 0)];
    const o = newObject(ctx, "IResourceList", RESOURCE_LIST_METHODS, { kind: "resourceList", iids: [GUIDS.IResourceList], translated: t, untranslated: u, maxEntries: cap, destroy: (c) => freeLists(c, t, u) });
    putPtr(ctx.mem, out, o.addr);
    return STATUS.SUCCESS;
  }),
  pc("PcNewPort", 2, newPort),
];
