/**
 * Devnode problem codes (cfg.h CM_PROB_*; the "Code N" Device Manager shows) and what the PnP
 * manager does with the drivers of a device that failed.
 *
 * A failed AddDevice (CM_PROB_FAILED_ADD) or IRP_MN_START_DEVICE (CM_PROB_FAILED_START): the PnP
 * manager sends IRP_MN_REMOVE_DEVICE to the stack built so far ("If a driver for a device fails the
 * IRP_MN_START_DEVICE request, the PnP manager sends an IRP_MN_REMOVE_DEVICE request to the device
 * stack ... The PnP manager marks such a device 'failed start'", Microsoft Learn, "Starting a
 * Device"), and the drivers of that stack left without device objects are unloaded: "The operating
 * system unloads a driver when ... all of the devices that the driver services have been removed.
 * The PnP manager calls a PnP driver's Unload routine if the driver has no more device objects after
 * it handles an IRP_MN_REMOVE_DEVICE request" ("Unload Routine Environment"; ReactOS
 * PiCallDriverAddDevice drops its driver references the same way: "drivers which don't have any
 * devices (in case of failure) will be cleaned up"). A driver without DriverUnload cannot be
 * unloaded and stays.
 */
import { LAYOUT, getPtr } from "../../nt/arch-layout.js";
import type { IoEnv } from "../iomgr/index.js";
import { pnpState } from "./state.js";

/** cfg.h (mingw-w64, Windows SDK) values. */
export const CM_PROB = {
  FAILED_START: 0x0a,
  FAILED_INSTALL: 0x1c,
  FAILED_ADD: 0x1f,
  FAILED_DRIVER_ENTRY: 0x25,
  DRIVER_FAILED_LOAD: 0x27,
} as const;
export type ProblemName = keyof typeof CM_PROB;

/** The fields a `problem` event carries for a code. */
export function problemFields(name: ProblemName): { code: number; codeName: string } {
  return { code: CM_PROB[name], codeName: `CM_PROB_${name}` };
}

const B = (n: number) => BigInt(n);
const lc = (s: string) => s.toLowerCase();

/**
 * The drivers of a devnode's stack may now be without devices — it failed, or one of them returned
 * from AddDevice keeping none (a KMDF filter whose EvtDriverDeviceAdd failed): remember them with
 * the devnode (settle decides).
 */
export function noteStackDrivers(env: IoEnv, instance: string, services: string[]): void {
  const st = pnpState(env.kernel);
  for (const s of services) {
    if (!st.services.has(lc(s))) continue;
    const seen = st.unloadCandidates.get(lc(s)) ?? [];
    if (!seen.includes(instance)) seen.push(instance);
    st.unloadCandidates.set(lc(s), seen);
  }
}

/**
 * Services noted by `noteFailedStack` whose driver object has no device object left
 * (DRIVER_OBJECT.DeviceObject NULL): the PnP manager unloads them. A driver without DriverUnload
 * is kept (a warning). Returns service names with the reason for the `unload-driver` event.
 */
export function driversToUnload(env: IoEnv): { stop: string[]; reasons: Record<string, string> } {
  const st = pnpState(env.kernel);
  const stop: string[] = [];
  const reasons: Record<string, string> = {};
  const D = LAYOUT.DRIVER_OBJECT;
  for (const [key, instances] of [...st.unloadCandidates]) {
    st.unloadCandidates.delete(key);
    const s = st.services.get(key);
    if (!s) continue;
    if (getPtr(env.mem, s.driver + B(D.DeviceObject)) !== 0n) continue;
    const failed = instances.filter((i) => st.nodes.some((n) => n.instance === i && n.state === "failed"));
    const why = failed.length === instances.length ? `after ${failed.join(", ")} failed` : `after AddDevice for ${instances.join(", ")} (it kept no device)`;
    if (getPtr(env.mem, s.driver + B(D.DriverUnload)) === 0n) {
      env.warn(`PnP: ${s.module} has no device objects left ${why}, but it set no DriverUnload: Windows cannot unload it, so it stays loaded (a PnP driver must have an Unload routine, Microsoft Learn "PnP Driver's Unload Routine")`);
      continue;
    }
    stop.push(s.name);
    reasons[s.name] = `it has no device objects left ${why}`;
  }
  return { stop, reasons };
}
