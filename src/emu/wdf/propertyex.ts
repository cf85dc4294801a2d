/**
 * Wdf01000.sys: unified device property queries, KMDF 1.25+ (wdfdevice.h; behaviour from
 * microsoft/Windows-Driver-Frameworks src/framework/shared/core/fxdeviceapi.cpp (WdfDeviceQueryPropertyEx,
 * WdfDeviceAllocAndQueryPropertyEx), fxdeviceinitapi.cpp (WdfFdoInitQueryPropertyEx,
 * WdfFdoInitAllocAndQueryPropertyEx), km/fxdevicekm.cpp FxDevice::_QueryPropertyEx and fxdevice.cpp
 * _AllocAndQueryPropertyEx; Microsoft Learn pages of the four DDIs):
 *
 * - NULL DeviceInit / Device / DeviceProperty, ResultLength (RequiredSize), PropertyMemory: WDF_VIOLATION;
 *   the WdfDevice* forms check Type too (the WdfFdoInit* forms write through it).
 * - WDF_DEVICE_PROPERTY_DATA.Size other than sizeof(WDF_DEVICE_PROPERTY_DATA): STATUS_INFO_LENGTH_MISMATCH.
 * - WdfFdoInitQueryPropertyEx: BufferLength > 0 with a NULL PropertyBuffer WDF_VIOLATION; WdfDeviceQueryPropertyEx:
 *   a length without a buffer or a buffer without a length STATUS_INVALID_PARAMETER.
 * - A PDO's WDFDEVICE_INIT / a control device: STATUS_INVALID_DEVICE_REQUEST; a WDFDEVICE whose PDO the
 *   PnP manager does not know yet: STATUS_INVALID_DEVICE_STATE.
 * - Then IoGetDevicePropertyData(PDO, PropertyKey, Lcid, 0, ...) (pnp/propdata.ts): *ResultLength and
 *   *Type on success and on STATUS_BUFFER_TOO_SMALL (both zeroed first).
 * - AllocAndQuery: *PropertyMemory NULLed, the attributes validated (FxValidateObjectAttributes); the
 *   length query must say STATUS_BUFFER_TOO_SMALL (any other status is returned); a WDFMEMORY of that
 *   length (parented to the driver unless the attributes name a parent) receives the value.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { getPtr, putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { nodeOfPdo, pnpState } from "../pnp/state.js";
import { getDevicePropertyData, keyName } from "../pnp/propdata.js";
import { WDF01000 } from "./ldr.js";
import { wdf } from "./layouts.js";
import { objectOf, validateAttributes } from "./objects.js";
import { newMemory, required } from "./memory.js";

const B = (n: number) => BigInt(n);
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
const TAG_PROP = 0x50666457; // 'WdfP'

/** The property key of a checked WDF_DEVICE_PROPERTY_DATA, or a status. */
function propertyKey(ctx: ApiContext, data: bigint): bigint | number {
  required(ctx, data, "DeviceProperty");
  const P = wdf("WDF_DEVICE_PROPERTY_DATA");
  const size = ctx.mem.u32(data);
  if (size !== P.$size) {
    ctx.warn(`${ctx.api}: WDF_DEVICE_PROPERTY_DATA.Size is ${size}, not sizeof(WDF_DEVICE_PROPERTY_DATA): STATUS_INFO_LENGTH_MISMATCH`);
    return STATUS.INFO_LENGTH_MISMATCH;
  }
  return getPtr(ctx.mem, data + B(P.PropertyKey));
}

/** The PDO to query: an FDO's WDFDEVICE_INIT (fdo) or a PnP WDFDEVICE the PnP manager knows; else a status. */
function pdoFor(ctx: ApiContext, fdo: boolean): bigint | number {
  const o = fdo ? objectOf(ctx, ctx.arg(1), "deviceInit", "DeviceInit") : objectOf(ctx, ctx.arg(1), "device", "Device");
  if ((fdo && o.pdoParent !== undefined) || o.pdo === undefined) return STATUS.INVALID_DEVICE_REQUEST;
  if (!fdo && !nodeOfPdo(pnpState(ctx.kernel), o.pdo)) return STATUS.INVALID_DEVICE_STATE;
  return o.pdo;
}

