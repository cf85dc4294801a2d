/**
 * WDFLDR.SYS, the KMDF loader, emulated like ntoskrnl/HAL: a synthetic module whose exports bind
 * a client driver's WdfDriverEntry stub to the framework. WdfVersionBind checks the client's
 * WDF_BIND_INFO, hands it the framework function table (thunks of the synthetic Wdf01000.sys,
 * one per WDFFUNCENUM index, so an unimplemented DDI is a named `unimplemented-api` report) and
 * a WDF_DRIVER_GLOBALS block.
 *
 * Layouts per arch (layouts.ts): WDF_BIND_INFO and WDF_BIND_INFO2 (fxldr.h of
 * microsoft/Windows-Driver-Frameworks), WDF_DRIVER_GLOBALS (wdfglobals.h). On x86 the loader's
 * exports and the framework's DDIs are stdcall (the WDK builds x86 drivers with /Gz).
 * Semantics of the table hand-over (copy for tables up to 1.13, pointer store above) and the
 * FuncCount checks follow FxLibraryCommonRegisterClient (src/framework/kmdf/src/librarycommon/
 * fxlibrarycommon.cpp), which fails with STATUS_INVALID_PARAMETER.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { api, describeUnicode, hex, unicodeText } from "../api/util.js";
import { componentState } from "../api/state.js";
import { COPY_TABLE_MAX, EMULATED_MAJOR, EMULATED_MINOR, RELEASED_TABLE_SIZES, WDF_FUNCTIONS } from "./funcenum.js";
import { wdf } from "./layouts.js";
import { wdfState } from "./objects.js";
import { deleteDriver } from "./lifetime.js";

export const WDFLDR = "wdfldr.sys";
export const WDF01000 = "wdf01000.sys";
const ldr = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDFLDR, name, argc, h);

const TAG_WDF = 0x20666457; // 'Wdf '

export interface Binding {
  globals: bigint;
  driverObject: bigint;
  service: string;
  version: string;
  funcCount: number;
}

export const wdfLdrState = componentState("wdfldr", () => ({ table: 0n, bindings: new Map<bigint, Binding>() }));

/** The framework function table in kernel pool: one thunk address per WDFFUNCENUM index (built once). */
function functionTable(ctx: ApiContext): bigint {
  const st = wdfLdrState(ctx.kernel);
  if (st.table !== 0n) return st.table;
  const p = ptrSize();
  const t = ctx.kernel.kernelPool?.allocate(WDF_FUNCTIONS.length * p, TAG_WDF) ?? 0n;
  if (t === 0n) ctx.fault("internal", "WdfVersionBind: no kernel pool for the framework function table");
  WDF_FUNCTIONS.forEach((n, i) => {
    const a = ctx.kernel.moduleExport?.(WDF01000, n) ?? null;
    if (a === null) ctx.fault("internal", `WdfVersionBind: ${WDF01000} has no thunk for ${n}`);
    putPtr(ctx.mem, t + BigInt(p * i), a);
  });
  st.table = t;
  return t;
}

