/**
 * KeAddSystemServiceTable (ntoskrnl export, undocumented on Microsoft Learn; how win32k.sys adds
 * its table at boot): stores a service descriptor { Base, Count, Limit, Number } at Index of
 * KeServiceDescriptorTableShadow and, for an index other than 1 (win32k's, kept in the shadow
 * table only), of KeServiceDescriptorTable; FALSE when Index is past the four tables or either
 * table's entry is taken (ReactOS ntoskrnl/ke/procobj.c, KeAddSystemServiceTable; Windows's x86
 * code also fills KeServiceDescriptorTable). On a booted system entries 0 (the kernel's) and 1
 * (win32k's) are taken. x86: the tables of ../ssdt-x86.ts (the shadow table 0x40 bytes past
 * KeServiceDescriptorTable, as on Windows 7); x64 exports no table, the entries are kept here.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { hex, nt } from "./util.js";
import { componentState } from "./state.js";
import { SHADOW_OFFSET } from "../ssdt-x86.js";

const TABLES = 4;
const DESCRIPTOR = 16;
const x64Taken = componentState("svctable.x64", () => new Set<number>([0, 1]));

export const apis: ApiDefinition[] = [
  nt("KeAddSystemServiceTable", 5, (ctx: ApiContext) => {
    const [base, count, number] = [ctx.arg(0), ctx.arg(1), ctx.arg(3)];
    const limit = ctx.u32(2);
    const index = ctx.u32(4);
    ctx.describe([hex(base), hex(count), String(limit), hex(number), String(index)]);
    if (index >= TABLES) return 0n;
    const ksdt = ctx.kernel.resolveKernelExport?.("KeServiceDescriptorTable") ?? null;
    if (ksdt === null) {
      const taken = x64Taken(ctx.kernel);
      if (taken.has(index)) return 0n;
      taken.add(index);
      return 1n;
    }
    const at = BigInt(index * DESCRIPTOR);
    const shadow = ksdt + SHADOW_OFFSET;
    if (ctx.mem.u32(ksdt + at) !== 0 || ctx.mem.u32(shadow + at) !== 0) return 0n;
    const d = new Uint8Array(DESCRIPTOR);
    const dv = new DataView(d.buffer);
    dv.setUint32(0, Number(base & 0xffffffffn), true);
    dv.setUint32(4, Number(count & 0xffffffffn), true);
    dv.setUint32(8, limit, true);
    dv.setUint32(12, Number(number & 0xffffffffn), true);
    ctx.mem.write(shadow + at, d);
    if (index !== 1) ctx.mem.write(ksdt + at, d);
    return 1n;
  }),
];
