/**
 * portcls.sys's service groups (Microsoft Learn: PcNewServiceGroup, IServiceGroup, IServiceSink;
 * portcls.h, method order and IIDs of mingw-w64's ddk/portcls.h). 194 of the 299 portcls adapters
 * of the DriverPack set fresh4 import PcNewServiceGroup: a WaveCyclic or WavePci miniport makes one
 * in Init to have its streams serviced when its interrupt fires.
 *
 *   PcNewServiceGroup(OutServiceGroup, OuterUnknown): a new service group with no member; a NULL
 *     output pointer is a bug check report.
 *   IServiceGroup (answers IServiceGroup and IServiceSink): AddMember(ServiceSink) takes a reference
 *     on the sink and adds it (STATUS_SUCCESS; a NULL sink: STATUS_INVALID_PARAMETER);
 *     RemoveMember(ServiceSink) drops it (a sink that is no member: nothing happens);
 *     RequestService calls each member's IServiceSink::RequestService (slot 3) in the order they were
 *     added — Learn: the group "forwards the service request to all of its member objects";
 *     SupportDelayedService marks the group as one that supports delayed service;
 *     RequestDelayedService(ullDelay) on such a group is a gap (its timer is not modelled), on another
 *     one a warning (Learn: SupportDelayedService must be called first) with nothing done;
 *     CancelDelayedService: no delayed request is ever pending, nothing to cancel. The last Release
 *     releases the members.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex } from "./util.js";
import { PORTCLS_MODULE, addRef, callMethod, newObject, releaseInterface, thisObject, type Method } from "./portcls-com.js";

const IID_IServiceSink = "{22c6ac64-851b-11d0-9a7f-00aa0038acfe}";
const IID_IServiceGroup = "{22c6ac65-851b-11d0-9a7f-00aa0038acfe}";

const METHODS: Method[] = [
  ["RequestService", 1, (ctx) => {
    const g = thisObject(ctx, "IServiceGroup::RequestService");
    for (const sink of [...(g.members ?? [])]) callMethod(ctx, sink, 3, [], "IServiceGroup::RequestService: a member's RequestService");
  }],
  ["AddMember", 2, (ctx) => {
    const g = thisObject(ctx, "IServiceGroup::AddMember");
    const sink = ctx.arg(1);
    if (sink === 0n) return STATUS.INVALID_PARAMETER;
    addRef(ctx, sink, "IServiceGroup::AddMember");
    (g.members ??= []).push(sink);
    return STATUS.SUCCESS;
  }],
  ["RemoveMember", 2, (ctx) => {
    const g = thisObject(ctx, "IServiceGroup::RemoveMember");
    const i = (g.members ?? []).indexOf(ctx.arg(1));
    if (i < 0) return;
    g.members!.splice(i, 1);
    releaseInterface(ctx, ctx.arg(1), "IServiceGroup::RemoveMember");
  }],
  ["SupportDelayedService", 1, (ctx) => {
    thisObject(ctx, "IServiceGroup::SupportDelayedService").delayed = true;
  }],
  ["RequestDelayedService", 2, (ctx) => {
    const g = thisObject(ctx, "IServiceGroup::RequestDelayedService");
    if (!g.delayed) return ctx.warn(`IServiceGroup::RequestDelayedService(${hex(g.addr)}): the group was not set up with SupportDelayedService; nothing is scheduled`);
    ctx.fault("unimplemented-api", `kmdll does not implement portcls's delayed service (IServiceGroup::RequestDelayedService on ${hex(g.addr)}): its timer is not modelled`);
  }],
  ["CancelDelayedService", 1, (ctx) => {
    thisObject(ctx, "IServiceGroup::CancelDelayedService");
  }],
];

export const serviceGroupApis: ApiDefinition[] = [
  api(PORTCLS_MODULE, "PcNewServiceGroup", 2, (ctx: ApiContext) => {
    const [out, outer] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(out), hex(outer)]);
    if (out === 0n || !ctx.mem.isMapped(out, ptrSize())) ctx.fault("bugcheck", `PcNewServiceGroup: OutServiceGroup ${hex(out)} is not writable`, { code: "0x0000001E" });
    const g = newObject(ctx, "IServiceGroup", METHODS, {
      kind: "serviceGroup",
      iids: [IID_IServiceGroup, IID_IServiceSink],
      members: [],
      destroy: (c) => {
        for (const sink of g.members!.splice(0)) releaseInterface(c, sink, "IServiceGroup: Release");
      },
    });
    putPtr(ctx.mem, out, g.addr);
    return STATUS.SUCCESS;
  }),
];
