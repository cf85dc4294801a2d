/**
 * Early-launch anti-malware (ELAM) boot driver callbacks (ntddk.h, Windows 8+; Microsoft Learn's
 * IoRegisterBootDriverCallback, IoUnregisterBootDriverCallback, BOOT_DRIVER_CALLBACK_FUNCTION):
 *
 *   PVOID IoRegisterBootDriverCallback(PBOOT_DRIVER_CALLBACK_FUNCTION CallbackFunction, PVOID CallbackContext)
 *     registers CallbackFunction(CallbackContext, BDCB_CALLBACK_TYPE, PBDCB_IMAGE_INFORMATION),
 *     which the kernel calls while it initialises boot-start drivers (BdCbInitializeImage, to
 *     classify each image) and with status updates (BdCbStatusUpdate); returns the registration
 *     handle, or NULL when it fails (CallbackFunction NULL).
 *   VOID IoUnregisterBootDriverCallback(PVOID CallbackHandle) removes it; a boot driver must do so
 *     before it unloads.
 *
 * Each registration is a `callback` event (kind "boot driver callback") and one left registered at
 * unload is reported like any callback. kmdll loads no boot-start driver after the ELAM driver
 * (every `start:` step runs after boot), so the routine is registered and never called, as on a
 * booted system, where the kernel stops calling boot driver callbacks once the boot drivers are
 * initialised. Unregistering a handle IoRegisterBootDriverCallback did not return (or twice) is a
 * bug check report: the kernel would free a registration that is not there.
 */
import type { ApiDefinition } from "./types.js";
import { hex, nt } from "./util.js";
import { newCallbackHandle, registerCallback, unregisterCallback } from "./notify.js";

const KIND = "boot driver callback";

export const apis: ApiDefinition[] = [
  nt("IoRegisterBootDriverCallback", 2, (ctx) => {
    const [routine, context] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([ctx.kernel.where?.(routine) ?? hex(routine), hex(context)]);
    if (routine === 0n) return 0n;
    const handle = newCallbackHandle(ctx);
    if (handle === 0n) return 0n;
    registerCallback(ctx, KIND, routine, context, handle);
    return handle;
  }),
  nt("IoUnregisterBootDriverCallback", 1, (ctx) => {
    const handle = ctx.arg(0);
    ctx.describe([hex(handle)]);
    if (handle === 0n || !unregisterCallback(ctx, (r) => r.kind === KIND && r.handle === handle))
      ctx.fault("bugcheck", `IoUnregisterBootDriverCallback(${hex(handle)}): not a handle IoRegisterBootDriverCallback returned (or already unregistered)`, { code: "0x0000001E" });
  }),
];
