/**
 * The x64 system-call path as drivers find it: IA32_LSTAR holds KiSystemCall64's address, and
 * scanners (rootkits, anti-cheat and monitoring drivers) search its code for KiSystemServiceRepeat's
 * `4C 8D 15 rel32` (lea r10, [rip+KeServiceDescriptorTable]) followed by `4C 8D 1D rel32` (lea
 * r11, [rip+KeServiceDescriptorTableShadow]) — on x64 neither table is exported, this is the only
 * way to them. The descriptor is KSERVICE_TABLE_DESCRIPTOR { PLONG Base; PULONG Count; ULONG64
 * Limit; PUCHAR Number } (x64: 0x20 bytes; the tutorials' SERVICE_DESCRIPTOR_TABLE {
 * ServiceTableBase, ServiceCounterTableBase, NumberOfServices, ParamTableBase }); KiServiceTable
 * holds compact 32-bit entries: (routine − KiServiceTable) << 4 | stack argument count, decoded
 * `KiServiceTable + (entry >> 4)` (arithmetic shift). Service numbers: Windows 10 22H2 (19045),
 * ../nt/x64-services.ts.
 *
 * Layout: two pages added at the end of x64 ntoskrnl's .text (kernel-image.ts `extraText`),
 * inside the hooked range, and a data page below the internal routines' page:
 *  - code: KiSystemCall64 at +0, KiSystemCall32 (IA32_CSTAR) at +0x200, int3 padding after (the
 *    caves rootkits copy a trampoline into: the padding's instructions run as they are, a "step"
 *    thunk per address, so a trampoline there reaches the driver's hook; the routines' own bytes
 *    are never run — a jump into them is "jump into kernel code");
 *  - an 8-byte `ret` thunk per service whose Nt routine ntoskrnl does not export, served by the
 *    Zw routine's handler (an exported NtXxx is its own entry);
 *  - data, writable and outside the image (Windows keeps KiServiceTable read only in ntoskrnl's
 *    .text and the descriptors in its data; hooks clear CR0.WP or write through an MDL mapping, and
 *    kmdll drops x64 CR0 writes, see verifier/trap.ts): KiServiceTable at +0, KiArgumentTable
 *    (stack argument bytes) at +0x800, KeServiceDescriptorTable at +0xC00,
 *    KeServiceDescriptorTableShadow at +0xC40 (entry 1, win32k's table, present and empty),
 *    KeServiceDescriptorTableFilter at +0xC80. The page is mapped over host memory where the addon
 *    can (feature "mapHost"), so a Zw call's look at its entry reads a DataView, not guest memory
 *    through the addon (about 1.5 µs a read); a scanner that requires the table inside ntoskrnl's
 *    image does not find it there.
 * The bytes are not Windows's code: they are instructions of our own with the shape of Windows 10
 * 22H2's KiSystemCall64 → KiSystemServiceUser → KiSystemServiceStart → KiSystemServiceRepeat
 * (lea pair at +0xA2, within the 0x500 / 4096 bytes scanners search).
 *
 * KVA shadow is not modelled: IA32_LSTAR is KiSystemCall64 itself, as on Windows 10 machines whose
 * processor is not affected by rogue data cache load (AMD; Intel parts not affected), where the
 * kernel does not enable KVA shadowing; KiSystemCall64Shadow (section KVASCODE, reached from it by
 * a `jmp KiSystemServiceUser`) exists only when it is.
 *
 * Each Zw export of a service is dispatched through the table (wrapZw): the handler runs when the
 * descriptor and the entry are still the boot ones (two reads of the host page a call); otherwise
 * the entry's routine is called with the caller's 4 register arguments and its stack arguments,
 * and the call is a `hardware` event (kind "ssdt", op "call"). Write events and the unload
 * finding: ssdt-table.ts.
 */
import type { NativeEngine } from "./native.js";
import type { Thunk, ThunkTable } from "./thunks.js";
import type { ApiContext, ApiDefinition, ApiHandler } from "./api/types.js";
import { X64_SERVICES } from "../nt/x64-services.js";
import { CODE_STRIDE, type SyntheticModule } from "./kernel-image.js";
import { registerServiceTable, type ServiceTable } from "./ssdt-table.js";
import { kiSystemCall64, kiSystemCall32 } from "./syscall-code.js";

