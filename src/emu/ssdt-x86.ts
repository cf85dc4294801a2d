/**
 * The x86 system service table (KiServiceTable behind KeServiceDescriptorTable), as x86 Windows
 * has it and rootkit-era drivers use it: each ntoskrnl Zw* export of a system service is a stub
 * that starts with `mov eax, <service number>` (B8 imm32; drivers read the number as
 * `*(ULONG *)((PUCHAR)ZwXxx + 1)`), then enters the system-service dispatcher, which calls
 * `KeServiceDescriptorTable.ServiceTableBase[eax]`. KeServiceDescriptorTable is the exported
 * KSERVICE_TABLE_DESCRIPTOR { PULONG_PTR Base; PULONG Count; ULONG Limit; PUCHAR Number } (ReactOS
 * ndk/ketypes.h; the rootkit.com idiom's SERVICE_DESCRIPTOR_ENTRY { ServiceTableBase,
 * ServiceCounterTableBase, NumberOfServices, ParamTableBase }). Numbers and names: Windows 7 SP1
 * x86 (../nt/x86-services.ts); argument bytes: the Zw export's stdcall `@N` (the export database).
 *
 * Layout (x86 only; x64 exports no KeServiceDescriptorTable): a code page just below the internal
 * routines (inside the hooked range) with an 8-byte `ret N` thunk per service whose Nt routine
 * ntoskrnl does not export (an exported NtXxx is its own table entry); a data page below it,
 * mapped read only as on Windows XP SP2 and later, with KiServiceTable (4 bytes a service) and the
 * argument byte table at +0x800. Each Zw stub is `B8 n32` + `ret N` (8 bytes, the thunk stride):
 * the hook at +0 lets the `mov` run, the hook at +5 is the dispatcher: it reads EAX, indexes the
 * table the descriptor points at now, and runs kmdll's handler when the entry is the original
 * routine, else calls the entry (a driver's hook) as a stdcall routine with the caller's arguments.
 *
 * The data page is writable, as on Windows 2000 (XP SP2 and later map KiServiceTable read only;
 * rootkits clear CR0.WP or write through an MDL mapping, which kmdll's MmMapLockedPages gives as
 * the same address): a store is not trapped — a read-only page would stop `xchg`/`lock cmpxchg`
 * stores (InterlockedExchange, the usual hook store) at a PC Unicorn does not keep exact for
 * atomic accesses, so they could not be carried out and resumed. Instead, when a guest call the
 * kernel made (DriverEntry, DriverUnload, a dispatch routine, a test export) returns, each entry
 * changed since is a `hardware` event of kind "ssdt" (op "write") naming that routine; an entry
 * left pointing into an image at its unload is reported by verifier/unload.ts (0xCE on Windows
 * when the next system call runs the unloaded hook).
 */
import type { NativeEngine } from "./native.js";
import type { ThunkTable } from "./thunks.js";
import type { ApiContext, ApiHandler } from "./api/types.js";
import type { CpuArch, CallConvention } from "./arch/cpu.js";
import { X86_SERVICES } from "../nt/x86-services.js";
import { PAGE } from "./layout.js";
import { CODE_STRIDE } from "./kernel-image.js";
import { registerServiceTable, type ServiceTable } from "./ssdt-table.js";

/** STATUS_INVALID_SYSTEM_SERVICE (ntstatus.h): a number beyond the table's limit. */
const STATUS_INVALID_SYSTEM_SERVICE = 0xc000001c;
const ARGS_OFFSET = 0x800;
/** win32k's (empty) service table in the data page. */
const WIN32K_OFFSET = 0xc00;
/** KeServiceDescriptorTableShadow's distance from KeServiceDescriptorTable (Windows 7 x86). */
export const SHADOW_OFFSET = 0x40n;

/** The first address of the pages this adds below the internal routines (the hooked range starts at the code page). */
export function serviceCodeBase(thunks: ThunkTable): bigint {
  return thunks.internalBase - BigInt(PAGE);
}

