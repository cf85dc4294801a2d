/**
 * File system registration notifications for legacy file system filter drivers (ntifs.h; Microsoft
 * Learn: IoRegisterFsRegistrationChange, IoRegisterFsRegistrationChangeMountAware,
 * IoUnregisterFsRegistrationChange, DRIVER_FS_NOTIFICATION). sfilter-style filters register from
 * DriverEntry to attach to every file system's control device; BB-RUN.sys (DriverPack set fresh4,
 * docs/qa.md session 11) fails its DriverEntry without it.
 *
 *   IoRegisterFsRegistrationChange(DriverObject, DriverNotificationRoutine) → NTSTATUS:
 *     DriverObject not a DRIVER_OBJECT, or a NULL routine: a bug check report (the I/O manager
 *     references the driver object and calls the routine). The same DriverObject and routine
 *     registered again without IoUnregisterFsRegistrationChange in between:
 *     STATUS_DEVICE_ALREADY_ATTACHED (Learn, Remarks). Otherwise STATUS_SUCCESS, and the routine
 *     is "called immediately for all currently registered file systems" (file systems that called
 *     IoRegisterFileSystem and not IoUnregisterFileSystem; RAW is ignored), before the call
 *     returns: on the emulated machine that is NTFS's control device object \Ntfs (its one disk file
 *     system, objdir.ts), called as routine(\Ntfs, TRUE) at PASSIVE_LEVEL. Legacy filters are not
 *     blocked by policy here (no STATUS_NOT_SUPPORTED).
 *   IoRegisterFsRegistrationChangeMountAware(DriverObject, Routine, SynchronizeWithMounts): the
 *     same registration; SynchronizeWithMounts orders the notifications with volume mounts in
 *     progress, and no mount is ever in progress on the emulated machine, so it changes nothing.
 *     (IoRegisterFsRegistrationChangeEx was Windows 2000's: mingw-w64's ntoskrnl import libraries
 *     have MountAware, not Ex.)
 *   IoUnregisterFsRegistrationChange(DriverObject, DriverNotificationRoutine): removes the pair;
 *     a pair never registered changes nothing.
 * Each registration is a `callback` event (kind "fs-registration"); one left registered when the
 * driver unloads is reported (unload-pending-operations: the I/O manager would call into the
 * unloaded image the next time a file system registers).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { hex, nt } from "./util.js";
import { registerCallback, registrations, unregisterCallback } from "./notify.js";
import { deviceByName } from "./objdir.js";

const B = (n: number) => BigInt(n);
const KIND = "fs-registration";
const IO_TYPE_DRIVER = 4;
const STATUS_DEVICE_ALREADY_ATTACHED = 0xc0000038;

function checkArgs(ctx: ApiContext, name: string): [bigint, bigint] {
  const [driver, routine] = [ctx.arg(0), ctx.arg(1)];
  ctx.describe([hex(driver), ctx.kernel.where?.(routine) ?? hex(routine)]);
  const D = LAYOUT.DRIVER_OBJECT;
  if (driver === 0n || !ctx.mem.isMapped(driver, D.$size) || ctx.mem.u16(driver + B(D.Type)) !== IO_TYPE_DRIVER)
    ctx.fault("bugcheck", `${name}(${hex(driver)}): DriverObject is not a DRIVER_OBJECT`, { code: "0x0000001E" });
  if (routine === 0n) ctx.fault("bugcheck", `${name}: DriverNotificationRoutine is NULL (the I/O manager would call address 0)`, { code: "0x0000001E" });
  return [driver, routine];
}

const same = (driver: bigint, routine: bigint) => (r: { kind: string; routine: bigint; context: bigint }) => r.kind === KIND && r.routine === routine && r.context === driver;

function register(name: string, argc: number): ApiDefinition {
  return nt(name, argc, (ctx) => {
    const [driver, routine] = checkArgs(ctx, name);
    if (registrations(ctx.kernel, KIND).some(same(driver, routine))) return STATUS_DEVICE_ALREADY_ATTACHED;
    registerCallback(ctx, KIND, routine, driver, 0n);
    // The file systems registered already: NTFS's control device (RAW is ignored).
    const ntfs = deviceByName(ctx, "\\Ntfs");
    if (ntfs !== null) ctx.callGuest(routine, [ntfs, 1n]);
    return STATUS.SUCCESS;
  });
}

export const apis: ApiDefinition[] = [
  register("IoRegisterFsRegistrationChange", 2),
  register("IoRegisterFsRegistrationChangeMountAware", 3),
  nt("IoUnregisterFsRegistrationChange", 2, (ctx) => {
    const [driver, routine] = checkArgs(ctx, "IoUnregisterFsRegistrationChange");
    unregisterCallback(ctx, same(driver, routine));
  }),
];