const PAGE = 0x1000;
/** The bytes x64 ntoskrnl's .text gets past its thunks. */
export const SYSCALL_TEXT = 2 * PAGE;
const CALL32_OFFSET = 0x200;
const ARGS_OFFSET = 0x800;
const KSDT_OFFSET = 0xc00;
const SHADOW_OFFSET = 0xc40;
const FILTER_OFFSET = 0xc80;
const WIN32K_OFFSET = 0xd00;
/** STATUS_INVALID_SYSTEM_SERVICE (ntstatus.h). */
const STATUS_INVALID_SYSTEM_SERVICE = 0xc000001c;
const IA32_LSTAR = 0xc0000082;
const IA32_CSTAR = 0xc0000083;

interface SyscallPath {
  call64: bigint;
  call32: bigint;
  /** The int3 padding after each routine: [start, end) pairs. */
  padding: [bigint, bigint][];
  st: ServiceTable;
  /** Service number by Zw name. */
  numbers: Map<string, number>;
  /** Entries' routines at boot (decoded). */
  targets: bigint[];
  /** The data page's bytes when it is mapped over host memory. */
  data: DataView | null;
}

const paths = new WeakMap<ThunkTable, SyscallPath>();

/** What rdmsr of IA32_LSTAR / IA32_CSTAR reads on x64: KiSystemCall64 / KiSystemCall32; else undefined. */
export function syscallMsr(thunks: ThunkTable, msr: number): bigint | undefined {
  const p = paths.get(thunks);
  if (!p) return undefined;
  return msr === IA32_LSTAR ? p.call64 : msr === IA32_CSTAR ? p.call32 : undefined;
}

/**
 * Lay out the code pages in ntoskrnl's image bytes (before it is placed), map the data page below
 * the internal routines' page and register the unexported Nt routines' thunks. `host`: the addon
 * maps host memory; `exportAddress`: ntoskrnl's exports; `defOf`: kmdll's handler of an ntoskrnl
 * routine by name.
 */
export function buildSyscallPath(uc: NativeEngine, host: boolean, syn: SyntheticModule, base: bigint, thunks: ThunkTable, exportAddress: (name: string) => bigint | null, defOf: (name: string) => ApiDefinition | null): void {
  const codeRva = syn.thunkEnd;
  const code = base + BigInt(codeRva);
  const ntThunks = code + BigInt(PAGE);
  const data = thunks.internalBase - BigInt(PAGE);
  const table = data;
  const bytes = syn.bytes;
  const buffer = new ArrayBuffer(PAGE);
  const dv = new DataView(buffer);
  const st: ServiceTable = { arch: "x64", names: X64_SERVICES, descriptor: data + BigInt(KSDT_OFFSET), page: table, original: [], current: [], writer: [] };
  const numbers = new Map<string, number>();
  const targets: bigint[] = [];
  bytes.fill(0xc3, codeRva + PAGE, codeRva + 2 * PAGE);
  X64_SERVICES.forEach((nt, n) => {
    const zwName = "Zw" + nt.slice(2);
    numbers.set(zwName, n);
    const zwDef = defOf(zwName);
    let entry = exportAddress(nt);
    if (entry === null) {
      entry = ntThunks + BigInt(n * CODE_STRIDE);
      const def = zwDef ? { ...zwDef, name: nt } : null;
      const thunk: Thunk = { module: "ntoskrnl.exe", name: nt, def, kind: "internal" };
      thunks.set(entry, thunk);
    }
    const stackArgs = Math.min(15, Math.max(0, (zwDef?.argc ?? 0) - 4));
    const value = (Number(entry - table) << 4) | stackArgs;
    dv.setInt32(4 * n, value, true);
    dv.setUint8(ARGS_OFFSET + n, 8 * stackArgs);
    st.original.push(BigInt(value >>> 0));
    st.writer.push(undefined);
    targets.push(entry);
  });
  st.current = st.original.slice();
  // The descriptors: { Base, Count (free builds: NULL), Limit, Number }.
  const descriptor = (at: number, tableAt: bigint, limit: number, args: bigint) => {
    dv.setBigUint64(at, tableAt, true);
    dv.setBigUint64(at + 16, BigInt(limit), true);
    dv.setBigUint64(at + 24, args, true);
  };
  const count = X64_SERVICES.length;
  const win32k = data + BigInt(WIN32K_OFFSET);
  descriptor(KSDT_OFFSET, table, count, data + BigInt(ARGS_OFFSET));
  for (const at of [SHADOW_OFFSET, FILTER_OFFSET]) {
    descriptor(at, table, count, data + BigInt(ARGS_OFFSET));
    // Entry 1: win32k.sys's table (KeAddSystemServiceTable at boot): present, no services.
    descriptor(at + 0x20, win32k, 0, win32k);
  }
  if (host) {
    uc.mapHost(data, buffer, 3);
    st.view = new Uint8Array(buffer, 0, 4 * X64_SERVICES.length);
  } else {
    uc.mapMemory(data, PAGE, 3);
    uc.write(data, new Uint8Array(buffer));
  }
  const call64 = kiSystemCall64(code, st.descriptor, data + BigInt(SHADOW_OFFSET), data + BigInt(FILTER_OFFSET));
  bytes.set(call64, codeRva);
  const call32 = kiSystemCall32();
  bytes.set(call32, codeRva + CALL32_OFFSET);
  registerServiceTable(thunks, st);
  const padding: [bigint, bigint][] = [
    [code + BigInt(call64.length), code + BigInt(CALL32_OFFSET)],
    [code + BigInt(CALL32_OFFSET + call32.length), code + BigInt(PAGE)],
  ];
  paths.set(thunks, { call64: code, call32: code + BigInt(CALL32_OFFSET), padding, st, numbers, targets, data: host ? dv : null });
}

