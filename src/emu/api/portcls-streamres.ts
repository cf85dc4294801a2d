/**
 * portcls.sys's stream resources (Microsoft Learn: PcAddStreamResource, PcRemoveStreamResource,
 * IPortClsStreamResourceManager, IPortClsStreamResourceManager2, PCSTREAMRESOURCE_DESCRIPTOR,
 * PcStreamResourceType; portcls.h, Windows 10 and later). "Audio drivers should register a resource
 * after creating the resource, and unregister the resource before deleted it": the interrupts and
 * driver-owned threads that carry an audio stream. The WaveRT port answers both interfaces
 * ("These methods can only be used by audio waveRT miniport drivers"); the WDK's SimpleAudioSample
 * registers and removes its current thread through them at start.
 *
 *   PcAddStreamResource(PhysicalDeviceObject, ResourceSet, ResourceDescriptor, ResourceHandle) and
 *   IPortClsStreamResourceManager2::AddStreamResource2 (the same arguments),
 *   IPortClsStreamResourceManager::AddStreamResource(ResourceSet, ResourceDescriptor,
 *   ResourceHandle) (the PDO is the descriptor's): STATUS_SUCCESS with a new handle, or
 *   STATUS_INVALID_PARAMETER ("if it finds any other parameter invalid"): a NULL handle pointer,
 *   no descriptor, a descriptor whose Size is not sizeof(PCSTREAMRESOURCE_DESCRIPTOR) (the size
 *   PCSTREAMRESOURCE_DESCRIPTOR_INIT writes), a PDO that is not a device object or differs from the
 *   descriptor's Pdo, a Type outside PcStreamResourceType (ePcStreamResourceInterrupt 0,
 *   ePcStreamResourceThread 1, ePcStreamResourceSet 2), an interrupt or thread resource whose
 *   pointer is NULL; *ResourceHandle is NULL then.
 *   PcRemoveStreamResource(ResourceHandle), RemoveStreamResource(ResourceHandle): STATUS_SUCCESS for
 *   a handle the add returned and not removed since; another value: STATUS_INVALID_PARAMETER.
 * PCSTREAMRESOURCE_DESCRIPTOR: ULONG Size, ULONG Flags, PDEVICE_OBJECT Pdo, PcStreamResourceType
 * Type, then the Resource union (Interrupt {ULONG Version; PVOID Generic}, PETHREAD Thread, PVOID
 * ResourceSet): x64 Pdo 8, Type 16, Resource 24 (Generic 32), size 40; x86 8, 12, 16 (20), size 24.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex } from "./util.js";
import { componentState } from "./state.js";
import { envOf, kalloc, kfree } from "../iomgr/index.js";
import { PORTCLS_MODULE, thisObject, type Method, type Secondary } from "./portcls-com.js";

const B = (n: number) => BigInt(n);
const TYPES = ["ePcStreamResourceInterrupt", "ePcStreamResourceThread", "ePcStreamResourceSet"];
const resources = componentState("portcls-streamres", () => new Map<bigint, { pdo: bigint; type: number }>());

function layout() {
  const p = ptrSize();
  return p === 8 ? { Pdo: 8, Type: 16, Resource: 24, Generic: 32, size: 40 } : { Pdo: 8, Type: 12, Resource: 16, Generic: 20, size: 24 };
}

/** The streaming resources registered now (for tests and reports). */
export function streamResources(kernel: ApiContext["kernel"]): { pdo: bigint; type: string }[] {
  return [...resources(kernel).values()].map((r) => ({ pdo: r.pdo, type: TYPES[r.type] ?? String(r.type) }));
}