/** FxDevice::_QueryPropertyEx: *ResultLength and *Type zeroed, then IoGetDevicePropertyData. */
function queryEx(ctx: ApiContext, pdo: bigint, key: bigint, len: number, buf: bigint, result: bigint, type: bigint): number {
  ctx.mem.setU32(result, 0);
  ctx.mem.setU32(type, 0);
  return getDevicePropertyData(ctx, pdo, key, len, buf, result, type);
}

function query(ctx: ApiContext, fdo: boolean): number {
  const [data, len, buf, result, type] = [ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.arg(5), ctx.arg(6)];
  const objH = ctx.arg(1);
  if (fdo) required(ctx, objH, "DeviceInit");
  const key = propertyKey(ctx, data);
  ctx.describe([hex(ctx.arg(0)), hex(objH), typeof key === "bigint" ? keyName(ctx, key) : hex(data), String(len), hex(buf), hex(result), hex(type)]);
  if (typeof key === "number") return key;
  required(ctx, result, fdo ? "ResultLength" : "RequiredSize");
  if (fdo) {
    if (len > 0) required(ctx, buf, "PropertyBuffer");
  } else {
    required(ctx, type, "Type");
    if ((len !== 0 && buf === 0n) || (len === 0 && buf !== 0n)) {
      ctx.warn(`${ctx.api}: BufferLength ${len} with PropertyBuffer ${hex(buf)}: STATUS_INVALID_PARAMETER`);
      return STATUS.INVALID_PARAMETER;
    }
  }
  const pdo = pdoFor(ctx, fdo);
  if (typeof pdo === "number") return pdo;
  return queryEx(ctx, pdo, key, len, buf, result, type);
}

function allocAndQuery(ctx: ApiContext, fdo: boolean): number {
  const [data, pool, attrs, out, type] = [ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.arg(5), ctx.arg(6)];
  const objH = ctx.arg(1);
  if (fdo) required(ctx, objH, "DeviceInit");
  const key = propertyKey(ctx, data);
  ctx.describe([hex(ctx.arg(0)), hex(objH), typeof key === "bigint" ? keyName(ctx, key) : hex(data), String(pool), hex(attrs), hex(out), hex(type)]);
  if (typeof key === "number") return key;
  required(ctx, out, "PropertyMemory");
  if (!fdo) required(ctx, type, "Type");
  putPtr(ctx.mem, out, 0n);
  const bad = validateAttributes(ctx, attrs, { parentRequired: false });
  if (bad !== STATUS.SUCCESS) return bad;
  const pdo = pdoFor(ctx, fdo);
  if (typeof pdo === "number") return pdo;
  const scratch = ctx.kernel.kernelPool?.allocate(8, TAG_PROP) ?? 0n; // requiredLength, propType
  if (scratch === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  try {
    const first = queryEx(ctx, pdo, key, 0, 0n, scratch, scratch + 4n);
    if (first !== STATUS.BUFFER_TOO_SMALL) return first;
    ctx.mem.setU32(type, 0);
    const length = ctx.mem.u32(scratch);
    const buffer = ctx.kernel.kernelPool?.allocate(Math.max(length, 1), TAG_PROP) ?? 0n;
    if (buffer === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    const status = queryEx(ctx, pdo, key, length, buffer, scratch, scratch + 4n);
    if (status !== STATUS.SUCCESS) {
      ctx.kernel.kernelPool?.free(buffer);
      return status;
    }
    const mem = newMemory(ctx, attrs, buffer, BigInt(length), { pool: true });
    mem.dispose = (c) => c.kernel.kernelPool?.free(buffer);
    putPtr(ctx.mem, out, mem.handle);
    ctx.mem.setU32(type, ctx.mem.u32(scratch + 4n));
    return STATUS.SUCCESS;
  } finally {
    ctx.kernel.kernelPool?.free(scratch);
  }
}

export const apis: ApiDefinition[] = [
  fx("WdfDeviceQueryPropertyEx", 7, (ctx) => query(ctx, false)),
  fx("WdfFdoInitQueryPropertyEx", 7, (ctx) => query(ctx, true)),
  fx("WdfDeviceAllocAndQueryPropertyEx", 7, (ctx) => allocAndQuery(ctx, false)),
  fx("WdfFdoInitAllocAndQueryPropertyEx", 7, (ctx) => allocAndQuery(ctx, true)),
];
