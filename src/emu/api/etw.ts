/**
 * Event Tracing for Windows and WMI data blocks, on an emulated system where no trace session and
 * no WMI consumer is running (Microsoft Learn, wdm.h: EtwRegister, EtwUnregister,
 * EtwRegisterClassicProvider, EtwEventEnabled, EtwProviderEnabled, EtwWrite, EtwWriteEx,
 * EtwWriteTransfer, EtwWriteString, EtwActivityIdControl; IoWMIOpenBlock, IoWMIQueryAllData):
 *   - registration gives a non-zero REGHANDLE (`*RegHandle`); no session ever enables a provider,
 *     so the EnableCallback is not called, EtwEventEnabled/EtwProviderEnabled return FALSE and the
 *     write routines return STATUS_SUCCESS having delivered nothing; a handle that was never
 *     registered (or was unregistered) is STATUS_INVALID_HANDLE;
 *   - EtwActivityIdControl keeps the current thread's activity ID (GET 1, SET 2, CREATE 3,
 *     GET_SET 4, CREATE_SET 5; other codes STATUS_INVALID_PARAMETER);
 *   - WmiTraceMessage(LoggerHandle, MessageFlags, MessageGuid, MessageNumber, ...) and
 *     WmiTraceMessageVa (wdm.h; the WPP trace macros call them once a session enables the
 *     driver's control GUID, and drivers such as VirtIO's netkvm.sys call them for every trace
 *     line): with no session, no handle is a software trace session's — STATUS_INVALID_HANDLE,
 *     nothing logged, the message arguments unread;
 *   - IoWMIOpenBlock opens a data block object for any GUID (WMI creates the GUID entry on open);
 *     DesiredAccess must include WMIGUID_QUERY (1) for IoWMIQueryAllData, else
 *     STATUS_ACCESS_DENIED; no provider supplies data here, so the query is
 *     STATUS_WMI_GUID_NOT_FOUND. The object goes with ObDereferenceObject.
 * EtwSetInformation(RegHandle, InformationClass, EventInformation, InformationLength) (Learn, wdm.h;
 * EVENT_INFO_CLASS in evntprov.h: EventProviderBinaryTrackInfo 0, EventProviderSetReserved1 1,
 * EventProviderSetTraits 2, EventProviderUseDescriptorType 3; the checks of its user-mode twin
 * EventSetInformation): an unregistered handle is STATUS_INVALID_HANDLE, as the other Etw* routines
 * answer here; EventInformation NULL with a non-zero length, traits whose first USHORT (TotalSize)
 * is not InformationLength or that hold no NUL-terminated provider name, a descriptor-type switch
 * other than one BOOLEAN are STATUS_INVALID_PARAMETER; the reserved class and unknown classes
 * STATUS_NOT_SUPPORTED (EventSetInformation's ERROR_NOT_SUPPORTED). BinaryTrackInfo takes no
 * buffer. Traits and the switch are recorded on the registration (nothing reads them: no session runs).
 * EVENT_DESCRIPTOR (evntprov.h): Id 0, Version 2, Channel 3, Level 4, Opcode 5, Task 6, Keyword 8.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt } from "./util.js";
import { componentState } from "./state.js";
import { holderOf, noteHeld, registerObject } from "../obmgr/index.js";

const STATUS_WMI_GUID_NOT_FOUND = 0xc0000295;
const WMIGUID_QUERY = 0x1;
const TAG_WMI = 0x42696d57; // 'WmiB'
const MAX_PROVIDERS = 4096;
const EVENT_INFO_CLASS: Record<number, string> = { 0: "EventProviderBinaryTrackInfo", 1: "EventProviderSetReserved1", 2: "EventProviderSetTraits", 3: "EventProviderUseDescriptorType" };

const etwState = componentState("etw", () => ({ providers: new Map<bigint, { guid: string; callback: bigint; module: string; traits?: string; descriptorType?: boolean }>(), next: 0x1000n, activity: new Uint8Array(16), seq: 1 }));
const wmiState = componentState("wmi", () => ({ blocks: new Map<bigint, { guid: string; access: number }>() }));

function guidText(ctx: ApiContext, at: bigint): string {
  const b = ctx.mem.read(at, 16);
  const h = (i: number, n: number, le: boolean) => {
    const s = [...b.subarray(i, i + n)];
    return (le ? s.reverse() : s).map((x) => x.toString(16).padStart(2, "0")).join("");
  };
  return `${h(0, 4, true)}-${h(4, 2, true)}-${h(6, 2, true)}-${h(8, 2, false)}-${h(10, 6, false)}`;
}

function register(ctx: ApiContext, guidPtr: bigint, callback: bigint, out: bigint): number {
  if (guidPtr === 0n || out === 0n) return STATUS.INVALID_PARAMETER;
  const st = etwState(ctx.kernel);
  const guid = guidText(ctx, guidPtr);
  if (st.providers.size >= MAX_PROVIDERS) return STATUS.NO_MEMORY;
  const h = st.next;
  st.next += 0x10n;
  st.providers.set(h, { guid, callback, module: ctx.caller?.module ?? "?" });
  ctx.mem.setU64(out, h);
  return STATUS.SUCCESS;
}

/** The provider of a REGHANDLE, or null (STATUS_INVALID_HANDLE). */
const provider = (ctx: ApiContext, h: bigint) => etwState(ctx.kernel).providers.get(BigInt.asUintN(64, h)) ?? null;