function add(ctx: ApiContext, what: string, pdo: bigint | null, desc: bigint, out: bigint): number {
  const m = ctx.mem;
  const P = ptrSize();
  if (out === 0n || !m.isMapped(out, P)) {
    ctx.warn(`${what}: ResourceHandle ${hex(out)} is not writable: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  putPtr(m, out, 0n);
  const L = layout();
  const bad = (why: string): number => {
    ctx.warn(`${what}: ${why}: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  };
  if (desc === 0n || !m.isMapped(desc, L.size)) return bad(`the PCSTREAMRESOURCE_DESCRIPTOR ${hex(desc)} is not readable`);
  if (m.u32(desc) !== L.size) return bad(`the descriptor's Size is ${m.u32(desc)}, not sizeof(PCSTREAMRESOURCE_DESCRIPTOR) (${L.size}; PCSTREAMRESOURCE_DESCRIPTOR_INIT)`);
  const descPdo = getPtr(m, desc + B(L.Pdo));
  const dev = pdo ?? descPdo;
  if (dev === 0n || !m.isMapped(dev, 2) || m.u16(dev) !== 3) return bad(`the physical device object ${hex(dev)} is not a device object`);
  if (descPdo !== dev) return bad(`the descriptor's Pdo ${hex(descPdo)} is not PhysicalDeviceObject ${hex(dev)}`);
  const type = m.u32(desc + B(L.Type));
  if (type > 2) return bad(`Type ${type} is not a PcStreamResourceType`);
  if (type === 0 && getPtr(m, desc + B(L.Generic)) === 0n) return bad("an interrupt resource with a NULL Resource.Interrupt.Generic");
  if (type === 1 && getPtr(m, desc + B(L.Resource)) === 0n) return bad("a thread resource with a NULL Resource.Thread");
  const handle = kalloc(envOf(ctx), 16, 0x50635352); // 'RScP'
  resources(ctx.kernel).set(handle, { pdo: dev, type });
  putPtr(m, out, handle);
  return STATUS.SUCCESS;
}

function remove(ctx: ApiContext, what: string, handle: bigint): number {
  const st = resources(ctx.kernel);
  if (!st.has(handle)) {
    ctx.warn(`${what}: ${hex(handle)} is not a stream resource handle an add returned (or it was removed): STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  st.delete(handle);
  kfree(envOf(ctx), handle);
  return STATUS.SUCCESS;
}

const managerMethods: Method[] = [
  ["AddStreamResource", 4, (ctx) => {
    thisObject(ctx, "IPortClsStreamResourceManager::AddStreamResource");
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3))]);
    return add(ctx, "IPortClsStreamResourceManager::AddStreamResource", null, ctx.arg(2), ctx.arg(3));
  }],
  ["RemoveStreamResource", 2, (ctx) => {
    thisObject(ctx, "IPortClsStreamResourceManager::RemoveStreamResource");
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    return remove(ctx, "IPortClsStreamResourceManager::RemoveStreamResource", ctx.arg(1));
  }],
];

/** The WaveRT port's two stream resource manager interfaces (IIDs: portcls.h, Windows 10 WDK). */
export const STREAM_RESOURCE_MANAGERS: Secondary[] = [
  { iid: "{e1cd9915-cab1-4103-bb2f-7dc09c9be942}", iface: "IPortClsStreamResourceManager", methods: managerMethods },
  {
    iid: "{0d500bae-d565-469d-a0e2-f283760d7148}",
    iface: "IPortClsStreamResourceManager2",
    methods: [...managerMethods, ["AddStreamResource2", 5, (ctx) => {
      thisObject(ctx, "IPortClsStreamResourceManager2::AddStreamResource2");
      ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3)), hex(ctx.arg(4))]);
      return add(ctx, "IPortClsStreamResourceManager2::AddStreamResource2", ctx.arg(1), ctx.arg(3), ctx.arg(4));
    }]],
  },
];

export const streamResourceApis: ApiDefinition[] = [
  api(PORTCLS_MODULE, "PcAddStreamResource", 4, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3))]);
    return add(ctx, "PcAddStreamResource", ctx.arg(0), ctx.arg(2), ctx.arg(3));
  }),
  api(PORTCLS_MODULE, "PcRemoveStreamResource", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return remove(ctx, "PcRemoveStreamResource", ctx.arg(0));
  }),
];
