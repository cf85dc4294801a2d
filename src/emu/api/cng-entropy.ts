/**
 * cng.sys's entropy-source routines (systemrng.h, Windows 10 1809+): a driver for a hardware
 * random number generator registers itself as a source of the kernel's entropy pool and pushes
 * samples into it. Qualcomm's ARM64 qcRng850 / qcRng8998 (WOA-Drivers) import all four and failed
 * to load without them.
 *
 * Learn lists the routines and their parameters (systemrng.h: EntropyRegisterSource,
 * EntropyUnregisterSource, EntropyProvideData, EntropyRegisterCallback, ENTROPY_SOURCE_TYPE,
 * PENTROPY_SOURCE_CALLBACK_FUNCTION) but documents no behaviour ("This function returns
 * NTSTATUS"): the routines are STUBS that accept and record —
 *   EntropyRegisterSource(&hSource, Type, Name): Type must be ENTROPY_SOURCE_TYPE_HIGH_PUSH (1),
 *     _LOW_PUSH (2) or _HIGH_PULL (3) and both pointers non-NULL, else STATUS_INVALID_PARAMETER;
 *     *hSource = a new opaque handle (ENTROPY_SOURCE_HANDLE is a pointer to cng's own state);
 *   EntropyProvideData(hSource, pbData, cbData, MilliBits): reads the bytes and counts them (they
 *     feed no pool: kmdll's BCryptGenRandom draws on its own deterministic generator);
 *   EntropyRegisterCallback(hSource, Callback, Context): records the pull callback, which kmdll
 *     never calls (its pool never asks for a reseed);
 *   EntropyUnregisterSource(hSource): forgets the source.
 * A handle no EntropyRegisterSource returned (or one unregistered) is STATUS_INVALID_HANDLE; a NULL
 * buffer with a non-zero size or a NULL callback is STATUS_INVALID_PARAMETER (kmdll's choices, the
 * usual NTSTATUS for those mistakes). Each call's description shows what was recorded.
 * x64 and ARM64 only (emulator.ts): systemrng.h declares no calling convention for x86.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { putPtr } from "../../nt/arch-layout.js";
import { componentState } from "./state.js";
import { api, hex } from "./util.js";

export const CNG_ENTROPY_EXPORTS: readonly string[] = ["EntropyProvideData", "EntropyRegisterCallback", "EntropyRegisterSource", "EntropyUnregisterSource"];
const TYPES = ["", "ENTROPY_SOURCE_TYPE_HIGH_PUSH", "ENTROPY_SOURCE_TYPE_LOW_PUSH", "ENTROPY_SOURCE_TYPE_HIGH_PULL"];
const TAG_ENTROPY = 0x72746e45; // 'Entr'

interface EntropySource {
  name: string;
  type: number;
  owner: string | null;
  bytes: number;
  milliBits: number;
  callback: bigint;
}

export const entropySources = componentState("cng-entropy", () => ({ sources: new Map<bigint, EntropySource>() }));

const cng = (name: string, argc: number, notes: string, h: ApiDefinition["handler"]): ApiDefinition => ({ ...api("cng.sys", name, argc, h), stub: true, notes });

function source(ctx: ApiContext, h: bigint): EntropySource | undefined {
  return entropySources(ctx.kernel).sources.get(h);
}

export const apis: ApiDefinition[] = [
  cng("EntropyRegisterSource", 3, "undocumented behaviour: validates, records the source and returns an opaque handle", (ctx) => {
    const [out, type, namePtr] = [ctx.arg(0), ctx.u32(1), ctx.arg(2)];
    const name = namePtr === 0n ? null : ctx.mem.wstring(namePtr, 256);
    ctx.describe([hex(out), TYPES[type] || String(type), JSON.stringify(name)]);
    if (out === 0n || name === null || type < 1 || type > 3) return STATUS.INVALID_PARAMETER;
    const h = ctx.kernel.kernelPool!.allocate(16, TAG_ENTROPY);
    entropySources(ctx.kernel).sources.set(h, { name, type, owner: ctx.caller?.module ?? null, bytes: 0, milliBits: 0, callback: 0n });
    putPtr(ctx.mem, out, h);
    return STATUS.SUCCESS;
  }),
  cng("EntropyProvideData", 4, "undocumented behaviour: reads and counts the bytes (no entropy pool is fed)", (ctx) => {
    const [h, data, size, milli] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.u32(3)];
    const s = source(ctx, h);
    ctx.describe([hex(h), hex(data), String(size), String(milli), s ? JSON.stringify(s.name) : "unknown source"]);
    if (!s) return STATUS.INVALID_HANDLE;
    if (data === 0n && size !== 0n) return STATUS.INVALID_PARAMETER;
    if (size !== 0n) ctx.mem.read(data, Number(size));
    s.bytes += Number(size);
    s.milliBits += milli;
    return STATUS.SUCCESS;
  }),
  cng("EntropyRegisterCallback", 3, "undocumented behaviour: records the callback, never called", (ctx) => {
    const [h, callback] = [ctx.arg(0), ctx.arg(1)];
    const s = source(ctx, h);
    ctx.describe([hex(h), hex(callback), hex(ctx.arg(2))]);
    if (!s) return STATUS.INVALID_HANDLE;
    if (callback === 0n) return STATUS.INVALID_PARAMETER;
    s.callback = callback;
    return STATUS.SUCCESS;
  }),
  cng("EntropyUnregisterSource", 1, "undocumented behaviour: forgets the source", (ctx) => {
    const h = ctx.arg(0);
    const s = source(ctx, h);
    ctx.describe([hex(h), s ? `${JSON.stringify(s.name)}: ${s.bytes} bytes, ${s.milliBits} millibits provided` : "unknown source"]);
    if (!s) return STATUS.INVALID_HANDLE;
    entropySources(ctx.kernel).sources.delete(h);
    ctx.kernel.kernelPool!.free(h);
    return STATUS.SUCCESS;
  }),
];