function write(ctx: ApiContext, h: bigint, descriptor: bigint): number {
  if (!provider(ctx, h)) return STATUS.INVALID_HANDLE;
  // The descriptor is read as the real routine reads it (a wild pointer is a fault report).
  if (descriptor !== 0n) ctx.mem.read(descriptor, 16);
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  nt("EtwRegister", 4, (ctx) => {
    ctx.describe([ctx.arg(0) === 0n ? "NULL" : guidText(ctx, ctx.arg(0)), ctx.kernel.where?.(ctx.arg(1)) ?? hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3))]);
    return register(ctx, ctx.arg(0), ctx.arg(1), ctx.arg(3));
  }),
  nt("EtwRegisterClassicProvider", 5, (ctx) => {
    ctx.describe([ctx.arg(0) === 0n ? "NULL" : guidText(ctx, ctx.arg(0)), hex(ctx.u32(1)), ctx.kernel.where?.(ctx.arg(2)) ?? hex(ctx.arg(2)), hex(ctx.arg(3)), hex(ctx.arg(4))]);
    return register(ctx, ctx.arg(0), ctx.arg(2), ctx.arg(4));
  }),
  nt("EtwUnregister", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return etwState(ctx.kernel).providers.delete(BigInt.asUintN(64, ctx.arg(0))) ? STATUS.SUCCESS : STATUS.INVALID_HANDLE;
  }),
  nt("EtwEventEnabled", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    if (ctx.arg(1) !== 0n) ctx.mem.read(ctx.arg(1), 16);
    return 0;
  }),
  nt("EtwProviderEnabled", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), String(ctx.u32(1) & 0xff), hex(ctx.arg(2))]);
    return 0;
  }),
  nt("EtwWrite", 5, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), String(ctx.u32(3)), hex(ctx.arg(4))]);
    return write(ctx, ctx.arg(0), ctx.arg(1));
  }),
  nt("EtwWriteTransfer", 6, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3)), String(ctx.u32(4)), hex(ctx.arg(5))]);
    return write(ctx, ctx.arg(0), ctx.arg(1));
  }),
  nt("EtwWriteEx", 8, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.u32(3)), hex(ctx.arg(4)), hex(ctx.arg(5)), String(ctx.u32(6)), hex(ctx.arg(7))]);
    return write(ctx, ctx.arg(0), ctx.arg(1));
  }),
  nt("EtwWriteString", 5, (ctx) => {
    const text = ctx.arg(4) === 0n ? null : ctx.mem.wstring(ctx.arg(4), 1024);
    ctx.describe([hex(ctx.arg(0)), String(ctx.u32(1) & 0xff), hex(ctx.arg(2)), hex(ctx.arg(3)), text === null ? "NULL" : JSON.stringify(text)]);
    return provider(ctx, ctx.arg(0)) ? STATUS.SUCCESS : STATUS.INVALID_HANDLE;
  }),
  nt("EtwSetInformation", 4, (ctx) => {
    const [h, cls, info, len] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.u32(3)];
    const p = provider(ctx, h);
    let traits: string | null = null;
    if (cls === 2 && info !== 0n && len >= 3) traits = new TextDecoder().decode(ctx.mem.read(info + 2n, Math.min(len - 2, 256))).split("\0")[0]!;
    ctx.describe([hex(h), EVENT_INFO_CLASS[cls] ?? String(cls), traits !== null ? `${hex(info)} (provider "${traits}")` : hex(info), String(len)]);
    // A handle EtwRegister did not return (or unregistered): STATUS_INVALID_HANDLE, as kmdll's other Etw* routines answer.
    if (!p) return STATUS.INVALID_HANDLE;
    if (info === 0n && len !== 0) return STATUS.INVALID_PARAMETER;
    if (cls === 0) return STATUS.SUCCESS;
    if (cls === 2) {
      // Provider traits: USHORT TotalSize (the length passed), the provider name with its NUL, then trait entries.
      if (info === 0n || len < 3) return STATUS.INVALID_PARAMETER;
      const bytes = ctx.mem.read(info, len);
      const nul = bytes.indexOf(0, 2);
      if ((bytes[0]! | (bytes[1]! << 8)) !== len || nul < 0) return STATUS.INVALID_PARAMETER;
      p.traits = traits ?? "";
      return STATUS.SUCCESS;
    }
    if (cls === 3) {
      // A BOOLEAN.
      if (info === 0n || len !== 1) return STATUS.INVALID_PARAMETER;
      p.descriptorType = ctx.mem.u8(info) !== 0;
      return STATUS.SUCCESS;
    }
    // EventProviderSetReserved1 and classes past MaxEventInfo (Learn's EventSetInformation: ERROR_NOT_SUPPORTED).
    return STATUS.NOT_SUPPORTED;
  }),
  // TRACEHANDLE LoggerHandle is a ULONG64 by value (wide-args.ts); WmiTraceMessage is cdecl varargs.
  ...(["WmiTraceMessage", "WmiTraceMessageVa"] as const).map((name) =>
    nt(name, 5, (ctx) => {
      ctx.describe([hex(ctx.arg(0)), hex(ctx.u32(1)), hex(ctx.arg(2)), String(ctx.u32(3) & 0xffff)]);
      return STATUS.INVALID_HANDLE;
    }),
  ),
  nt("EtwActivityIdControl", 2, (ctx) => {
    const code = ctx.u32(0);
    const p = ctx.arg(1);
    ctx.describe([String(code), hex(p)]);
    const st = etwState(ctx.kernel);
    const fresh = () => {
      const g = new Uint8Array(16);
      const dv = new DataView(g.buffer);
      dv.setUint32(0, st.seq++, true);
      dv.setUint32(4, 0x4b4d, true); // deterministic, unique within the run
      g[7] = 0x40; // version 4
      g[8] = 0x80;
      return g;
    };
    if (code < 1 || code > 5 || p === 0n) return STATUS.INVALID_PARAMETER;
    if (code === 1) ctx.mem.write(p, st.activity);
    else if (code === 2) st.activity = ctx.mem.read(p, 16).slice();
    else if (code === 3) ctx.mem.write(p, fresh());
    else if (code === 4) {
      const incoming = ctx.mem.read(p, 16).slice();
      ctx.mem.write(p, st.activity);
      st.activity = incoming;
    } else {
      ctx.mem.write(p, st.activity);
      st.activity = fresh();
    }
    return STATUS.SUCCESS;
  }),
  nt("IoWMIOpenBlock", 3, (ctx) => {
    const [guidPtr, access, out] = [ctx.arg(0), ctx.u32(1), ctx.arg(2)];
    ctx.describe([guidPtr === 0n ? "NULL" : guidText(ctx, guidPtr), hex(access), hex(out)]);
    if (guidPtr === 0n || out === 0n) return STATUS.INVALID_PARAMETER;
    const guid = guidText(ctx, guidPtr);
    const obj = ctx.kernel.kernelPool?.allocate(0x40, TAG_WMI) ?? 0n;
    if (obj === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    wmiState(ctx.kernel).blocks.set(obj, { guid, access });
    registerObject(ctx.kernel, obj, {
      type: "WmiGuid",
      onDelete: () => {
        wmiState(ctx.kernel).blocks.delete(obj);
        ctx.kernel.kernelPool?.free(obj);
      },
    });
    // The caller owns the creation reference: ObDereferenceObject(DataBlockObject) closes the block.
    const holder = holderOf(ctx);
    if (holder) noteHeld(ctx, obj, holder, "IoWMIOpenBlock");
    ctx.mem.setU64(out, obj);
    return STATUS.SUCCESS;
  }),
  nt("IoWMIQueryAllData", 3, (ctx) => {
    const [obj, pSize, buf] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    ctx.describe([hex(obj), hex(pSize), hex(buf)]);
    const b = wmiState(ctx.kernel).blocks.get(obj);
    if (b === undefined) return ctx.fault("bugcheck", `IoWMIQueryAllData(${hex(obj)}): not a data block object IoWMIOpenBlock returned`, { code: "0x0000001E" });
    ctx.mem.u32(pSize);
    if (!(b.access & WMIGUID_QUERY)) return STATUS.ACCESS_DENIED;
    return STATUS_WMI_GUID_NOT_FOUND;
  }),
];
