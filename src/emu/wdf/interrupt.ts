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
 *
 * WdfInterruptGetInfo(Interrupt, Info) (fxinterruptapi.cpp): NULL Info WDF_VIOLATION; an Info->Size
 * that is neither the KMDF 1.7 nor the current WDF_INTERRUPT_INFO's changes nothing (a warning: the
 * framework only breaks into the debugger); else the interrupt's WDF_INTERRUPT_INFO is copied in that
 * size. Never connected here, it is the one FxInterrupt's constructor and Reset leave: zeroes,
 * Irql PASSIVE_LEVEL, Mode LevelSensitive, MessageNumber the interrupt's index among its device's.
 */
import type { ApiDefinition } from "../api/types.js";
import { getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { WDF01000 } from "./ldr.js";
import { wdf } from "./layouts.js";
import { newObject, objectOf, readAttributes, validateAttributes, wdfState } from "./objects.js";

declare module "./objects.js" {
  interface WdfObject {
    /** WDFINTERRUPT: its index among its device's interrupts (WDF_INTERRUPT_INFO.MessageNumber). */
    interruptIndex?: number;
  }
}
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
    const index = [...wdfState(ctx.kernel).objects.values()].filter((i) => i.kind === "interrupt" && i.queueDevice === device.handle).length;
    const o = newObject(ctx, "interrupt", { ...a, parent: a.parent ?? device.handle }, { queueDevice: device.handle, interruptIndex: index });
    putPtr(m, out, o.handle);
    return STATUS.SUCCESS;
  }),
  fx("WdfInterruptGetInfo", 3, (ctx) => {
    const o = objectOf(ctx, ctx.arg(1), "interrupt", "Interrupt");
    const info = ctx.arg(2);
    required(ctx, info, "Info");
    const size = ctx.mem.u32(info);
    const I = wdf("WDF_INTERRUPT_INFO");
    if (size !== I.$size && size !== wdf("WDF_INTERRUPT_INFO_V1_7").$size) {
      ctx.warn(`WdfInterruptGetInfo: WDF_INTERRUPT_INFO.Size is ${size}, not the size of the KMDF 1.7 or current structure: nothing copied (the framework breaks into the debugger)`);
      return;
    }
    ctx.mem.write(info, new Uint8Array(size));
    ctx.mem.setU32(info + B(I.Size), size);
    ctx.mem.setU32(info + B(I.MessageNumber), o.interruptIndex ?? 0);
  }),
  fx("WdfInterruptGetDevice", 2, (ctx) => objectOf(ctx, ctx.arg(1), "interrupt", "Interrupt").queueDevice ?? 0n),
];