/** Build the table and rewrite the Zw stubs (x86 ntoskrnl, after its module is placed). */
export function installServiceTable(uc: NativeEngine, thunks: ThunkTable, cpu: CpuArch, exportAddress: (name: string) => bigint | null): void {
  const descriptor = exportAddress("KeServiceDescriptorTable");
  if (descriptor === null) return;
  const code = serviceCodeBase(thunks);
  const page = code - BigInt(PAGE);
  uc.mapMemory(code, PAGE, 5);
  uc.mapMemory(page, PAGE, 3);
  const count = X86_SERVICES.length;
  const table = new Uint8Array(PAGE);
  const dv = new DataView(table.buffer);
  const st: ServiceTable = { arch: "x86", names: X86_SERVICES, descriptor, page, original: [], current: [], writer: [] };
  X86_SERVICES.forEach((nt, n) => {
    const zwName = "Zw" + nt.slice(2);
    const zw = exportAddress(zwName);
    const ntAddr = exportAddress(nt);
    const zwThunk = zw !== null ? thunks.get(zw) : undefined;
    const ntThunk = ntAddr !== null ? thunks.get(ntAddr) : undefined;
    const conv: CallConvention = zwThunk?.conv ?? ntThunk?.conv ?? { call: "stdcall", argBytes: 0 };
    let entry = ntAddr;
    if (entry === null) {
      // An unexported Nt routine: a thunk of its own, served by the Zw routine's handler.
      entry = code + BigInt(n * CODE_STRIDE);
      thunks.set(entry, { module: "ntoskrnl.exe", name: nt, def: zwThunk?.def ? { ...zwThunk.def, name: nt } : null, kind: "internal", conv });
      uc.write(entry, cpu.stub(conv));
    }
    dv.setUint32(4 * n, Number(entry), true);
    table[ARGS_OFFSET + n] = conv.argBytes ?? 0;
    st.original.push(entry);
    st.writer.push(undefined);
    if (zw === null || !zwThunk) return;
    const stub = new Uint8Array(CODE_STRIDE);
    stub[0] = 0xb8;
    new DataView(stub.buffer).setUint32(1, n, true);
    stub.set(cpu.stub(conv), 5);
    uc.write(zw, stub);
    thunks.set(zw, { ...zwThunk, kind: "step" });
    // A Zw routine kmdll does not implement: the thunk at +5 has no handler, so the call is the
    // usual unimplemented-routine report naming ZwXxx (no dispatch through the table).
    thunks.set(zw + 5n, { ...zwThunk, def: zwThunk.def ? { ...zwThunk.def, handler: dispatcher(st, n, zwThunk.def.handler) } : null });
  });
  st.current = st.original.slice();
  uc.write(page, table);
  const d = new Uint8Array(16);
  const ddv = new DataView(d.buffer);
  ddv.setUint32(0, Number(page), true); // ServiceTableBase
  ddv.setUint32(4, 0, true); // ServiceCounterTableBase (free builds: NULL)
  ddv.setUint32(8, count, true); // NumberOfServices
  ddv.setUint32(12, Number(page) + ARGS_OFFSET, true); // ParamTableBase
  uc.write(descriptor, d);
  // KeServiceDescriptorTableShadow (not exported), 0x40 bytes past KeServiceDescriptorTable as on
  // Windows 7 x86 (XP: 0x40 before; drivers take either from the version): entry 0 the same as
  // KeServiceDescriptorTable's, entry 1 win32k.sys's, added at boot (KeAddSystemServiceTable):
  // present, with no services (kmdll does not model win32k's system calls), its table and
  // argument bytes an empty area of the data page.
  const w = new Uint8Array(16);
  const wdv = new DataView(w.buffer);
  wdv.setUint32(0, Number(page) + WIN32K_OFFSET, true);
  wdv.setUint32(12, Number(page) + WIN32K_OFFSET, true);
  uc.write(descriptor + SHADOW_OFFSET, d);
  uc.write(descriptor + SHADOW_OFFSET + 16n, w);
  writeShadowReference(uc, exportAddress("KeAddSystemServiceTable"), descriptor);
  registerServiceTable(thunks, st);
}

/**
 * KeServiceDescriptorTableShadow is not exported; x86 drivers find it in KeAddSystemServiceTable's
 * code, which on Windows XP–7 x86 indexes both tables with the table number (eax = Index * 16):
 * `cmp dword ptr KeServiceDescriptorTable[eax], 0` (83 B8 disp32 00) and
 * `lea ecx, KeServiceDescriptorTableShadow[eax]` (8D 88 disp32). Drivers scan the routine for the
 * `8D 88` and take its displacement, or take every dword that is a valid address whose 16 bytes
 * equal KeServiceDescriptorTable's, other than KeServiceDescriptorTable itself (examples/qa-x86hooks).
 * The routine has a wide slot (kernel-image.ts WIDE_CODE): its `ret 14h` stays first (the hook
 * runs the handler there), these never-run bytes follow it.
 */
function writeShadowReference(uc: NativeEngine, routine: bigint | null, descriptor: bigint): void {
  if (routine === null) return;
  const b = new Uint8Array(13);
  const dv = new DataView(b.buffer);
  b.set([0x8d, 0x88], 0);
  dv.setUint32(2, Number(descriptor + SHADOW_OFFSET), true);
  b.set([0x83, 0xb8], 6);
  dv.setUint32(8, Number(descriptor), true);
  uc.write(routine + 3n, b);
}

/** The dispatcher behind a Zw stub: KiSystemService's table lookup, then the routine the entry names. */
function dispatcher(st: ServiceTable, n: number, own: ApiHandler): ApiHandler {
  return (ctx: ApiContext) => {
    const cpu = ctx.cpu;
    if (!cpu) return own(ctx);
    const eax = Number(cpu.get("RAX") & 0xffffffffn);
    const index = eax & 0xfff;
    const m = ctx.mem;
    const base = BigInt(m.u32(st.descriptor));
    // Bits 12-13 select the table (1: win32k's shadow table, which kmdll does not model).
    if (eax >>> 12 !== 0 || index >= m.u32(st.descriptor + 8n)) return STATUS_INVALID_SYSTEM_SERVICE;
    const entry = BigInt(m.u32(base + BigInt(4 * index)));
    if (index === n && entry === st.original[n]) return own(ctx);
    const params = BigInt(m.u32(st.descriptor + 12n));
    const argBytes = params === 0n ? 0 : m.u8(params + BigInt(index));
    const sp = cpu.get("RSP");
    const args: bigint[] = [];
    for (let i = 0; i < argBytes / 4; i++) args.push(BigInt(m.u32(sp + 4n + BigInt(4 * i))));
    const service = X86_SERVICES[index] ?? `#${index}`;
    const message = `Zw${service.slice(2)} dispatched through KiServiceTable[0x${index.toString(16)}] to 0x${entry.toString(16)}, not the original ${service}`;
    ctx.kernel.emit?.({ event: "hardware", module: ctx.caller?.module ?? "?", kind: "ssdt", op: "call", address: hex(base + BigInt(4 * index)), value: hex(entry), service, index, message });
    return ctx.callGuest(entry, args);
  };
}

const hex = (v: bigint) => "0x" + v.toString(16);
