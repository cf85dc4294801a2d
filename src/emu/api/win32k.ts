/**
 * Routines of the win32k images (SYSTEM_IMAGES) that drivers look up by name with
 * RtlFindExportedRoutineByName — tools that hide or protect windows resolve them in DriverEntry
 * and call them later from a GUI process's context. The emulated system runs no window manager:
 * each is a stub (`kmdll apis` lists it as one) that finds no window and warns when called.
 *
 * Exporters as on Windows 10 x64: win32kfull.sys exports the NtUser* system-call routines that
 * win32k.sys's service table forwards to, and ChangeWindowTreeProtection; win32kbase.sys exports
 * ValidateHwnd (HWND → window object, NULL for a handle that names no window).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { api, hex } from "./util.js";

function noWindow(ctx: ApiContext, what: string): number {
  ctx.warn(`${ctx.api}(${hex(ctx.arg(0))}): no window manager runs in the emulated system — ${what}`);
  return 0;
}

export const apis: ApiDefinition[] = [
  { ...api("win32kbase.sys", "ValidateHwnd", 1, (ctx) => noWindow(ctx, "no window has this handle (NULL)")), stub: true },
  { ...api("win32kfull.sys", "NtUserSetWindowDisplayAffinity", 2, (ctx) => noWindow(ctx, "no window has this handle (FALSE)")), stub: true },
  { ...api("win32kfull.sys", "ChangeWindowTreeProtection", 2, (ctx) => noWindow(ctx, "no window to protect (FALSE)")), stub: true },
];