function bind(ctx: ApiContext): number {
  const [drv, regPath, info, globalsOut] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([hex(drv), describeUnicode(ctx, regPath), hex(info), hex(globalsOut)]);
  if (info === 0n || globalsOut === 0n) return STATUS.INVALID_PARAMETER;
  const m = ctx.mem;
  const BIND = wdf("WDF_BIND_INFO");
  const BIND2 = wdf("WDF_BIND_INFO2");
  const GLOBALS = wdf("WDF_DRIVER_GLOBALS");
  const major = m.u32(info + BigInt(BIND.Major));
  const minor = m.u32(info + BigInt(BIND.Minor));
  const build = m.u32(info + BigInt(BIND.Build));
  const count = m.u32(info + BigInt(BIND.FuncCount));
  const tableArg = getPtr(m, info + BigInt(BIND.FuncTable));
  const component = getPtr(m, info + BigInt(BIND.Component));
  let comp = "?";
  try {
    comp = component === 0n ? "?" : m.wstring(component, 64);
  } catch {
    /* shown as "?" */
  }
  const version = `${major}.${minor}`;
  const emulated = `${EMULATED_MAJOR}.${EMULATED_MINOR}`;
  putPtr(m, globalsOut, 0n);
  if (tableArg === 0n) return STATUS.INVALID_PARAMETER;
  if (major !== EMULATED_MAJOR) {
    ctx.warn(`WdfVersionBind: the driver asks for framework ${comp} version ${version}.${build}; kmdll emulates KMDF ${emulated} (major version ${EMULATED_MAJOR} only): STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  // WdfBindClientHelper, run by the framework's LibraryRegisterClient before the table checks
  // (its failure is logged as WDFVER_MINOR_VERSION_NOT_SUPPORTED with the insert string
  // "Driver Version: %d.%d Kmdf Lib. Version: %d.%d", version.cpp of
  // microsoft/Windows-Driver-Frameworks; the helper itself is not in that repository — its
  // behaviour here is the one of Wdf01000.sys and of ReactOS's reimplementation): a plain
  // WDF_BIND_INFO (Size 48 on x64, 32 on x86) must not target a newer minor version than the
  // framework's; a WDF_BIND_INFO2 (Size 88 / 52: "build on newer, run on older", KMDF 1.25+)
  // names a minimum required minor version instead; anything else is STATUS_INVALID_PARAMETER.
  const size = m.u32(info + BigInt(BIND.Size));
  const v1Size = BIND.$size;
  const v2Size = BIND2.$size;
  const refuse = (why: string): number => {
    ctx.warn(`WdfVersionBind: ${why} (Driver Version: ${version} Kmdf Lib. Version: ${emulated}): STATUS_INVALID_PARAMETER, as Wdf01000.sys refuses it (WDFVER_MINOR_VERSION_NOT_SUPPORTED)`);
    return STATUS.INVALID_PARAMETER;
  };
  let effectiveCount = count;
  if (size === v1Size) {
    if (minor > EMULATED_MINOR) return refuse(`the driver was built for KMDF ${version}, newer than the emulated framework KMDF ${emulated}`);
  } else if (size === v2Size) {
    const at = (f: "MinimumVersionRequired" | "ClientVersionHigherThanFramework" | "FuncCountPtr") => getPtr(m, info + BigInt(BIND2[f]));
    const minimum = at("MinimumVersionRequired") === 0n ? minor : m.u32(at("MinimumVersionRequired"));
    if (minimum > minor) return refuse(`the driver's minimum required KMDF 1.${minimum} is above its target KMDF ${version}`);
    if (minimum > EMULATED_MINOR) return refuse(`the driver requires at least KMDF 1.${minimum}, newer than the emulated framework KMDF ${emulated}`);
    if (at("ClientVersionHigherThanFramework") !== 0n) m.setU8(at("ClientVersionHigherThanFramework"), minor > EMULATED_MINOR ? 1 : 0);
    if (minor > EMULATED_MINOR) {
      if (count < WDF_FUNCTIONS.length) return refuse(`the driver targets KMDF ${version} but its table has only ${count} functions`);
      // It gets the framework's table only: FuncCount (and the client's copy of it) shrink to ours.
      ctx.warn(`WdfVersionBind: the driver targets KMDF ${version} (minimum KMDF 1.${minimum}); it binds to the emulated KMDF ${emulated} and may call only the ${WDF_FUNCTIONS.length} functions that exist there`);
      effectiveCount = WDF_FUNCTIONS.length;
      m.setU32(info + BigInt(BIND.FuncCount), effectiveCount);
      if (at("FuncCountPtr") !== 0n) m.setU32(at("FuncCountPtr"), effectiveCount);
    }
  } else {
    return refuse(`unrecognized WDF_BIND_INFO size ${size} (expected ${v1Size}, or ${v2Size} for WDF_BIND_INFO2)`);
  }
  if (effectiveCount > WDF_FUNCTIONS.length) {
    ctx.warn(`WdfVersionBind: the driver was built for KMDF ${version} (${count} functions), newer than the emulated framework KMDF ${emulated} (${WDF_FUNCTIONS.length} functions): STATUS_INVALID_PARAMETER, as Wdf01000.sys rejects it`);
    return STATUS.INVALID_PARAMETER;
  }
  if (effectiveCount !== WDF_FUNCTIONS.length && !RELEASED_TABLE_SIZES.has(effectiveCount)) {
    ctx.warn(`WdfVersionBind: function table count ${count} (KMDF ${version}) matches no released framework version: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  const table = functionTable(ctx);
  if (effectiveCount <= COPY_TABLE_MAX) m.write(tableArg, m.read(table, effectiveCount * ptrSize()));
  else putPtr(m, tableArg, table);
  const globals = ctx.kernel.kernelPool?.allocate(GLOBALS.$size, TAG_WDF) ?? 0n;
  if (globals === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  const path = regPath === 0n ? null : unicodeText(m, regPath);
  const service = (path ?? "").split("\\").pop() || "?";
  const nameBytes = new Uint8Array(32);
  for (let i = 0; i < Math.min(31, service.length); i++) nameBytes[i] = service.charCodeAt(i) & 0x7f;
  m.write(globals + BigInt(GLOBALS.DriverName), nameBytes);
  m.setU32(globals + BigInt(GLOBALS.DriverTag), service.length >= 4 ? new DataView(nameBytes.buffer).getUint32(0, true) : TAG_WDF);
  putPtr(m, globalsOut, globals);
  wdfLdrState(ctx.kernel).bindings.set(globals, { globals, driverObject: drv, service, version: `${version}.${build}`, funcCount: count });
  return STATUS.SUCCESS;
}

function unbind(ctx: ApiContext): number {
  const [regPath, info, globals] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([describeUnicode(ctx, regPath), hex(info), hex(globals)]);
  const st = wdfLdrState(ctx.kernel);
  if (!st.bindings.has(globals)) {
    ctx.warn(`WdfVersionUnbind: ${hex(globals)} is not a bound driver's WDF_DRIVER_GLOBALS`);
    return STATUS.INVALID_PARAMETER;
  }
  // FxLibraryCommonUnregisterClient (fxlibrarycommon.cpp): a WDFDRIVER still there — the driver's
  // unload was not the framework's (an NDIS-WDF miniport's) — is deleted now, without EvtDriverUnload.
  const drv = [...wdfState(ctx.kernel).objects.values()].find((o) => o.kind === "driver" && o.owner === globals);
  if (drv && !drv.deleted) deleteDriver(ctx, drv);
  st.bindings.delete(globals);
  ctx.kernel.kernelPool?.free(globals);
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  ldr("WdfVersionBind", 4, bind),
  ldr("WdfVersionUnbind", 3, unbind),
  // WdfVersionBindClass / WdfVersionUnbindClass: classext.ts.
  Object.assign(ldr("WdfLdrQueryInterface", 1, (ctx) => {
    ctx.warn("WdfLdrQueryInterface: loader interfaces are not emulated: STATUS_NOT_SUPPORTED");
    return STATUS.NOT_SUPPORTED;
  }), { stub: true }),
];
