/**
 * WDFINTERRUPT (wdfinterrupt.h of KMDF 1.33; checks in the order of the framework's
 * WdfInterruptCreate, microsoft/Windows-Driver-Frameworks src/framework/shared/irphandlers/pnp/
 * interruptobjectapi.cpp): Device must be a live WDFDEVICE and Configuration / Interrupt non-NULL
 * (WDF_VIOLATION); Configuration->Size one of the 1.9 / 1.11 / current sizes
 * (STATUS_INFO_LENGTH_MISMATCH); EvtInterruptIsr set (STATUS_INVALID_PARAMETER); a ParentObject only
 * with AutomaticSerialization; the device still in EvtDriverDeviceAdd (not yet started) — created
 * there, InterruptRaw / InterruptTranslated must be NULL and CanWakeDevice FALSE
 * (STATUS_INVALID_PARAMETER); EvtInterruptDpc and EvtInterruptWorkItem not both
 * (STATUS_INVALID_PARAMETER); at DIRQL no WaitLock, passive-level no SpinLock
 * (STATUS_INVALID_PARAMETER). The object is parented to the device (WdfInterruptGetDevice).
 *
 * Interrupts are connected by the framework at D0 entry to the device's assigned interrupt
 * resource. kmdll's devices (root-enumerated) are assigned no resources, so an interrupt created
 * here is never connected and its EvtInterruptIsr is never called — as on Windows for a device
 * without an interrupt resource. Creating an interrupt after EvtDriverDeviceAdd (in
 * EvtDevicePrepareHardware with the resource descriptors) is not emulated: it fails
 * STATUS_INVALID_DEVICE_STATE as outside those two callbacks.
 */
import type { ApiDefinition } from "../api/types.js";
import { getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { WDF01000 } from "./ldr.js";
import { wdf } from "./layouts.js";
import { newObject, objectOf, readAttributes, validateAttributes } from "./objects.js";
import { required } from "./memory.js";

const B = (n: number) => BigInt(n);
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
/** ntstatus.h: a parent was given to an object that takes none. */
const STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED = 0xc020020f; // wdfstatus.h (KMDF 1.33)

export const apis: ApiDefinition[] = [
  fx("WdfInterruptCreate", 5, (ctx) => {
    const [devH, config, attrs, out] = [ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4)];
    ctx.describe([hex(ctx.arg(0)), hex(devH), hex(config), hex(attrs), hex(out)]);
    const device = objectOf(ctx, devH, "device", "Device");
    required(ctx, config, "Configuration");
    required(ctx, out, "Interrupt");
    const m = ctx.mem;
    const C = wdf("WDF_INTERRUPT_CONFIG");
    const size = m.u32(config + B(C.Size));
    if (![C.$size, wdf("WDF_INTERRUPT_CONFIG_V1_11").$size, wdf("WDF_INTERRUPT_CONFIG_V1_9").$size].includes(size)) {
      ctx.warn(`WdfInterruptCreate: WDF_INTERRUPT_CONFIG.Size is ${size}, not the size of the KMDF 1.9, 1.11 or current structure for this arch: STATUS_INFO_LENGTH_MISMATCH`);
      return STATUS.INFO_LENGTH_MISMATCH;
    }
    // Fields past Size read as the defaults of WDF_INTERRUPT_CONFIG_INIT (zero) for an older structure.
    const field = (off: number, len: number) => (off + len <= size ? (len === 1 ? BigInt(m.u8(config + B(off))) : len === 4 ? BigInt(m.u32(config + B(off))) : getPtr(m, config + B(off))) : 0n);
    const ptr = (off: number) => field(off, ptrSize());
    const isr = ptr(C.EvtInterruptIsr);
    if (isr === 0n) {
      ctx.warn(`WdfInterruptCreate: NULL EvtInterruptIsr in WDF_INTERRUPT_CONFIG ${hex(config)}: STATUS_INVALID_PARAMETER`);
      return STATUS.INVALID_PARAMETER;
    }
    const autoSer = field(C.AutomaticSerialization, 1) !== 0n;
    const a = readAttributes(ctx, attrs);
    if (!autoSer && a.parent !== null) {
      ctx.warn(`WdfInterruptCreate: Attributes->ParentObject is set without AutomaticSerialization: STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED`);
      return STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED;
    }
    const st = validateAttributes(ctx, attrs, { parentRequired: false });
    if (st !== 0) return st;
    if (a.parent !== null) objectOf(ctx, a.parent, null, "Attributes->ParentObject");
    if (device.started) {
      ctx.warn(`WdfInterruptCreate: device ${hex(devH)} is past EvtDriverDeviceAdd (creating interrupts in EvtDevicePrepareHardware is not emulated): STATUS_INVALID_DEVICE_STATE`);
      return STATUS.INVALID_DEVICE_STATE;
    }
    if (ptr(C.InterruptRaw) !== 0n || ptr(C.InterruptTranslated) !== 0n || field(C.CanWakeDevice, 1) !== 0n) return STATUS.INVALID_PARAMETER;
    if (ptr(C.EvtInterruptDpc) !== 0n && ptr(C.EvtInterruptWorkItem) !== 0n) return STATUS.INVALID_PARAMETER;
    const passive = field(C.PassiveHandling, 1) !== 0n;
    if (!passive && ptr(C.WaitLock) !== 0n) return STATUS.INVALID_PARAMETER;
    if (passive && ptr(C.SpinLock) !== 0n) return STATUS.INVALID_PARAMETER;
    const o = newObject(ctx, "interrupt", { ...a, parent: a.parent ?? device.handle }, { queueDevice: device.handle });
    putPtr(m, out, o.handle);
    return STATUS.SUCCESS;
  }),
  fx("WdfInterruptGetDevice", 2, (ctx) => objectOf(ctx, ctx.arg(1), "interrupt", "Interrupt").queueDevice ?? 0n),
];
