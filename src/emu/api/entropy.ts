/**
 * cng.sys's entropy-source interface (systemrng.h; Microsoft Learn: EntropyRegisterSource,
 * EntropyRegisterCallback, EntropyProvideData, EntropyUnregisterSource, ENTROPY_SOURCE_TYPE,
 * PENTROPY_SOURCE_CALLBACK_FUNCTION): a driver of a hardware random number generator registers a
 * source with the system RNG, pushes samples to it, or registers a callback the RNG pulls from.
 *
 *   EntropyRegisterSource(phEntropySource, entropySourceType, entropySourceName): a new source
 *     handle in *phEntropySource. Learn documents no error cases; kmdll answers
 *     STATUS_INVALID_PARAMETER for a NULL phEntropySource or a type that is not one of
 *     ENTROPY_SOURCE_TYPE_HIGH_PUSH (0), _LOW_PUSH (1), _HIGH_PULL (2).
 *   EntropyRegisterCallback(hEntropySource, pCallbackFunction, context): the routine the RNG calls
 *     to pull entropy. kmdll's system RNG never pulls (nothing reseeds in a run), so the routine is
 *     recorded, not called; a source left registered with it at unload is the verifier's
 *     `unload-pending-operations` finding (verifier/unload.ts), as its routine would run in a gone image.
 *   EntropyProvideData(hEntropySource, pbData, cbData, entropyEstimateInMilliBits): the bytes are
 *     read (an unreadable buffer faults as it would in cng.sys) and counted, not mixed into anything.
 *   EntropyUnregisterSource(hEntropySource): the source goes.
 * A handle that is no registered source is STATUS_INVALID_HANDLE (kmdll's choice: Learn is silent).
 * Each registration is a `callback` event of kind `entropy-source`.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "./util.js";
import { putPtr } from "../../nt/arch-layout.js";
import type { KernelExport } from "../../nt/kernel-exports.js";
import { newCallbackHandle, registerCallback, registrations, unregisterCallback } from "./notify.js";

const CNG = "cng.sys";
const KIND = "entropy-source";
const STATUS_INVALID_HANDLE = 0xc0000008;
const TYPES = ["ENTROPY_SOURCE_TYPE_HIGH_PUSH", "ENTROPY_SOURCE_TYPE_LOW_PUSH", "ENTROPY_SOURCE_TYPE_HIGH_PULL"];

interface Source {
  type: number;
  name: string;
  bytes: number;
}

const sourceOf = (ctx: ApiContext, h: bigint) => (h === 0n ? undefined : registrations(ctx.kernel, KIND).find((r) => r.handle === h));

export const apis: ApiDefinition[] = [
  api(CNG, "EntropyRegisterSource", 3, (ctx) => {
    const [out, type, namePtr] = [ctx.arg(0), ctx.u32(1), ctx.arg(2)];
    const name = namePtr === 0n ? "" : ctx.mem.wstring(namePtr, 256);
    ctx.describe([hex(out), TYPES[type] ?? String(type), namePtr === 0n ? "NULL" : JSON.stringify(name)]);
    if (out === 0n || type >= TYPES.length) return STATUS.INVALID_PARAMETER;
    const h = newCallbackHandle(ctx);
    registerCallback(ctx, KIND, 0n, 0n, h, { type, name, bytes: 0 } satisfies Source);
    putPtr(ctx.mem, out, h);
    return STATUS.SUCCESS;
  }),
  api(CNG, "EntropyRegisterCallback", 3, (ctx) => {
    const [h, fn, context] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    ctx.describe([hex(h), ctx.kernel.where?.(fn) ?? hex(fn), hex(context)]);
    const r = sourceOf(ctx, h);
    if (!r) return STATUS_INVALID_HANDLE;
    if (fn === 0n) return STATUS.INVALID_PARAMETER;
    r.routine = fn;
    r.context = context;
    return STATUS.SUCCESS;
  }),
  api(CNG, "EntropyProvideData", 4, (ctx) => {
    const [h, data, size, milliBits] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.u32(3)];
    ctx.describe([hex(h), hex(data), hex(size), String(milliBits)]);
    const r = sourceOf(ctx, h);
    if (!r) return STATUS_INVALID_HANDLE;
    if (size > 0n && data === 0n) return STATUS.INVALID_PARAMETER;
    if (size > 0n) ctx.mem.read(data, Number(size > 0x100000n ? 0x100000n : size));
    (r.data as Source).bytes += Number(size);
    return STATUS.SUCCESS;
  }),
  api(CNG, "EntropyUnregisterSource", 1, (ctx) => {
    const h = ctx.arg(0);
    ctx.describe([hex(h)]);
    return h !== 0n && unregisterCallback(ctx, (r) => r.kind === KIND && r.handle === h) ? STATUS.SUCCESS : STATUS_INVALID_HANDLE;
  }),
];

/** cng.sys's exports: ksecdd.sys's BCrypt* routines (api/bcrypt.ts serves both modules) and the entropy-source routines (x86: stdcall, systemrng.h's prototypes). */
export function cngExports(ksecdd: readonly KernelExport[], arch: string): KernelExport[] {
  const entropy: [string, number][] = [["EntropyProvideData", 16], ["EntropyRegisterCallback", 12], ["EntropyRegisterSource", 12], ["EntropyUnregisterSource", 4]];
  return [...ksecdd.filter((e) => e.name.startsWith("BCrypt")), ...entropy.map(([name, argBytes]): KernelExport => ({ name, type: "code", ...(arch === "x86" ? { call: "stdcall" as const, argBytes } : {}) }))];
}
