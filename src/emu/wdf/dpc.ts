/**
 * WDFDPC (wdfdpc.h of KMDF 1.33; behaviour from microsoft/Windows-Driver-Frameworks
 * src/framework/kmdf/src/core/fxdpcapi.cpp and fxdpc.cpp; Microsoft Learn "WdfDpcCreate",
 * "WdfDpcEnqueue", "WdfDpcCancel"):
 *
 * - WdfDpcCreate(Config, Attributes, Dpc): the attributes must name a parent
 *   (STATUS_WDF_PARENT_NOT_SPECIFIED, FX_VALIDATE_OPTION_PARENT_REQUIRED); NULL Config / Dpc
 *   WDF_VIOLATION; Config->Size other than sizeof(WDF_DPC_CONFIG) STATUS_INFO_LENGTH_MISMATCH; the
 *   attributes as FxValidateObjectAttributes checks them; a parent that is not a WDFDEVICE or below
 *   one STATUS_INVALID_DEVICE_REQUEST (FxDeviceBase::_SearchForDevice). The object owns a KDPC
 *   (KeInitializeDpc with the framework's FxDpcThunk) and is parented to the parent object.
 * - WdfDpcEnqueue: KeInsertQueueDpc(&Dpc, NULL, NULL) — TRUE when queued, FALSE when already in the
 *   queue; the DPC routine runs EvtDpcFunc(Dpc) at DISPATCH_LEVEL on the deterministic scheduler.
 * - WdfDpcCancel(Dpc, Wait): KeRemoveQueueDpc — TRUE when it was queued (and will not run); with Wait
 *   above PASSIVE_LEVEL FALSE (the framework's IRQL check). WdfDpcGetParentObject, WdfDpcWdmGetDpc.
 * - Deleting the DPC (or its parent) removes it from the queue.
 *
 * AutomaticSerialization (the device's callback lock) is kept as a flag: kmdll runs one callback at a time anyway.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex, writePtr } from "../api/util.js";
import { DpcObject, KDPC, queueDpc, drainDpcs, sched } from "../sched/index.js";
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../api/ke.js";
import { WDF01000 } from "./ldr.js";
import { wdf } from "./layouts.js";
import { newObject, objectOf, parentedCreate, readAttributes, validateAttributes, wdfState, underDevice } from "./objects.js";
import { required } from "./memory.js";

const B = (n: number) => BigInt(n);
const TAG_DPC = 0x44666457; // 'WdfD'
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

declare module "./objects.js" {
  interface WdfObject {
    /** WDFDPC: its KDPC and EvtDpcFunc. */
    dpc?: { kdpc: bigint; evt: bigint };
  }
}

export const apis: ApiDefinition[] = [
  // The framework's DPC routine of every WDFDPC (FxDpcThunk): DeferredContext is the WDFDPC.
  fx("FxDpcThunk", 4, (ctx) => {
    const o = wdfState(ctx.kernel).objects.get(ctx.arg(1));
    if (o?.dpc && !o.deletePending) ctx.callGuest(o.dpc.evt, [o.handle]);
  }),
  fx("WdfDpcCreate", 4, (ctx) => {
    const [config, attrs, out] = [ctx.arg(1), ctx.arg(2), ctx.arg(3)];
    ctx.describe([hex(ctx.arg(0)), hex(config), hex(attrs), hex(out)]);
    const m = ctx.mem;
    const parent = parentedCreate(ctx, attrs, config, out, "Dpc");
    if (typeof parent === "number") return parent;
    const C = wdf("WDF_DPC_CONFIG");
    const size = m.u32(config + B(C.Size));
    if (size !== C.$size) {
      ctx.warn(`WdfDpcCreate: WDF_DPC_CONFIG.Size is ${size}, not sizeof(WDF_DPC_CONFIG): STATUS_INFO_LENGTH_MISMATCH`);
      return STATUS.INFO_LENGTH_MISMATCH;
    }
    const st = validateAttributes(ctx, attrs, { parentRequired: true });
    if (st !== STATUS.SUCCESS) return st;
    if (!underDevice(ctx, parent.handle)) {
      ctx.warn(`WdfDpcCreate: the parent ${hex(parent.handle)} (a WDF ${parent.kind}) is not a WDFDEVICE or an object below one: STATUS_INVALID_DEVICE_REQUEST`);
      return STATUS.INVALID_DEVICE_REQUEST;
    }
    const evt = getPtr(m, config + B(C.EvtDpcFunc));
    required(ctx, evt, "Config->EvtDpcFunc");
    const kdpc = ctx.kernel.kernelPool?.allocate(LAYOUT.KDPC.$size, TAG_DPC) ?? 0n;
    if (kdpc === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    m.write(kdpc, new Uint8Array(LAYOUT.KDPC.$size));
    m.setU8(kdpc + B(KDPC.Type), DpcObject);
    m.setU8(kdpc + B(KDPC.Importance), 1);
    writePtr(m, kdpc + B(KDPC.DeferredRoutine), ctx.kernel.moduleExport?.(WDF01000, "FxDpcThunk") ?? 0n);
    const o = newObject(ctx, "dpc", readAttributes(ctx, attrs), { dpc: { kdpc, evt } });
    writePtr(m, kdpc + B(KDPC.DeferredContext), o.handle);
    o.dispose = (c) => {
      const s = sched(c);
      s.dpcQueue = s.dpcQueue.filter((d) => d !== kdpc);
      c.kernel.kernelPool?.free(kdpc);
    };
    putPtr(m, out, o.handle);
    return STATUS.SUCCESS;
  }),
  fx("WdfDpcEnqueue", 2, (ctx) => {
    const o = objectOf(ctx, ctx.arg(1), "dpc", "Dpc");
    if (!queueDpc(ctx, o.dpc!.kdpc, 0n, 0n)) return 0;
    if (ctx.kernel.irql < DISPATCH_LEVEL) drainDpcs(ctx);
    return 1;
  }),
  fx("WdfDpcCancel", 3, (ctx) => {
    const o = objectOf(ctx, ctx.arg(1), "dpc", "Dpc");
    const wait = (ctx.u32(2) & 0xff) !== 0;
    if (wait && ctx.kernel.irql > PASSIVE_LEVEL) {
      ctx.warn(`WdfDpcCancel(${hex(o.handle)}, TRUE) called at IRQL ${ctx.kernel.irql} > PASSIVE_LEVEL: refused (FALSE)`);
      return 0;
    }
    const s = sched(ctx);
    const i = s.dpcQueue.indexOf(o.dpc!.kdpc);
    if (i < 0) return 0;
    s.dpcQueue.splice(i, 1);
    writePtr(ctx.mem, o.dpc!.kdpc + B(KDPC.DpcData), 0n);
    return 1;
  }),
  fx("WdfDpcGetParentObject", 2, (ctx) => objectOf(ctx, ctx.arg(1), "dpc", "Dpc").parent ?? 0n),
  fx("WdfDpcWdmGetDpc", 2, (ctx) => objectOf(ctx, ctx.arg(1), "dpc", "Dpc").dpc!.kdpc),
];
