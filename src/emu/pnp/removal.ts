/**
 * The query half of a removal the PnP manager starts (a service stopping: kmdll's stop models
 * disabling the service's devices, then NtUnloadDriver) and the device-state query.
 *
 * Query-remove: IRP_MN_QUERY_REMOVE_DEVICE goes to every started devnode of the subtrees being
 * removed, children before parents, before any IRP_MN_REMOVE_DEVICE. When a driver fails it (a
 * veto), "the PnP manager sends an IRP_MN_CANCEL_REMOVE_DEVICE to the device stack" of every devnode
 * that was queried, and the devices stay (Microsoft Learn, "IRP_MN_QUERY_REMOVE_DEVICE" and
 * "Handling an IRP_MN_QUERY_REMOVE_DEVICE Request"). The driver then still has devices, so it is
 * not unloaded: "The PnP manager calls a PnP driver's Unload routine if the driver has no more device
 * objects after it handles an IRP_MN_REMOVE_DEVICE" ("Unload Routine Environment"); NtUnloadDriver
 * itself never unloads a PnP driver (ReactOS ntoskrnl/io/iomgr/driver.c IopUnloadDriver(…, FALSE):
 * STATUS_INVALID_DEVICE_REQUEST). So the stop is refused with that status.
 *
 * Device state: IoInvalidateDeviceState makes the PnP manager send IRP_MN_QUERY_PNP_DEVICE_STATE to
 * the device's stack later (it is callable at DISPATCH_LEVEL; kmdll sends it when the PnP manager
 * next settles, as for invalidated bus relations; a device not started yet is asked after its start). The answer's PNP_DEVICE_* bits are traced; their
 * consequences (a failed or removed device being torn down, a disabled one stopped) are not modelled.
 */
import { formatStatus, ntSuccess } from "../../nt/status.js";
import type { IoEnv } from "../iomgr/index.js";
import { PNP, sendPnpIrp } from "./irps.js";
import { nodeOfPdo, pnpState, type DevNode } from "./state.js";

function emitPnp(env: IoEnv, action: string, n: DevNode, extra: Record<string, unknown> = {}): void {
  env.kernel.emit?.({ event: "pnp", action, device: n.instance, ...extra } as never);
}

/** Started devnodes of `roots`' subtrees, children before their parents. */
function startedSubtree(roots: DevNode[]): DevNode[] {
  const out: DevNode[] = [];
  const walk = (n: DevNode) => {
    if (out.includes(n)) return;
    for (const c of n.children) if (c.state !== "deleted") walk(c);
    if (n.state === "started") out.push(n);
  };
  for (const r of roots) walk(r);
  return out;
}

/**
 * IRP_MN_QUERY_REMOVE_DEVICE to every started devnode of the subtrees; on a veto,
 * IRP_MN_CANCEL_REMOVE_DEVICE to each one queried (the vetoing one included, last first) and the
 * veto's description is returned; null when every stack agreed (they are marked `queried`).
 */
export function queryRemoval(env: IoEnv, roots: DevNode[]): string | null {
  const queried: DevNode[] = [];
  for (const n of startedSubtree(roots)) {
    const q = sendPnpIrp(env, n.pdo, PNP.QUERY_REMOVE_DEVICE);
    emitPnp(env, "query-remove", n, { status: formatStatus(q.status) });
    queried.push(n);
    if (ntSuccess(q.status)) continue;
    for (const c of [...queried].reverse()) {
      const r = sendPnpIrp(env, c.pdo, PNP.CANCEL_REMOVE_DEVICE);
      emitPnp(env, "cancel-remove", c, { status: formatStatus(r.status) });
      c.queried = false;
    }
    return `${n.instance} vetoed IRP_MN_QUERY_REMOVE_DEVICE with ${formatStatus(q.status)}`;
  }
  for (const n of queried) n.queried = true;
  return null;
}

/** IRP_MN_QUERY_PNP_DEVICE_STATE to each devnode whose state was invalidated; true if any was queried. */
export function queryInvalidatedStates(env: IoEnv): boolean {
  const st = pnpState(env.kernel);
  let any = false;
  for (const pdo of [...st.stateInvalidated]) {
    const n = nodeOfPdo(st, pdo);
    // Invalidated before its start (a KMDF driver's WdfDeviceSetDeviceState in AddDevice): asked once it started.
    if (n && n.state === "waiting") continue;
    st.stateInvalidated.delete(pdo);
    if (n?.state !== "started") continue;
    any = true;
    const r = sendPnpIrp(env, pdo, PNP.QUERY_PNP_DEVICE_STATE);
    const bits = ntSuccess(r.status) ? Number(r.information & 0xffffffffn) : 0;
    emitPnp(env, "device-state", n, { status: formatStatus(r.status), state: `0x${bits.toString(16)}`, flags: stateNames(bits) });
  }
  return any;
}

/** PNP_DEVICE_* (wdm.h) in words. */
function stateNames(bits: number): string[] {
  const names = ["PNP_DEVICE_DISABLED", "PNP_DEVICE_DONT_DISPLAY_IN_UI", "PNP_DEVICE_FAILED", "PNP_DEVICE_REMOVED", "PNP_DEVICE_RESOURCE_REQUIREMENTS_CHANGED", "PNP_DEVICE_NOT_DISABLEABLE", "PNP_DEVICE_DISCONNECTED"];
  return names.filter((_, i) => bits & (1 << i));
}
