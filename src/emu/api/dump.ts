/**
 * KeCapturePersistentThreadState (ntoskrnl export, undocumented on Microsoft Learn): fills a
 * crash-dump header for a thread — the DUMP_HEADER64 a full or kernel memory dump starts with,
 * followed (at offset 0x2080) by a copy of the kernel's KDDEBUGGER_DATA64. Drivers call it with
 * their own CONTEXT and a pool buffer to read the debugger data block (kernel base, the loaded
 * module and active process list heads) without a debugger.
 *
 * Arguments (8; the x86 export pops 32 bytes): Context, Thread, BugCheckCode,
 * BugCheckParameter1..4, VirtualAddress (the output, at least 0x2080 + 0x368 bytes).
 *
 * Layouts (the public dump-file format as dbghelp/WinDbg and Volatility describe it):
 * DUMP_HEADER64 — Signature "PAGE" 0, ValidDump "DU64" 4, MajorVersion 8 (0xF: free build),
 * MinorVersion 0xC (build number), DirectoryTableBase 0x10, PfnDataBase 0x18,
 * PsLoadedModuleList 0x20, PsActiveProcessHead 0x28, MachineImageType 0x30, NumberProcessors
 * 0x34, BugCheckCode 0x38, BugCheckParameter1..4 0x40..0x58, KdDebuggerDataBlock 0x80,
 * ContextRecord 0x348, SystemTime 0xFA8. KDDEBUGGER_DATA64 (wdbgexts.h) — Header.List 0,
 * Header.OwnerTag "KDBG" 0x10, Header.Size 0x14 (0x368 on Windows 10 x64), KernBase 0x18,
 * PsLoadedModuleList 0x48, PsActiveProcessHead 0x50; the other fields are 0 here (kmdll has no
 * PspCidTable, PFN database or debugger state to point them at). The header's other fields
 * (physical memory runs, exception record, dump type) stay 0: no dump is being written.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { hex, nt } from "./util.js";
import { componentState } from "./state.js";
import { processTable } from "./processes.js";
import { loadedModuleListHead } from "../iomgr/ldr-entry.js";
import { EMULATED_VERSION } from "./rtl.js";
import { CR3, pagingModelled } from "../machine/index.js";

const KDDEBUGGER_DATA_OFFSET = 0x2080;
const KDDEBUGGER_DATA_SIZE = 0x368;
const CONTEXT_SIZE = 0x4d0;
const TAG_KDBG = 0x4742444b; // 'KDBG'

/** The kernel's KDDEBUGGER_DATA64, made on first use. */
const kdbg = componentState("kd-debugger-data", () => ({ block: 0n }));

function debuggerDataBlock(ctx: ApiContext): bigint {
  const st = kdbg(ctx.kernel);
  if (st.block !== 0n || !ctx.kernel.kernelPool) return st.block;
  const b = ctx.kernel.kernelPool.allocate(KDDEBUGGER_DATA_SIZE, TAG_KDBG);
  const kernBase = (ctx.kernel.loadedModules?.() ?? []).find((m) => m.name.toLowerCase() === "ntoskrnl.exe")?.base ?? 0n;
  ctx.mem.setU64(b, b);
  ctx.mem.setU64(b + 8n, b);
  ctx.mem.setU32(b + 0x10n, TAG_KDBG);
  ctx.mem.setU32(b + 0x14n, KDDEBUGGER_DATA_SIZE);
  ctx.mem.setU64(b + 0x18n, kernBase);
  ctx.mem.setU64(b + 0x48n, loadedModuleListHead(ctx.mem, ctx.kernel));
  ctx.mem.setU64(b + 0x50n, processTable(ctx.kernel, ctx.mem).head);
  st.block = b;
  return b;
}

export const apis: ApiDefinition[] = [
  nt("KeCapturePersistentThreadState", 8, (ctx) => {
    const context = ctx.arg(0);
    const out = ctx.arg(7);
    ctx.describe([hex(context), hex(ctx.arg(1)), hex(ctx.u32(2)), hex(ctx.arg(3)), hex(ctx.arg(4)), hex(ctx.arg(5)), hex(ctx.arg(6)), hex(out)]);
    const block = debuggerDataBlock(ctx);
    const h = new Uint8Array(KDDEBUGGER_DATA_OFFSET);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, 0x45474150, true); // "PAGE"
    dv.setUint32(4, 0x34365544, true); // "DU64"
    dv.setUint32(8, 0xf, true);
    dv.setUint32(0xc, EMULATED_VERSION.build, true);
    if (pagingModelled(ctx.kernel)) dv.setBigUint64(0x10, CR3, true); // DirectoryTableBase
    dv.setBigUint64(0x20, loadedModuleListHead(ctx.mem, ctx.kernel), true);
    dv.setBigUint64(0x28, processTable(ctx.kernel, ctx.mem).head, true);
    dv.setUint32(0x30, 0x8664, true);
    dv.setUint32(0x34, 1, true);
    dv.setUint32(0x38, ctx.u32(2), true);
    for (let i = 0; i < 4; i++) dv.setBigUint64(0x40 + 8 * i, BigInt.asUintN(64, ctx.arg(3 + i)), true);
    dv.setBigUint64(0x80, block, true);
    if (context !== 0n) h.set(ctx.mem.read(context, CONTEXT_SIZE), 0x348);
    dv.setBigUint64(0xfa8, ctx.kernel.clock?.systemTime() ?? 0n, true);
    // The output buffer is the driver's: a wild pointer faults here, as it would in the kernel.
    ctx.mem.write(out, h);
    ctx.mem.write(out + BigInt(KDDEBUGGER_DATA_OFFSET), ctx.mem.read(block, KDDEBUGGER_DATA_SIZE));
    return 0;
  }),
];
