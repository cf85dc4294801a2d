/**
 * classpnp.sys, the storage class driver library disk/CD-ROM/tape class drivers link against
 * (classpnp.h; Microsoft Learn's classpnp.h reference; library Classpnp.lib). 19 drivers of the
 * held-out corpus (issue 12, fresh4: NVIDIA RAID class drivers nvrd32/nvrd64 and others) import
 * it and failed to load without it. kmdll has no storage stack: no device reaches classpnp's
 * AddDevice, so a class driver's DriverEntry registration and its unload run; every other export
 * (the database's list, mingw-w64's libclasspnp.a) is reported as an emulator gap when called.
 *
 *   ClassInitialize(Argument1 = DriverObject, Argument2 = RegistryPath, InitializationData)
 *     (CLASS_INIT_DATA: classpnp.h; the checks in the order of Microsoft's classpnp sample,
 *     Windows-driver-samples storage/class/classpnp/src/class.c): InitializationDataSize other
 *     than sizeof(CLASS_INIT_DATA) (x64 392, x86 212) is STATUS_REVISION_MISMATCH ("Class driver
 *     wrong version"); a NULL FdoData.ClassDeviceControl, FdoData.ClassStartDevice or
 *     ClassAddDevice, or neither FdoData.ClassReadWriteVerification nor ClassStartIo, is
 *     STATUS_REVISION_MISMATCH ("missing required FDO entry"); with ClassEnumerateDevice set, the
 *     same for PdoData's ClassDeviceControl / ClassStartDevice / ClassReadWriteVerification-or-
 *     ClassStartIo ("missing required PDO entry"). The driver object is left alone on those.
 *     Otherwise STATUS_SUCCESS and classpnp owns the driver object: IRP_MJ_CREATE, CLOSE, READ,
 *     WRITE, SCSI (INTERNAL_DEVICE_CONTROL), DEVICE_CONTROL, SHUTDOWN, FLUSH_BUFFERS, PNP, POWER
 *     and SYSTEM_CONTROL become classpnp's dispatch routine (no class device exists: an IRP gets
 *     IopInvalidDeviceRequest's answer), DriverStartIo classpnp's when ClassStartIo is set,
 *     AddDevice classpnp's (an emulator gap when a `--devices` tree reaches it), and DriverUnload
 *     classpnp's ClassUnload when InitializationData->ClassUnload is set — it calls the driver's
 *     ClassUnload — else NULL (with a warning: "driver does not support unload"). A second call
 *     for the same driver object keeps the first call's CLASS_INIT_DATA (the driver object
 *     extension exists: the sample copies the data only when it creates it, so the ClassUnload
 *     called at unload is the first call's) and sets the entry points again from the new one's;
 *     if the first had no ClassUnload, reaching classpnp's unload is the NULL call Windows makes
 *     (a bug check report). A NULL InitializationData or a DriverObject that
 *     is not a DRIVER_OBJECT is a bug check report (classpnp dereferences both).
 *   ClassDebugPrint(DebugPrintLevel, DebugMessage, ...): the kernel printf, as a DbgPrint event
 *     of that level (classpnp's checked build prints; a free build prints nothing).
 */
import type { ApiContext, ApiDefinition, KernelState } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex, moduleRoutine } from "./util.js";
import { componentState } from "./state.js";
import { invalidDeviceRequest } from "../iomgr/driver-object.js";
import { levelDebugPrint } from "./port-print.js";

export const CLASSPNP = "classpnp.sys";
const B = (n: number) => BigInt(n);
const STATUS_REVISION_MISMATCH = 0xc0000059;
/** IRP_MJ_CREATE, CLOSE, READ, WRITE, INTERNAL_DEVICE_CONTROL (SCSI), DEVICE_CONTROL, SHUTDOWN, FLUSH_BUFFERS, PNP, POWER, SYSTEM_CONTROL. */
const CLASS_MAJORS = [0x00, 0x02, 0x03, 0x04, 0x0f, 0x0e, 0x10, 0x09, 0x1b, 0x16, 0x17];

/**
 * CLASS_INIT_DATA offsets (classpnp.h): CLASS_DEV_INFO FdoData at the first pointer-aligned
 * offset, PdoData after it, then ClassAddDevice, ClassEnumerateDevice, ClassQueryPnpId,
 * ClassStartIo, ClassUnload, ClassTick. Cross-checked with clang offsetof over mingw-w64's
 * classpnp.h (x64: size 392, Fdo 8, Pdo 176, AddDevice 344; x86: 212, 4, 96, 188) and by
 * examples/class-ks, which prints its compiler's numbers.
 */
export function classInitDataLayout() {
  const p = ptrSize();
  // CLASS_DEV_INFO: three ULONGs and a UCHAR (16 bytes), 11 routine pointers, CLASS_WMI_INFO (ULONG + 7 pointers).
  const devInfo = 16 + 11 * p + p + 7 * p;
  const fdo = p;
  const pdo = fdo + devInfo;
  const tail = pdo + devInfo;
  return {
    size: tail + 6 * p,
    fdo,
    pdo,
    readWrite: 16 + p, // ClassReadWriteVerification (after ClassError)
    deviceControl: 16 + 2 * p,
    startDevice: 16 + 6 * p,
    addDevice: tail,
    enumerateDevice: tail + p,
    startIo: tail + 3 * p,
    unload: tail + 4 * p,
  };
}

interface ClassDriver {
  driver: bigint;
  module: string;
  classUnload: bigint;
}
const classState = componentState("classpnp", () => ({ drivers: [] as ClassDriver[] }));