/**
 * The thunk of an address in the added code page that has no other: the padding runs as it is
 * (a "step", for trampolines copied there); the routines' own bytes have none.
 */
export function syscallPageThunk(thunks: ThunkTable, address: bigint): Thunk | undefined {
  const p = paths.get(thunks);
  const i = p ? p.padding.findIndex(([a, b]) => address >= a && address < b) : -1;
  if (!p || i < 0) return undefined;
  const [name, start] = i === 0 ? ["KiSystemCall64", p.call64] : ["KiSystemCall32", p.call32];
  return { module: "ntoskrnl.exe", name: `${name}+0x${(address - start).toString(16)} (int3 padding)`, def: null, kind: "step" };
}

/** A Zw routine's definition dispatched through KiServiceTable (the definition itself when it is no service). */
export function wrapZw(thunks: ThunkTable, def: ApiDefinition | null): ApiDefinition | null {
  const p = def ? paths.get(thunks) : undefined;
  const n = p && def ? p.numbers.get(def.name) : undefined;
  if (!p || !def || n === undefined) return def;
  return { ...def, handler: dispatcher(p, n, def.handler) };
}

function dispatcher(p: SyscallPath, n: number, own: ApiHandler): ApiHandler {
  const { st, data } = p;
  const at = st.page + BigInt(4 * n);
  const boot = Number(st.original[n]!);
  // The common case: the boot descriptor and entry (two reads of the host page, or of guest memory).
  if (data)
    return (ctx: ApiContext) => (data.getUint32(4 * n, true) === boot && data.getBigUint64(KSDT_OFFSET, true) === st.page ? own(ctx) : redirected(ctx, p, n, own));
  return (ctx: ApiContext) => (ctx.mem.u32(at) === boot && ctx.mem.u64(st.descriptor) === st.page ? own(ctx) : redirected(ctx, p, n, own));
}

/** KiSystemServiceRepeat's lookup when the table or the entry was changed. */
function redirected(ctx: ApiContext, p: SyscallPath, n: number, own: ApiHandler): bigint | number | void {
  const { st } = p;
  const m = ctx.mem;
  const base = m.u64(st.descriptor);
  if (BigInt(n) >= m.u64(st.descriptor + 16n)) return STATUS_INVALID_SYSTEM_SERVICE;
  const v = BigInt(m.u32(base + BigInt(4 * n)));
  const target = base + (BigInt.asIntN(32, v) >> 4n);
  if (target === p.targets[n]) return own(ctx);
  const args: bigint[] = [];
  for (let i = 0; i < 4 + Number(v & 15n); i++) args.push(ctx.arg(i));
  const service = st.names[n]!;
  const hex = (x: bigint) => "0x" + x.toString(16);
  const message = `Zw${service.slice(2)} dispatched through KiServiceTable[0x${n.toString(16)}] to ${hex(target)}, not the original ${service}`;
  ctx.kernel.emit?.({ event: "hardware", module: ctx.caller?.module ?? "?", kind: "ssdt", op: "call", address: hex(base + BigInt(4 * n)), value: hex(v), service, index: n, message });
  return ctx.callGuest(target, args);
}
