/**
 * What the x86 and x64 system service tables share (./ssdt-x86.ts, ./ssdt-x64.ts): the table's
 * record per emulator, the `hardware` events (kind "ssdt") for entries changed since the last look,
 * and the hooks still installed when an image unloads.
 *
 * An entry's value is what the table holds: x86, the routine's address (ULONG); x64, a compact
 * 32-bit entry, the routine's offset from KiServiceTable shifted left by 4 with the number of its
 * stack arguments in the low 4 bits (the routine is `KiServiceTable + (LONG)entry >> 4`, as
 * KiSystemServiceRepeat decodes it with `movsxd r11, [r10+rax*4]; sar r11, 4; add r10, r11`).
 *
 * Writes are not trapped (the table page is writable, see ssdt-x86.ts): when a guest call the
 * kernel made returns, and before a nested one starts (calls.ts), the entries are compared with
 * what was last seen; each changed entry is an event naming the routine that ran.
 */
import type { Emulator } from "./emulator.js";
import type { ThunkTable } from "./thunks.js";

export interface ServiceTable {
  arch: "x86" | "x64";
  /** "NtXxx" by service number. */
  names: readonly string[];
  descriptor: bigint;
  /** KiServiceTable (x86: on a data page with the argument bytes at +0x800). */
  page: bigint;
  /** Entries at boot, by service number (the values the table holds). */
  original: bigint[];
  /** Entries as last seen (the write events compare with these), and their bytes. */
  current: bigint[];
  /** The module whose routine was running when an entry was last changed. */
  writer: (string | undefined)[];
  seen?: Buffer;
  /** KiServiceTable's bytes in host memory, when its page is mapped over it (no read through the addon). */
  view?: Uint8Array;
}

const tables = new WeakMap<ThunkTable, ServiceTable>();

export function registerServiceTable(thunks: ThunkTable, st: ServiceTable): void {
  tables.set(thunks, st);
}

export function serviceTableOf(thunks: ThunkTable): ServiceTable | undefined {
  return tables.get(thunks);
}

/** The routine an entry value names. */
export function entryTarget(st: ServiceTable, v: bigint): bigint {
  return st.arch === "x86" ? v : st.page + (BigInt.asIntN(32, v) >> 4n);
}

const PATCHGUARD = "on x64 Windows Kernel Patch Protection checks KiServiceTable: a changed entry is bug check 0x109 CRITICAL_STRUCTURE_CORRUPTION when PatchGuard next looks";

/**
 * After a guest call returns (calls.ts): entries changed since the last look are `hardware` events
 * naming the routine that ran (the store itself is not trapped: see the header).
 */
export function noteServiceTableWrites(emu: Emulator, routine: bigint): void {
  const st = tables.get(emu.thunks);
  if (st) noteWrites(emu, st, routine);
}

const hex = (v: bigint) => "0x" + v.toString(16);

/** Compare the table with what was last seen: a `hardware` event (kind "ssdt", op "write") per changed entry. */
export function noteWrites(emu: Emulator, st: ServiceTable, routine: bigint | null): void {
  const bytes = st.view ?? emu.uc.read(st.page, 4 * st.original.length);
  // The common case (nothing changed since the last look): one native comparison.
  if (st.seen && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(st.seen)) return;
  st.seen = Buffer.from(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let mod: { name: string } | null | undefined;
  for (let i = 0; i < st.original.length; i++) {
    const v = BigInt(dv.getUint32(4 * i, true));
    if (v === st.current[i]) continue;
    const restored = v === st.original[i];
    mod ??= routine !== null ? emu.moduleAt(routine) : null;
    const name = st.names[i]!;
    const set = `set to ${emu.where(entryTarget(st, v))}${st.arch === "x64" ? ` (entry ${hex(v)}; ${PATCHGUARD})` : ""}`;
    emu.emit({
      event: "hardware",
      module: mod?.name ?? "?",
      kind: "ssdt",
      op: "write",
      address: hex(st.page + BigInt(4 * i)),
      size: 4,
      value: hex(v),
      service: name,
      index: i,
      previous: hex(st.current[i]!),
      message: `KiServiceTable[0x${i.toString(16)}] (${name}) ${restored ? "restored to the original routine" : set}`,
      ...(routine !== null ? { site: emu.where(routine) } : {}),
    });
    st.current[i] = v;
    st.writer[i] = restored ? undefined : mod?.name;
  }
}

/**
 * At an image's unload: service table entries still pointing into it, or (x64, where an entry
 * reaches only ±128 MB and hooks go through a trampoline in ntoskrnl's padding) changed by it —
 * each a system call into unloaded code.
 */
export function hooksLeftIn(emu: Emulator, inImage: (a: bigint) => boolean, module?: string): string[] {
  const st = tables.get(emu.thunks);
  if (!st) return [];
  noteWrites(emu, st, null);
  const out: string[] = [];
  st.current.forEach((v, i) => {
    if (v === st.original[i]) return;
    const target = entryTarget(st, v);
    if (!inImage(target) && (module === undefined || st.writer[i] !== module)) return;
    const fix = `restore KeServiceDescriptorTable->ServiceTableBase[${i}] in DriverUnload`;
    out.push(`system service table hook: KiServiceTable[0x${i.toString(16)}] (${st.names[i]}) still points at ${emu.where(target)} (${fix}${st.arch === "x64" ? `; ${PATCHGUARD}` : ""})`);
  });
  return out;
}