/** The class drivers ClassInitialize accepted (not unloaded), for tests and reports. */
export function classDrivers(kernel: KernelState): readonly ClassDriver[] {
  return classState(kernel).drivers;
}

const internal = (kernel: KernelState, name: string, h: ApiDefinition["handler"], argc: number): bigint => moduleRoutine(kernel, CLASSPNP, name, h, argc);

function initialize(ctx: ApiContext): number {
  const [driver, regPath, data] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(driver), hex(regPath), hex(data)]);
  const m = ctx.mem;
  if (data === 0n || !m.isMapped(data, 4)) ctx.fault("bugcheck", `ClassInitialize: InitializationData ${hex(data)} is not readable`, { code: "0x0000001E" });
  const L = classInitDataLayout();
  const bad = (why: string) => {
    ctx.warn(`ClassInitialize: ${why}: STATUS_REVISION_MISMATCH`);
    return STATUS_REVISION_MISMATCH;
  };
  const size = m.u32(data);
  if (size !== L.size) return bad(`InitializationDataSize is ${size}, not sizeof(CLASS_INIT_DATA) (${L.size})`);
  const ptr = (off: number) => getPtr(m, data + B(off));
  const startIo = ptr(L.startIo);
  const missing = (info: number) => [
    ...(ptr(info + L.deviceControl) === 0n ? ["ClassDeviceControl"] : []),
    ...(ptr(info + L.readWrite) === 0n && startIo === 0n ? ["ClassReadWriteVerification (or ClassStartIo)"] : []),
    ...(ptr(info + L.startDevice) === 0n ? ["ClassStartDevice"] : []),
  ];
  const fdoMissing = [...missing(L.fdo), ...(ptr(L.addDevice) === 0n ? ["ClassAddDevice"] : [])];
  if (fdoMissing.length) return bad(`the required FDO entry(s) ${fdoMissing.join(", ")} are NULL`);
  if (ptr(L.enumerateDevice) !== 0n) {
    const pdoMissing = missing(L.pdo);
    if (pdoMissing.length) return bad(`ClassEnumerateDevice is set but the required PDO entry(s) ${pdoMissing.map((n) => `PdoData.${n}`).join(", ")} are NULL`);
  }
  if (driver === 0n || !m.isMapped(driver, 2) || m.u16(driver + B(LAYOUT.DRIVER_OBJECT.Type)) !== 4)
    ctx.fault("bugcheck", `ClassInitialize: Argument1 ${hex(driver)} is not a DRIVER_OBJECT`, { code: "0x0000001E" });
  const classUnload = ptr(L.unload);
  const st = classState(ctx.kernel);
  const known = st.drivers.find((d) => d.driver === driver);
  if (!known) st.drivers.push({ driver, module: ctx.caller?.module ?? "?", classUnload });
  const dispatch = internal(ctx.kernel, "ClassGlobalDispatch", (c) => c.callGuest(invalidDeviceRequest(c.kernel), [c.arg(0), c.arg(1)]), 2);
  for (const i of CLASS_MAJORS) putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.MajorFunction + i * ptrSize()), dispatch);
  if (startIo !== 0n) putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverStartIo), classStartIo(ctx.kernel));
  if (classUnload === 0n) ctx.warn("ClassInitialize: ClassUnload is NULL: the driver does not support unload (DriverUnload is NULL)");
  putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload), classUnload === 0n ? 0n : unload(ctx.kernel));
  const ext = getPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverExtension));
  if (ext !== 0n) putPtr(m, ext + B(LAYOUT.DRIVER_EXTENSION.AddDevice), addDevice(ctx.kernel));
  return STATUS.SUCCESS;
}

function classStartIo(kernel: KernelState): bigint {
  return internal(kernel, "ClasspStartIo", (ctx) => {
    ctx.fault("unimplemented-api", `kmdll does not implement storage class devices: classpnp.sys's StartIo for device ${hex(ctx.arg(0))}`);
  }, 2);
}

function addDevice(kernel: KernelState): bigint {
  return internal(kernel, "ClassAddDevice", (ctx) => {
    ctx.fault("unimplemented-api", `kmdll does not implement storage class devices: classpnp.sys's AddDevice for the class driver ${hex(ctx.arg(0))} (the driver's ClassAddDevice would run next)`);
  }, 2);
}

/** classpnp's ClassUnload: the driver's own ClassUnload (CLASS_INIT_DATA), then it is forgotten. */
function unload(kernel: KernelState): bigint {
  return internal(kernel, "ClassUnload", (ctx) => {
    const driver = ctx.arg(0);
    const st = classState(ctx.kernel);
    const d = st.drivers.find((x) => x.driver === driver);
    st.drivers = st.drivers.filter((x) => x.driver !== driver);
    if (d && d.classUnload === 0n) ctx.fault("bugcheck", `ClassUnload: the class driver's first CLASS_INIT_DATA (the one classpnp kept) has no ClassUnload: a call of NULL`, { code: "0x0000001E" });
    if (d) ctx.callGuest(d.classUnload, [driver]);
  }, 1);
}

export const apis: ApiDefinition[] = [
  api(CLASSPNP, "ClassInitialize", 3, initialize),
  { ...api(CLASSPNP, "ClassDebugPrint", 2, (ctx) => void levelDebugPrint(ctx)), notes: "the kernel printf as a DbgPrint event of that level (classpnp's checked build)" },
];
