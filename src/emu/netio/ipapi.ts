/**
 * The IP helper routines of netio.sys (netioapi.h; Microsoft Learn's kernel "IP Helper" pages and
 * the user-mode pages of the same routines, whose error codes are these statuses through
 * RtlNtStatusToDosError). The emulated machine has no network interface at all — not even the
 * loopback interface a real Windows has — so:
 *
 *   GetIfEntry2(Row), GetUnicastIpAddressEntry(Row): Row NULL → STATUS_INVALID_PARAMETER; for
 *     GetUnicastIpAddressEntry an Address.si_family other than AF_INET/AF_INET6 →
 *     STATUS_INVALID_PARAMETER; otherwise no interface has the LUID or index the row names:
 *     STATUS_OBJECT_NAME_NOT_FOUND (ERROR_FILE_NOT_FOUND in Learn's user-mode pages). The row is
 *     left as it was.
 *   GetIpInterfaceTable(Family, Table), GetUnicastIpAddressTable(Family, Table): Family not
 *     AF_UNSPEC/AF_INET/AF_INET6 or Table NULL → STATUS_INVALID_PARAMETER; otherwise no entry:
 *     STATUS_NOT_FOUND (Learn: ERROR_NOT_FOUND "if no ... entries as specified in the Family
 *     parameter were found"), *Table set to NULL.
 *   FreeMibTable(Memory): no table is ever returned, so a non-NULL pointer is one these routines
 *     did not allocate: a bug check report (BAD_POOL_CALLER); NULL is ignored.
 *   NotifyIpInterfaceChange(Family, Callback, CallerContext, InitialNotification, Handle),
 *   NotifyUnicastIpAddressChange(same): Family as above, Callback or Handle NULL →
 *     STATUS_INVALID_PARAMETER. The registration is a pool block charged to the caller (a
 *     driver that never cancels it leaks it). With InitialNotification TRUE the callback runs
 *     once, right after the handle is stored, as Callback(CallerContext, NULL,
 *     MibInitialNotification); no change ever happens on the emulated machine after that.
 *   CancelMibChangeNotify2(Handle): NULL → STATUS_INVALID_PARAMETER; a handle the Notify*
 *     routines did not return (or cancelled already) is a bug check report.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { putPtr } from "../../nt/arch-layout.js";
import { api, hex } from "../api/util.js";
import { componentState } from "../api/state.js";
import { NETIO } from "./wsk.js";

const AF_UNSPEC = 0;
const AF_INET = 2;
const AF_INET6 = 23;
const MIB_INITIAL_NOTIFICATION = 3;
const NON_PAGED_POOL_NX = 512;
const TAG_NOTIFY = 0x6e74494e; // 'NItn'

const netio = (name: string, argc: number, h: ApiDefinition["handler"]) => api(NETIO, name, argc, h);
const notifyState = componentState("netio-notify", () => new Map<bigint, { kind: string; module: string }>());
const family = (f: number) => (f === AF_UNSPEC ? "AF_UNSPEC" : f === AF_INET ? "AF_INET" : f === AF_INET6 ? "AF_INET6" : String(f));
const familyOk = (f: number) => f === AF_UNSPEC || f === AF_INET || f === AF_INET6;

function table(name: string) {
  return netio(name, 2, (ctx) => {
    const [f, out] = [ctx.u32(0) & 0xffff, ctx.arg(1)];
    ctx.describe([family(f), hex(out)]);
    if (!familyOk(f) || out === 0n) return STATUS.INVALID_PARAMETER;
    putPtr(ctx.mem, out, 0n);
    return STATUS.NOT_FOUND;
  });
}

function notify(name: string) {
  return netio(name, 5, (ctx: ApiContext) => {
    const [f, callback, context, initial, out] = [ctx.u32(0) & 0xffff, ctx.arg(1), ctx.arg(2), ctx.u32(3) & 0xff, ctx.arg(4)];
    ctx.describe([family(f), hex(callback), hex(context), initial ? "TRUE" : "FALSE", hex(out)]);
    if (!familyOk(f) || callback === 0n || out === 0n) return STATUS.INVALID_PARAMETER;
    const h = ctx.pool.allocate(0x20, TAG_NOTIFY, NON_PAGED_POOL_NX, true);
    if (h === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    notifyState(ctx.kernel).set(h, { kind: name, module: ctx.caller?.module ?? "?" });
    putPtr(ctx.mem, out, h);
    if (initial) ctx.callGuest(callback, [context, 0n, BigInt(MIB_INITIAL_NOTIFICATION)]);
    return STATUS.SUCCESS;
  });
}

export const ipApis: ApiDefinition[] = [
  netio("GetIfEntry2", 1, (ctx) => {
    const row = ctx.arg(0);
    ctx.describe([hex(row)]);
    if (row === 0n) return STATUS.INVALID_PARAMETER;
    // MIB_IF_ROW2 starts with NET_LUID InterfaceLuid, NET_IFINDEX InterfaceIndex (read as Windows would; a wild Row faults here).
    ctx.mem.u64(row);
    ctx.mem.u32(row + 8n);
    return STATUS.OBJECT_NAME_NOT_FOUND;
  }),
  netio("GetUnicastIpAddressEntry", 1, (ctx) => {
    const row = ctx.arg(0);
    ctx.describe([hex(row)]);
    if (row === 0n) return STATUS.INVALID_PARAMETER;
    // MIB_UNICASTIPADDRESS_ROW starts with SOCKADDR_INET Address (si_family first).
    const f = ctx.mem.u16(row);
    if (f !== AF_INET && f !== AF_INET6) return STATUS.INVALID_PARAMETER;
    return STATUS.OBJECT_NAME_NOT_FOUND;
  }),
  table("GetIpInterfaceTable"),
  table("GetUnicastIpAddressTable"),
  netio("FreeMibTable", 1, (ctx) => {
    const p = ctx.arg(0);
    ctx.describe([hex(p)]);
    if (p !== 0n) ctx.fault("bugcheck", `FreeMibTable(${hex(p)}): not a table a netio.sys routine returned (none is ever returned on the emulated machine, which has no network interface)`, { code: "0x000000C2" });
  }),
  notify("NotifyIpInterfaceChange"),
  notify("NotifyUnicastIpAddressChange"),
  netio("CancelMibChangeNotify2", 1, (ctx) => {
    const h = ctx.arg(0);
    ctx.describe([hex(h)]);
    if (h === 0n) return STATUS.INVALID_PARAMETER;
    const st = notifyState(ctx.kernel);
    if (!st.has(h)) ctx.fault("bugcheck", `CancelMibChangeNotify2(${hex(h)}): not a handle NotifyIpInterfaceChange/NotifyUnicastIpAddressChange returned (or cancelled already)`, { code: "0x0000001E" });
    st.delete(h);
    ctx.pool.free(h, null, 0);
    return STATUS.SUCCESS;
  }),
];
