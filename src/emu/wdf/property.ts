/**
 * Wdf01000.sys: device property queries (wdfdevice.h; behaviour from microsoft/Windows-Driver-Frameworks
 * src/framework/shared/core/fxdeviceapi.cpp (WdfDeviceQueryProperty, WdfDeviceAllocAndQueryProperty),
 * fxdeviceinitapi.cpp (WdfFdoInitQueryProperty, WdfFdoInitAllocAndQueryProperty) and
 * km/fxdevicekm.cpp (FxDevice::_QueryProperty, _AllocAndQueryProperty)):
 *
 * - Query: ResultLength must not be NULL, nor PropertyBuffer when BufferLength > 0 (WDF_VIOLATION);
 *   a control device / a PDO's WDFDEVICE_INIT is STATUS_INVALID_DEVICE_REQUEST; otherwise
 *   IoGetDeviceProperty on the PDO (pnp/properties.ts) with its status and length.
 * - AllocAndQuery: *PropertyMemory NULLed first; FxValidateObjectAttributes' statuses; the same
 *   device checks; the length query must return STATUS_BUFFER_TOO_SMALL (any other status is
 *   returned as is); then a WDFMEMORY of that length from PoolType (parented to the driver unless the
 *   attributes name a parent) receives the value; a failure deletes it again.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { WDF01000 } from "./ldr.js";
import { objectOf, validateAttributes } from "./objects.js";
import { newMemory, required } from "./memory.js";
import { getDeviceProperty, propertyName } from "../pnp/properties.js";

const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
const TAG_PROP = 0x50666457; // 'WdfP'

/** The PDO an FDO WDFDEVICE_INIT (fdo: true) or a PnP WDFDEVICE belongs to; null: not a PnP function device. */
function pdoOf(ctx: ApiContext, fdo: boolean): bigint | null {
  const o = fdo ? objectOf(ctx, ctx.arg(1), "deviceInit", "DeviceInit") : objectOf(ctx, ctx.arg(1), "device", "Device");
  if (fdo && o.pdoParent !== undefined) return null;
  return o.pdo ?? null;
}

function query(ctx: ApiContext, fdo: boolean): number {
  const [prop, len, buf, result] = [ctx.u32(2), ctx.u32(3), ctx.arg(4), ctx.arg(5)];
  ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), propertyName(prop), String(len), hex(buf), hex(result)]);
  const pdo = pdoOf(ctx, fdo);
  required(ctx, result, "ResultLength");
  if (len > 0) required(ctx, buf, "PropertyBuffer");
  if (pdo === null) return STATUS.INVALID_DEVICE_REQUEST;
  return getDeviceProperty(ctx, pdo, prop, len, buf, result);
}

function allocAndQuery(ctx: ApiContext, fdo: boolean): number {
  const [prop, pool, attrs, out] = [ctx.u32(2), ctx.u32(3), ctx.arg(4), ctx.arg(5)];
  ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), propertyName(prop), String(pool), hex(attrs), hex(out)]);
  const pdo = pdoOf(ctx, fdo);
  required(ctx, out, "PropertyMemory");
  putPtr(ctx.mem, out, 0n);
  const bad = validateAttributes(ctx, attrs, { parentRequired: false });
  if (bad !== STATUS.SUCCESS) return bad;
  if (pdo === null) return STATUS.INVALID_DEVICE_REQUEST;
  const lenP = ctx.kernel.kernelPool?.allocate(4, TAG_PROP) ?? 0n;
  if (lenP === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  try {
    ctx.mem.setU32(lenP, 0);
    const first = getDeviceProperty(ctx, pdo, prop, 0, 0n, lenP);
    if (first !== STATUS.BUFFER_TOO_SMALL) return first;
    const length = ctx.mem.u32(lenP);
    const buffer = ctx.kernel.kernelPool?.allocate(length, TAG_PROP) ?? 0n;
    if (buffer === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    const status = getDeviceProperty(ctx, pdo, prop, length, buffer, lenP);
    if (status !== STATUS.SUCCESS) {
      ctx.kernel.kernelPool?.free(buffer);
      return status;
    }
    const mem = newMemory(ctx, attrs, buffer, BigInt(length), { pool: true });
    mem.dispose = (c) => c.kernel.kernelPool?.free(buffer);
    putPtr(ctx.mem, out, mem.handle);
    return STATUS.SUCCESS;
  } finally {
    ctx.kernel.kernelPool?.free(lenP);
  }
}

export const apis: ApiDefinition[] = [
  fx("WdfDeviceQueryProperty", 6, (ctx) => query(ctx, false)),
  fx("WdfFdoInitQueryProperty", 6, (ctx) => query(ctx, true)),
  fx("WdfDeviceAllocAndQueryProperty", 6, (ctx) => allocAndQuery(ctx, false)),
  fx("WdfFdoInitAllocAndQueryProperty", 6, (ctx) => allocAndQuery(ctx, true)),
];
