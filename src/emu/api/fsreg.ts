/**
 * File system registration change notifications (ntifs.h; Microsoft Learn
 * nf-ntifs-ioregisterfsregistrationchange, -ioregisterfsregistrationchangeex,
 * -iounregisterfsregistrationchange): IoRegisterFsRegistrationChange(DriverObject,
 * DriverNotificationRoutine) registers a legacy file system filter's DRIVER_FS_NOTIFICATION
 * routine, VOID (PDEVICE_OBJECT DeviceObject, BOOLEAN FsActive), called whenever a file system
 * calls IoRegisterFileSystem / IoUnregisterFileSystem. Learn: the routine is called at once,
 * before the register call returns, for every file system registered now (RAW is ignored); the
 * call references the driver object; registering the same DriverObject and routine again without
 * unregistering in between is STATUS_DEVICE_ALREADY_ATTACHED. The Ex form behaves the same ("the
 * effect ... is identical ... on Windows XP and later").
 *
 * The booted system's registered file systems, as kmdll models them (objdir.ts's system devices):
 * NTFS's control device \Ntfs (FILE_DEVICE_DISK_FILE_SYSTEM) and \Device\Mup
 * (FILE_DEVICE_MULTI_UNC_PROVIDER), in that order. No file system registers or unregisters later
 * in a run. IoUnregisterFsRegistrationChange removes the registration (a pair never registered is
 * ignored, as Windows finds nothing to remove) and drops the reference; a registration left at
 * unload is the verifier's `unload-pending-operations` finding (its routine would run after the
 * image is gone). Each registration is a `callback` event of kind `fs-registration`.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt } from "./util.js";
import { registerCallback, registrations, unregisterCallback } from "./notify.js";
import { deviceByName } from "./objdir.js";
import { dereference, reference } from "./ob.js";

const KIND = "fs-registration";
const STATUS_DEVICE_ALREADY_ATTACHED = 0xc0000038;
const IO_TYPE_DRIVER = 4;
/** The control devices of the file systems a booted Windows has registered (RAW excluded). */
const FILE_SYSTEMS = ["\\Ntfs", "\\Device\\Mup"];

function register(ctx: ApiContext, api: string): number {
  const [drv, routine] = [ctx.arg(0), ctx.arg(1)];
  ctx.describe([hex(drv), ctx.kernel.where?.(routine) ?? hex(routine)]);
  if (drv === 0n || ctx.mem.u16(drv) !== IO_TYPE_DRIVER) ctx.fault("bugcheck", `${api}(${hex(drv)}): not a driver object`, { code: "0x0000003B" });
  if (routine === 0n) ctx.fault("bugcheck", `${api}: a NULL DriverNotificationRoutine would be called at once`, { code: "0x0000003B" });
  if (registrations(ctx.kernel, KIND).some((r) => r.handle === drv && r.routine === routine)) return STATUS_DEVICE_ALREADY_ATTACHED;
  registerCallback(ctx, KIND, routine, 0n, drv);
  reference(ctx, drv, api);
  for (const name of FILE_SYSTEMS) {
    const dev = deviceByName(ctx, name);
    if (dev !== null) ctx.callGuest(routine, [dev, 1n]);
  }
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  { ...nt("IoRegisterFsRegistrationChange", 2, (ctx) => register(ctx, "IoRegisterFsRegistrationChange")), notes: "the routine is called at once for \\Ntfs and \\Device\\Mup (FsActive TRUE); no file system registers later" },
  { ...nt("IoRegisterFsRegistrationChangeEx", 2, (ctx) => register(ctx, "IoRegisterFsRegistrationChangeEx")), notes: "as IoRegisterFsRegistrationChange" },
  // Learn nf-ntifs-ioregisterfsregistrationchangemountaware (Vista): the same registration; its third
  // argument, SynchronizeWithMounts, orders the notifications with mounts in progress — none ever is here.
  { ...nt("IoRegisterFsRegistrationChangeMountAware", 3, (ctx) => register(ctx, "IoRegisterFsRegistrationChangeMountAware")), notes: "as IoRegisterFsRegistrationChange (no mount is ever in progress)" },
  nt("IoUnregisterFsRegistrationChange", 2, (ctx) => {
    const [drv, routine] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(drv), ctx.kernel.where?.(routine) ?? hex(routine)]);
    if (unregisterCallback(ctx, (r) => r.kind === KIND && r.handle === drv && r.routine === routine)) dereference(ctx, drv, "IoUnregisterFsRegistrationChange");
  }),
];
