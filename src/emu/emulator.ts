/**
 * The x64 kernel emulator core: one Unicorn engine, the kernel address space (images, pool,
 * stacks, KUSER_SHARED_DATA, KPCR/KTHREAD/EPROCESS), the synthetic ntoskrnl.exe/hal.dll modules
 * whose code exports dispatch to TypeScript handlers, guest calls (MS x64 convention, nested
 * calls from handlers) and fault reports.
 */
import type { ApiContext, ApiDefinition, KernelState } from "./api/types.js";
import type { EventSink, FaultKind, TraceEvent } from "../events.js";
import type { PeImage } from "../formats/pe/types.js";
import type { KernelExport } from "../nt/kernel-exports.js";
import { loadKernelExports } from "../nt/kernel-exports.js";
import { KmdllError } from "../errors.js";
import { loadAddon, type ApiHookFn, type NativeEngine, type NativeConstants } from "./native.js";
import { EngineMemory, GuestFault } from "./memory.js";
import { PoolAllocator, tagText, type PoolProblem } from "./pool.js";
import { layoutImage, mapLayout, relocatable, type LoadedModule } from "./image.js";
import { buildSyntheticModule, CODE_STRIDE, type SyntheticModule } from "./kernel-image.js";
import { unwindOne } from "./unwind.js";
import { SystemData } from "./system.js";
import { allApis } from "./api/index.js";
import {
  CALL_SCRATCH_BASE,
  CALL_SCRATCH_PAGES,
  DRIVER_IMAGES_BASE,
  DRIVER_IMAGE_ALIGN,
  KERNEL_MODULES_BASE,
  MAX_CALL_DEPTH,
  PAGE,
  RETURN_SENTINEL,
  RETURN_SENTINEL_PAGE,
  STACK_SIZE,
  SYSTEM_DATA_BASE,
  alignUpN,
  stackSlot,
  addr64,
} from "./layout.js";

export interface EmulatorOptions {
  /** API handlers (default: every handler of src/emu/api, `allApis`). */
  apis?: ApiDefinition[];
  /** Exports of the built-in modules (default: data/kernel-exports.json for ntoskrnl.exe and hal.dll). */
  kernelExports?: Record<string, KernelExport[]>;
  /** What a call to a real-but-unimplemented kernel export does. Default "fault". */
  unimplemented?: "fault" | "stub";
  /** Time budget per top-level call in milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Where events go (dbgprint, api, warning, fault, leak). */
  sink?: EventSink;
  /** Emit an `api` event per API call. */
  trace?: boolean;
  /** Other loaded modules exporting a name (for MmGetSystemRoutineAddress's warning). */
  modulesExporting?: (name: string) => string[];
}

export interface FaultReport {
  kind: FaultKind;
  message: string;
  /** Module the fault happened in (or that called the API), if any. */
  module?: string;
  /** "mydriver.sys+0x1023" or the raw address. */
  rip: string;
  ripAddress: bigint;
  /** Nearest export of the module at RIP, "LoadPrinterDriver+0x13". */
  symbol?: string;
  /** The faulting data/fetch address. */
  address?: bigint;
  api?: string;
  registers: Record<string, string>;
  backtrace: string[];
  extra?: Record<string, unknown>;
}

export type RunResult = { ok: true; value: bigint } | { ok: false; fault: FaultReport };

/** Thrown inside the emulator to stop the current run with a report (crosses the native hook). */
export class EmuStop extends Error {
  constructor(readonly report: FaultReport) {
    super(report.message);
    this.name = "EmuStop";
  }
}

interface Thunk {
  module: string;
  name: string;
  def: ApiDefinition | null;
  kind: "code" | "data" | "internal";
}

const STATUS_NOT_IMPLEMENTED = 0xc0000002n;
const GPR = ["RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"] as const;
/** The clock moves by this many 100 ns units per API call (10 µs). */
const CLOCK_STEP = 100n;
/** 2024-01-01T00:00:00Z as a FILETIME. */
const BOOT_SYSTEM_TIME = 133485408000000000n;

export class Emulator {
  readonly uc: NativeEngine;
  readonly C: NativeConstants;
  readonly mem: EngineMemory;
  readonly pool: PoolAllocator;
  readonly kernel: KernelState;
  readonly system: SystemData;
  readonly modules = new Map<string, LoadedModule>();
  readonly unimplementedCalls: { api: string; caller: string }[] = [];
  private readonly opts: Required<Pick<EmulatorOptions, "unimplemented" | "timeoutMs" | "trace">> & EmulatorOptions;
  private readonly thunks = new Map<bigint, Thunk>();
  private hookFn: ApiHookFn | null = null;
  private readonly exportAddr = new Map<string, Map<string, bigint>>();
  private readonly synthetic = new Map<string, SyntheticModule>();
  private nextImageBase = DRIVER_IMAGES_BASE;
  private depth = 0;
  private loadSequence = 0;
  /** Entry addresses of the guest calls in progress, innermost last (who is running, for tail calls). */
  private readonly callTargets: bigint[] = [];
  private deadline = 0;
  private gprIds: number[];
  private interruptTime = 0n;
  private systemTime = BOOT_SYSTEM_TIME;
  private internalNext = 0n;
  private internalBase = 0n;
  /** Freed-after-call buffers (scratch pages): page address → description. */
  private readonly freedPages = new Map<bigint, string>();
  private scratchNext = 0;
  /** Registers (GPRs, EFLAGS, RIP) at each API hook that started a nested guest call, outermost first. */
  private readonly outerFrames: bigint[][] = [];
  closed = false;
  /** Unicorn aborted internally (the engine is unusable); every later call reports this. */
  broken: string | null = null;

  constructor(options: EmulatorOptions = {}) {
    this.opts = { unimplemented: "fault", timeoutMs: 10_000, trace: false, ...options };
    const addon = loadAddon();
    this.C = addon.constants;
    this.uc = new addon.Engine();
    this.gprIds = GPR.map((r) => this.C.regs[r]);
    this.mem = new EngineMemory(this.uc);
    this.mem.freedCheck = (a, n) => this.freedAt(a, n);
    this.pool = new PoolAllocator(this.uc);
    this.pool.onProblem = (p) => this.poolProblem(p);
    const bag = new Map<string, unknown>();
    const self = this;
    this.kernel = {
      irql: 0,
      state<T>(component: string, init: () => T): T {
        if (!bag.has(component)) bag.set(component, init());
        return bag.get(component) as T;
      },
      resolveKernelExport: (name) => this.kernelExport("ntoskrnl.exe", name, null) ?? this.kernelExport("hal.dll", name, null),
      modulesExporting: (name) => this.opts.modulesExporting?.(name) ?? this.modulesExportingDefault(name),
      clock: {
        systemTime: () => self.systemTime,
        interruptTime: () => self.interruptTime,
        advance: (d) => self.advanceClock(d),
      },
      isValidKernelAddress: (a) => this.mem.isMapped(a, 1),
      emit: (e) => this.emit(e),
      where: (a) => {
        const t = this.thunks.get(a);
        return t ? `${t.module}!${t.name}` : this.where(a);
      },
      moduleAt: (a) => this.moduleAt(a)?.name ?? null,
      kernelPool: {
        allocate: (size, tag) => this.pool.allocate(size, tag, 0, true, "(kernel)", null),
        free: (a) => void this.pool.free(a, null, null),
      },
      internalRoutine: (name, handler) => this.internalRoutine(name, handler),
    };
    this.buildKernelModules();
    this.system = new SystemData(this.uc, this.mem, this.C);
    this.system.init((name) => this.kernelExport("ntoskrnl.exe", name, null));
    Object.assign(this.kernel, { currentProcess: this.system.process, currentThread: this.system.thread });
    // Stacks: one slot per nesting depth; the unmapped gap below each is its guard.
    for (let d = 0; d < MAX_CALL_DEPTH; d++) this.uc.mapMemory(stackSlot(d).low, STACK_SIZE, 3);
    // The return sentinel page (hlt), where every emulator-made call returns to.
    this.uc.mapMemory(RETURN_SENTINEL_PAGE, PAGE, 5);
    this.uc.write(RETURN_SENTINEL_PAGE, new Uint8Array(PAGE).fill(0xf4));
    // Scratch pages for buffers freed when a call returns (RegistryPath of DllInitialize).
    this.uc.mapMemory(CALL_SCRATCH_BASE, CALL_SCRATCH_PAGES * PAGE, 0);
    this.advanceClock(0n);
  }

  // ---------------------------------------------------------------- built-in modules, thunks

  private buildKernelModules(): void {
    const db = this.opts.kernelExports ?? {
      "ntoskrnl.exe": loadKernelExports().modules["ntoskrnl.exe"] ?? [],
      "hal.dll": loadKernelExports().modules["hal.dll"] ?? [],
    };
    const apis = this.opts.apis ?? allApis;
    const handlers = new Map<string, ApiDefinition>();
    for (const a of apis) handlers.set(`${a.module.toLowerCase()}!${a.name}`, a);
    // Internal routines (not exported): a page just below ntoskrnl, inside the hooked range.
    this.internalBase = KERNEL_MODULES_BASE - BigInt(PAGE);
    this.internalNext = this.internalBase;
    this.uc.mapMemory(this.internalBase, PAGE, 5);
    this.uc.write(this.internalBase, new Uint8Array(PAGE).fill(0xc3));
    let base = KERNEL_MODULES_BASE;
    let hookEnd = base;
    for (const modName of ["ntoskrnl.exe", "hal.dll"]) {
      const list: KernelExport[] = [...(db[modName] ?? [])];
      const known = new Set(list.map((e) => e.name));
      // Every implemented handler is an export too (e.g. ExAllocatePool2, missing from old import libraries).
      for (const a of apis) if (a.module.toLowerCase() === modName && !known.has(a.name)) list.push({ name: a.name, type: "code" });
      const syn = buildSyntheticModule(modName, list.map((e) => ({ name: e.name, type: e.type })), base);
      this.synthetic.set(modName, syn);
      const pe = syntheticPe(syn);
      const regions = mapLayout(this.uc, modName, pe, syn.bytes, base);
      const mod: LoadedModule = { name: modName, key: modName, base, size: syn.sizeOfImage, image: pe, regions, builtin: true };
      this.modules.set(modName, mod);
      const addrs = new Map<string, bigint>();
      for (const e of syn.ordered) {
        const a = base + BigInt(syn.rvaOf.get(e.name)!);
        addrs.set(e.name, a);
        this.thunks.set(a, { module: modName, name: e.name, def: handlers.get(`${modName}!${e.name}`) ?? null, kind: e.type === "code" ? "code" : "data" });
      }
      this.exportAddr.set(modName, addrs);
      hookEnd = base + BigInt(syn.text.rva + syn.text.size);
      base = alignUpN(base + BigInt(syn.sizeOfImage), 0x10000n);
    }
    // The engine holds the hook weakly; this object keeps it alive.
    this.hookFn = (addr, rcx, rdx, r8, r9, rsp, ret) => this.dispatch(addr, rcx, rdx, r8, r9, rsp, ret);
    this.uc.setApiHook(this.internalBase, hookEnd - 1n, this.hookFn);
  }

  /** Register an internal kernel routine (e.g. IopInvalidDeviceRequest) and return its address. */
  internalRoutine(name: string, handler: ApiDefinition["handler"]): bigint {
    const existing = [...this.thunks.entries()].find(([, t]) => t.kind === "internal" && t.name === name);
    if (existing) return existing[0];
    const a = this.internalNext;
    if (a + BigInt(CODE_STRIDE) > this.internalBase + BigInt(PAGE)) throw new KmdllError("too many internal kernel routines");
    this.internalNext += BigInt(CODE_STRIDE);
    this.thunks.set(a, { module: "ntoskrnl.exe", name, def: { module: "ntoskrnl.exe", name, handler }, kind: "internal" });
    return a;
  }

  /** Address of an export of ntoskrnl.exe / hal.dll, or null (by name, or by ordinal). */
  kernelExport(module: string, name: string | null, ordinal: number | null): bigint | null {
    const m = module.toLowerCase();
    const addrs = this.exportAddr.get(m);
    if (!addrs) return null;
    if (name !== null) return addrs.get(name) ?? null;
    const syn = this.synthetic.get(m)!;
    if (ordinal === null) return null;
    const e = syn.ordered[ordinal - syn.ordinalBase];
    return e ? addrs.get(e.name)! : null;
  }

  private modulesExportingDefault(name: string): string[] {
    const out: string[] = [];
    for (const m of this.modules.values()) if (!m.builtin && m.image.exports?.functions.some((f) => f.names.includes(name))) out.push(m.name);
    return out;
  }

  // ---------------------------------------------------------------- images

  /** Map a driver image at the next deterministic base (always relocated). */
  mapImage(name: string, image: PeImage, bytes: Uint8Array): LoadedModule {
    if (this.broken) throw new KmdllError(this.broken);
    const key = name.toLowerCase();
    if (this.modules.has(key)) throw new KmdllError(`${name} is already mapped`);
    if (image.machine !== "x64") throw new KmdllError(`${name}: only x64 images can be emulated (machine ${String(image.machine)})`);
    let base = this.nextImageBase;
    // An image that cannot be relocated loads only at its preferred base, when that is a free
    // kernel address in the driver-image range (else STATUS_CONFLICTING_ADDRESSES from layoutImage).
    const pref = image.optional.imageBase;
    if (!relocatable(image) && pref >= this.nextImageBase && pref % 0x10000n === 0n && pref + BigInt(image.optional.sizeOfImage) <= SYSTEM_DATA_BASE) base = pref;
    // Per-load entropy for the /GS cookie (deterministic per run, different for every load).
    const seed = BigInt.asUintN(64, (this.systemTime << 8n) ^ base ^ BigInt(++this.loadSequence) * 0x2545f4914f6cdd1dn);
    const memImage = layoutImage(image, bytes, base, name, seed);
    const regions = mapLayout(this.uc, name, image, memImage, base);
    this.nextImageBase = alignUpN(base + BigInt(memImage.length) + 0x10000n, DRIVER_IMAGE_ALIGN);
    const mod: LoadedModule = { name, key, base, size: memImage.length, image, regions, builtin: false };
    this.modules.set(key, mod);
    return mod;
  }

  /** Unmap an image; its outstanding pool allocations are reported as leaks. Returns the leaks. */
  unmapImage(name: string): TraceEvent[] {
    const key = name.toLowerCase();
    const mod = this.modules.get(key);
    if (!mod || mod.builtin) return [];
    if (this.broken) {
      this.modules.delete(key);
      return [];
    }
    const leaks: TraceEvent[] = [];
    for (const b of this.pool.liveOf(key)) {
      const e: TraceEvent = {
        event: "leak",
        module: mod.name,
        kind: "pool",
        tag: tagText(b.tag),
        size: b.size,
        address: addr64(b.address),
        site: b.site,
      };
      leaks.push(e);
      this.emit(e);
    }
    for (const r of mod.regions) this.uc.unmapMemory(r.base, r.size);
    this.modules.delete(key);
    return leaks;
  }

  module(name: string): LoadedModule | undefined {
    return this.modules.get(name.toLowerCase());
  }

  /** Write a resolved address into the IAT slot of a mapped module. */
  writeIat(module: string, iatRva: number, address: bigint): void {
    const mod = this.module(module);
    if (!mod) throw new KmdllError(`${module} is not mapped`);
    if (!Number.isInteger(iatRva) || iatRva < 0 || iatRva + 8 > mod.size)
      throw new KmdllError(`${module}: import address table slot at RVA 0x${iatRva.toString(16)} lies outside the image`);
    this.mem.setU64(mod.base + BigInt(iatRva), address);
  }

  /** The module containing an address. */
  moduleAt(addr: bigint): LoadedModule | null {
    for (const m of this.modules.values()) if (addr >= m.base && addr < m.base + BigInt(m.size)) return m;
    if (addr >= this.internalBase && addr < this.internalBase + BigInt(PAGE)) return this.modules.get("ntoskrnl.exe") ?? null;
    return null;
  }

  /** "mydriver.sys+0x1023", or the raw address. */
  where(addr: bigint): string {
    const m = this.moduleAt(addr);
    return m ? `${m.name}+0x${(addr - m.base).toString(16)}` : addr64(addr);
  }

  /** Nearest export at or below addr in its module: "LoadPrinterDriver+0x13". */
  nearestExport(addr: bigint): string | undefined {
    const t = this.thunks.get(addr);
    if (t) return t.name;
    const m = this.moduleAt(addr);
    if (!m || !m.image.exports) return undefined;
    const rva = Number(addr - m.base);
    let best: { name: string; rva: number } | undefined;
    for (const f of m.image.exports.functions) {
      if (f.rva === null || f.rva > rva || !f.name) continue;
      if (!best || f.rva > best.rva) best = { name: f.name, rva: f.rva };
    }
    if (!best) return undefined;
    return rva === best.rva ? best.name : `${best.name}+0x${(rva - best.rva).toString(16)}`;
  }

  // ---------------------------------------------------------------- clock, events

  private advanceClock(d: bigint): void {
    this.interruptTime += d;
    this.systemTime += d;
    this.system?.updateSharedData(this.interruptTime, this.systemTime);
  }

  emit(e: TraceEvent): void {
    this.opts.sink?.(e);
  }

  // ---------------------------------------------------------------- freed-after-call buffers

  private freedAt(addr: bigint, size: number): string | null {
    if (this.freedPages.size === 0) return null;
    const a = BigInt.asUintN(64, addr);
    if (a + BigInt(size) <= CALL_SCRATCH_BASE || a >= CALL_SCRATCH_BASE + BigInt(CALL_SCRATCH_PAGES * PAGE)) return null;
    for (let p = a & ~0xfffn; p < a + BigInt(size); p += 0x1000n) {
      const d = this.freedPages.get(p);
      if (d) return d;
    }
    return null;
  }

  /**
   * A page for a buffer that lives only during one call (like the DllInitialize RegistryPath);
   * `release(description)` makes it inaccessible afterwards so later accesses are use-after-free.
   */
  scratchPage(): { address: bigint; release: (what: string) => void } {
    const i = this.scratchNext++ % CALL_SCRATCH_PAGES;
    const address = CALL_SCRATCH_BASE + BigInt(i * PAGE);
    this.freedPages.delete(address);
    this.uc.protect(address, PAGE, 3);
    this.uc.write(address, new Uint8Array(PAGE));
    return {
      address,
      release: (what) => {
        this.uc.protect(address, PAGE, 0);
        this.freedPages.set(address, what);
      },
    };
  }

  // ---------------------------------------------------------------- calls

  /** Call guest code at `address` with integer arguments (MS x64). Nested when called from a handler. */
  call(address: bigint, args: bigint[] = [], label?: string): RunResult {
    if (this.closed) throw new KmdllError("the emulator is closed");
    if (this.broken) return { ok: false, fault: this.brokenReport(address) };
    const depth = this.depth;
    if (depth >= MAX_CALL_DEPTH) {
      return { ok: false, fault: this.report("stack-overflow", `guest calls nested deeper than ${MAX_CALL_DEPTH} levels`, address) };
    }
    const nested = depth > 0;
    const saved = nested ? this.uc.regReadMany([...this.gprIds, this.C.regs.EFLAGS, this.C.regs.RIP]) : null;
    if (saved) this.outerFrames.push(saved);
    const slot = stackSlot(depth);
    const extra = Math.max(0, args.length - 4);
    const top = slot.high - 0x100n;
    let rsp = ((top - 0x20n - BigInt(8 * extra)) & ~0xfn) - 8n;
    const frame = new Uint8Array(8 + 0x20 + 8 * extra);
    const dv = new DataView(frame.buffer);
    dv.setBigUint64(0, RETURN_SENTINEL, true);
    for (let i = 4; i < args.length; i++) dv.setBigUint64(0x28 + 8 * (i - 4), BigInt.asUintN(64, args[i]!), true);
    this.uc.write(rsp, frame);
    const R = this.C.regs;
    const ids = [R.RCX, R.RDX, R.R8, R.R9, R.RSP, R.RAX, R.RBP];
    const vals = [args[0] ?? 0n, args[1] ?? 0n, args[2] ?? 0n, args[3] ?? 0n, rsp, 0n, 0n].map((v) => BigInt.asUintN(64, v));
    this.uc.regWriteMany(ids, vals);
    if (!nested) {
      this.deadline = Date.now() + this.opts.timeoutMs;
      this.uc.regWrite(R.GS_BASE, this.system.kpcr);
      this.uc.regWrite(R.EFLAGS, 0x202n); // IF set, DF clear (the ABI requires DF = 0 on entry)
    }
    const budgetMs = Math.max(1, this.deadline - Date.now());
    this.depth++;
    this.callTargets.push(address);
    let result: RunResult;
    try {
      let err: number;
      try {
        err = this.uc.start(address, RETURN_SENTINEL, budgetMs * 1000, 0);
      } catch (e) {
        if (e instanceof EmuStop) return (result = { ok: false, fault: e.report });
        return (result = { ok: false, fault: this.report("internal", `emulator error: ${(e as Error).message}`, this.uc.regRead(R.RIP)) });
      }
      if (err === this.C.err.ENGINE_ABORTED) {
        this.broken = `the CPU emulator (Unicorn) aborted while translating guest code${label ? ` in ${label}` : ""} (an encoding it cannot handle); this emulator instance cannot run anything else`;
        return (result = { ok: false, fault: this.brokenReport(address) });
      }
      const rip = this.uc.regRead(R.RIP);
      const nf = this.uc.lastFault();
      if (nf.timedOut && rip !== RETURN_SENTINEL && err === 0) {
        result = {
          ok: false,
          fault: this.report("timeout", `time budget of ${this.opts.timeoutMs / 1000} s exceeded${label ? ` in ${label}` : ""}`, rip),
        };
      } else if (err !== 0 || nf.interrupt >= 0 || nf.invalidInstruction) {
        result = { ok: false, fault: this.nativeFault(err, rip, nf) };
      } else if (rip !== RETURN_SENTINEL) {
        if (nf.timedOut) {
          result = {
            ok: false,
            fault: this.report("timeout", `time budget of ${this.opts.timeoutMs / 1000} s exceeded${label ? ` in ${label}` : ""}`, rip),
          };
        } else {
          const hlt = this.byteAt(rip - 1n) === 0xf4;
          const at = hlt ? rip - 1n : rip;
          result = {
            ok: false,
            fault: this.report("cpu-exception", hlt ? `hlt instruction at ${this.where(at)}` : `execution stopped at ${this.where(rip)}`, at),
          };
        }
      } else {
        result = { ok: true, value: this.uc.regRead(R.RAX) };
      }
      return result;
    } finally {
      this.depth--;
      this.callTargets.pop();
      if (saved) this.outerFrames.pop();
      if (saved && !this.broken) this.uc.regWriteMany([...this.gprIds, this.C.regs.EFLAGS], saved.slice(0, this.gprIds.length + 1));
    }
  }

  private brokenReport(address: bigint): FaultReport {
    return { kind: "internal", message: this.broken!, rip: this.where(address), ripAddress: address, registers: {}, backtrace: [] };
  }

  private byteAt(a: bigint): number | null {
    try {
      return this.mem.u8(a);
    } catch {
      return null;
    }
  }

  /** The address of the trapping instruction that raised `intno` (RIP is after it). */
  private trapInstruction(rip: bigint, intno: number): bigint {
    if (intno === 3 && this.byteAt(rip - 1n) === 0xcc) return rip - 1n;
    if (this.byteAt(rip - 2n) === 0xcd && this.byteAt(rip - 1n) === intno) return rip - 2n;
    return rip;
  }

  private nativeFault(err: number, rip: bigint, nf: ReturnType<NativeEngine["lastFault"]>): FaultReport {
    const M = this.C.mem;
    if (nf.memType !== undefined && nf.address !== undefined) {
      const a = nf.address;
      const freed = this.freedAt(a, Math.max(1, nf.size ?? 1));
      const access = nf.memType === M.READ_UNMAPPED || nf.memType === M.READ_PROT ? "read" : nf.memType === M.WRITE_UNMAPPED || nf.memType === M.WRITE_PROT ? "write" : "fetch";
      if (freed) return this.report("use-after-free", `use after free: ${access} of ${nf.size} byte(s) at ${addr64(a)} (${freed}) at ${this.where(rip)}`, rip, { address: a });
      for (let d = 0; d < MAX_CALL_DEPTH; d++) {
        const s = stackSlot(d);
        if (a >= s.guardLow && a < s.low && access !== "fetch")
          return this.report("stack-overflow", `stack overflow: ${access} at ${addr64(a)} in the guard below the ${STACK_SIZE / 1024} KiB kernel stack at ${this.where(rip)}`, rip, { address: a });
      }
      // One frame larger than the whole stack: RSP itself already lies below the current stack
      // (past the guard), and the access is at or just below RSP.
      if (access !== "fetch" && this.depth > 0) {
        const s = stackSlot(this.depth - 1);
        const rsp = this.uc.regRead(this.C.regs.RSP);
        if (rsp < s.low && s.low - rsp <= 0x10000000n && a + 0x1000n >= rsp && a < s.low)
          return this.report("stack-overflow", `stack overflow: a frame of ${s.high - rsp} bytes or more exceeds the ${STACK_SIZE / 1024} KiB kernel stack (${access} at ${addr64(a)}) at ${this.where(rip)}`, rip, { address: a });
      }
      const kind: FaultKind = access === "read" ? "invalid-read" : access === "write" ? "invalid-write" : "invalid-fetch";
      const what = access === "fetch" ? `invalid fetch: jump to ${addr64(a)}` : `invalid ${access} of ${nf.size} byte(s) at ${addr64(a)}`;
      const prot = nf.memType === M.READ_PROT || nf.memType === M.WRITE_PROT || nf.memType === M.FETCH_PROT ? " (protection)" : "";
      if (access === "fetch" && !this.moduleAt(a)) {
        // A call through a wild pointer: the return address on the stack names the call site.
        const site = this.callSiteOnStack();
        if (site) {
          const r = this.report(kind, `${what}${prot} (called from ${site.text})`, rip, { address: a });
          return { ...r, module: r.module ?? site.module };
        }
      }
      return this.report(kind, `${what}${prot} at ${this.where(rip)}`, rip, { address: a });
    }
    if (nf.interrupt >= 0) {
      const names: Record<number, string> = { 0: "divide error (#DE)", 1: "debug trap", 3: "breakpoint (int3)", 4: "overflow (#OF)", 5: "bound range (#BR)", 6: "invalid opcode (#UD)", 13: "general protection fault (#GP)", 14: "page fault (#PF)", 0x29: "__fastfail (int 0x29)", 0x2c: "assertion failure (int 0x2c)", 0x2d: "debug service (int 0x2d)" };
      let n = names[nf.interrupt] ?? `interrupt 0x${nf.interrupt.toString(16)}`;
      if (nf.interrupt === 0x29) {
        // __fastfail(code): the code is in ECX; Windows bugchecks KERNEL_SECURITY_CHECK_FAILURE (0x139).
        const code = Number(this.uc.regRead(this.C.regs.RCX) & 0xffffffffn);
        const FAST_FAIL: Record<number, string> = { 2: "FAST_FAIL_STACK_COOKIE_CHECK_FAILURE", 3: "FAST_FAIL_CORRUPT_LIST_ENTRY", 5: "FAST_FAIL_INVALID_ARG", 6: "FAST_FAIL_GS_COOKIE_INIT", 4: "FAST_FAIL_INCORRECT_STACK", 7: "FAST_FAIL_FATAL_APP_EXIT", 8: "FAST_FAIL_RANGE_CHECK_FAILURE", 10: "FAST_FAIL_GUARD_ICALL_CHECK_FAILURE" };
        n += ` code ${code}${FAST_FAIL[code] ? ` (${FAST_FAIL[code]})` : ""}, KERNEL_SECURITY_CHECK_FAILURE (0x139)`;
      }
      // Software interrupts are traps (RIP is past the instruction): report the instruction itself.
      const at = this.trapInstruction(rip, nf.interrupt);
      return this.report("cpu-exception", `${n} at ${this.where(at)}`, at, { interrupt: nf.interrupt });
    }
    if (nf.invalidInstruction || err === this.C.err.INSN_INVALID) return this.report("cpu-exception", `invalid instruction at ${this.where(rip)}`, rip);
    return this.report("cpu-exception", `emulation error ${err} at ${this.where(rip)}`, rip);
  }

  /** The driver return address at [RSP], if any (the caller of a call that just jumped somewhere wild). */
  private callSiteOnStack(): { module: string; text: string } | null {
    try {
      const ret = this.mem.u64(this.uc.regRead(this.C.regs.RSP));
      const m = this.moduleAt(ret);
      if (!m || m.builtin) return null;
      return { module: m.name, text: this.where(ret) };
    } catch {
      return null;
    }
  }

  /** Build a fault report from the current CPU state. */
  report(kind: FaultKind, message: string, rip: bigint, extra: Record<string, unknown> = {}): FaultReport {
    const regsV = this.uc.regReadMany([...this.gprIds, this.C.regs.RIP, this.C.regs.EFLAGS]);
    // Reported at an API thunk on behalf of its caller: the return address has not been popped yet.
    if (rip !== regsV[GPR.length]) {
      const t = this.thunks.get(regsV[GPR.length]!);
      if (t) regsV[4] = regsV[4]! + 8n;
    }
    const registers: Record<string, string> = {};
    GPR.forEach((r, i) => (registers[r] = addr64(regsV[i]!)));
    registers.RIP = addr64(rip);
    registers.EFLAGS = "0x" + regsV[GPR.length + 1]!.toString(16);
    const mod = this.moduleAt(rip);
    const { address, api, ...rest } = extra as { address?: bigint; api?: string };
    const r: FaultReport = {
      kind,
      message,
      module: mod?.name,
      rip: this.where(rip),
      ripAddress: rip,
      symbol: this.nearestExport(rip),
      address,
      api,
      registers,
      backtrace: this.backtrace(rip, regsV.slice(0, 16)),
      extra: Object.keys(rest).length ? rest : undefined,
    };
    return r;
  }

  /** Frames from RIP outward, unwound with the images' .pdata. */
  backtrace(rip: bigint, regs: bigint[]): string[] {
    const out: string[] = [];
    let r = [...regs];
    let pc = rip;
    // Nested guest calls: when a frame returns to the sentinel, continue in the code that called
    // the API whose handler made the nested call.
    let outer = this.outerFrames.length;
    for (let i = 0; i < 48; i++) {
      if (pc === RETURN_SENTINEL) {
        if (outer === 0) break;
        const f = this.outerFrames[--outer]!;
        const thunk = this.thunks.get(f[GPR.length + 1]!);
        out.push(`${thunk ? `${thunk.module.replace(/\.(exe|dll|sys)$/i, "")}!${thunk.name}` : this.where(f[GPR.length + 1]!)} (kernel, called back into the driver)`);
        r = f.slice(0, GPR.length);
        try {
          pc = this.mem.u64(r[4]!);
        } catch {
          break;
        }
        r[4] = r[4]! + 8n;
        continue;
      }
      const sym = this.nearestExport(pc);
      out.push(`${this.where(pc)}${sym ? ` (${sym})` : ""}`);
      const mod = this.moduleAt(pc);
      const m = mod && !mod.builtin ? mod : null;
      const before = [...r];
      let f = unwindOne(this.mem, m, r, pc);
      if (!f && i === 0 && m) {
        // A stack overflow faults with RSP already in the guard, typically right after the
        // prolog's allocation: unwind as if the whole prolog had run.
        r = before;
        f = unwindOne(this.mem, m, r, pc, true);
      }
      if (!f || f.rip === 0n) break;
      pc = f.rip;
    }
    return out;
  }

  // ---------------------------------------------------------------- API dispatch

  /**
   * Who called an API, from its return address. A driver that tail-calls an API (`jmp DbgPrint`
   * as its last statement) leaves the return address of *its* caller — the kernel's return
   * sentinel or a thunk — so then the innermost driver routine the kernel called is the caller.
   */
  private callerOf(retAddr: bigint): { caller: { module: string; rva: number } | null; callerText: string } {
    const direct = this.moduleAt(retAddr);
    if (direct && !direct.builtin) {
      const caller = { module: direct.name, rva: Number(retAddr - direct.base) };
      return { caller, callerText: `${caller.module}+0x${caller.rva.toString(16)}` };
    }
    for (let i = this.callTargets.length - 1; i >= 0; i--) {
      const target = this.callTargets[i]!;
      const m = this.moduleAt(target);
      if (m && !m.builtin) {
        const caller = { module: m.name, rva: Number(target - m.base) };
        return { caller, callerText: `${caller.module}+0x${caller.rva.toString(16)} (tail call)` };
      }
    }
    if (direct) return { caller: { module: direct.name, rva: Number(retAddr - direct.base) }, callerText: `${direct.name}+0x${(retAddr - direct.base).toString(16)}` };
    return { caller: null, callerText: addr64(retAddr) };
  }

  private dispatch(addr: bigint, rcx: bigint, rdx: bigint, r8: bigint, r9: bigint, rsp: bigint, retAddr: bigint): bigint | number | void {
    const thunk = this.thunks.get(addr);
    const { caller, callerText } = this.callerOf(retAddr);
    this.advanceClock(CLOCK_STEP);
    if (!thunk || thunk.kind === "data") {
      const what = thunk ? `data export ${thunk.module}!${thunk.name} executed as code` : `jump into kernel code at ${this.where(addr)}`;
      throw new EmuStop(this.report("invalid-fetch", `${what} (called from ${callerText})`, addr, { address: addr }));
    }
    const short = thunk.module.replace(/\.(exe|dll|sys)$/i, "");
    const apiName = `${thunk.module}!${thunk.name}`;
    if (!thunk.def) {
      const msg = `unimplemented ${short}!${thunk.name} called from ${callerText}`;
      this.unimplementedCalls.push({ api: `${short}!${thunk.name}`, caller: callerText });
      if (this.opts.unimplemented === "stub") {
        this.emit({ event: "warning", module: caller?.module, message: `${msg}: returned STATUS_NOT_IMPLEMENTED`, api: apiName });
        if (this.opts.trace)
          this.emit({ event: "api", module: caller?.module ?? "", api: apiName, args: [rcx, rdx, r8, r9].map((v) => "0x" + v.toString(16)), ret: "0xc0000002", caller: callerText });
        return STATUS_NOT_IMPLEMENTED;
      }
      throw new EmuStop(this.report("unimplemented-api", msg, retAddr, { api: apiName }));
    }
    const regArgs = [rcx, rdx, r8, r9];
    const stackCache = new Map<number, bigint>();
    const arg = (i: number): bigint => {
      if (i < 4) return regArgs[i]!;
      let v = stackCache.get(i);
      if (v === undefined) stackCache.set(i, (v = this.mem.u64(rsp + 0x28n + BigInt(8 * (i - 4)))));
      return v;
    };
    let described: string[] | null = null;
    const ctx: ApiContext = {
      api: apiName,
      arg,
      u32: (i) => Number(BigInt.asUintN(32, arg(i))),
      i32: (i) => Number(BigInt.asIntN(32, arg(i))),
      mem: this.mem,
      pool: {
        allocate: (size, tag, poolType, zero) => this.pool.allocate(size, tag, poolType, zero, caller?.module.toLowerCase() ?? "(kernel)", caller ? callerText : null),
        free: (a, tag) => void this.pool.free(a, tag, caller ? callerText : null),
      },
      caller,
      callGuest: (address, args) => {
        const r = this.call(address, args, `callback ${this.where(address)}`);
        if (!r.ok) throw new EmuStop(r.fault);
        return r.value;
      },
      describe: (d) => void (described = d),
      dbgPrint: (text, level, component) =>
        this.emit({ event: "dbgprint", module: caller?.module ?? "ntoskrnl.exe", text, ...(level !== undefined ? { level } : {}), ...(component !== undefined ? { component } : {}) }),
      warn: (message, extra) => this.emit({ event: "warning", module: caller?.module, message, api: apiName, ...extra }),
      fault: (kind, message, extra) => {
        throw new EmuStop(this.report(kind, message, retAddr, { api: apiName, ...extra }));
      },
      kernel: this.kernel,
      cpu: { get: (reg) => this.uc.regRead(this.C.regs[reg]) },
    };
    let ret: bigint | number | void;
    try {
      ret = thunk.def.handler(ctx);
    } catch (e) {
      if (e instanceof EmuStop) throw e;
      if (e instanceof GuestFault) {
        const kind: FaultKind = e.freedWhat ? "use-after-free" : e.access === "read" ? "invalid-read" : "invalid-write";
        throw new EmuStop(this.report(kind, `${e.message} in ${short}!${thunk.name} called from ${callerText}`, retAddr, { api: apiName, address: e.address }));
      }
      throw new EmuStop(this.report("internal", `${short}!${thunk.name} handler failed: ${(e as Error)?.message ?? String(e)} (called from ${callerText})`, retAddr, { api: apiName }));
    }
    if (this.opts.trace) {
      const argc = thunk.def.argc ?? 4;
      const shown = described ?? Array.from({ length: argc }, (_, i) => "0x" + arg(i).toString(16));
      this.emit({
        event: "api",
        module: caller?.module ?? "",
        api: apiName,
        args: shown,
        ...(ret !== undefined ? { ret: "0x" + BigInt.asUintN(64, BigInt(ret)).toString(16) } : {}),
        caller: callerText,
      });
    }
    return ret === undefined ? undefined : BigInt.asUintN(64, BigInt(ret));
  }

  private poolProblem(p: PoolProblem): void {
    const site = p.site ?? "(unknown)";
    if (p.kind === "tag-mismatch") {
      this.emit({
        event: "warning",
        message: `ExFreePoolWithTag: tag '${tagText(p.tag)}' does not match the allocation's tag '${tagText(p.block.tag)}' at ${addr64(p.address)} (freed from ${site})`,
        address: addr64(p.address),
      });
      return;
    }
    // Called from ExFreePool* at its thunk: the caller's address is at [rsp].
    const retAddr = this.mem.u64(this.uc.regRead(this.C.regs.RSP));
    if (p.kind === "double-free") {
      throw new EmuStop(
        this.report("double-free", `double free of pool block ${addr64(p.address)} (tag '${tagText(p.block.tag)}', ${p.block.size} bytes, allocated at ${p.block.site ?? "?"}) from ${site}`, retAddr, { address: p.address, tag: tagText(p.block.tag) }),
      );
    }
    const inside = p.inside ? ` (inside the '${tagText(p.inside.tag)}' block at ${addr64(p.inside.address)})` : this.pool.inPool(p.address) ? "" : " (not a pool address)";
    throw new EmuStop(this.report("foreign-free", `free of a pointer that is not a pool allocation: ${addr64(p.address)}${inside} from ${site}`, retAddr, { address: p.address }));
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      this.uc.close();
    }
  }
}

/** A minimal PeImage for the synthetic modules (their export directory lives in guest memory). */
function syntheticPe(syn: SyntheticModule): PeImage {
  const sections = [
    { name: ".text", virtualAddress: syn.text.rva, virtualSize: syn.text.size, sizeOfRawData: syn.text.size, pointerToRawData: syn.text.rva, characteristics: 0x60000020 },
    { name: ".data", virtualAddress: syn.data.rva, virtualSize: syn.data.size, sizeOfRawData: syn.data.size, pointerToRawData: syn.data.rva, characteristics: 0xc8000040 },
    {
      name: ".edata",
      virtualAddress: syn.data.rva + syn.data.size,
      virtualSize: syn.sizeOfImage - syn.data.rva - syn.data.size,
      sizeOfRawData: syn.sizeOfImage - syn.data.rva - syn.data.size,
      pointerToRawData: syn.data.rva + syn.data.size,
      characteristics: 0x40000040,
    },
  ];
  return {
    peOffset: 0x40,
    coff: { machine: 0x8664, numberOfSections: 3, timeDateStamp: 0, pointerToSymbolTable: 0, numberOfSymbols: 0, sizeOfOptionalHeader: 240, characteristics: 0x2022 },
    optional: {
      magic: 0x20b, pe32plus: true, majorLinkerVersion: 0, minorLinkerVersion: 0, sizeOfCode: syn.text.size, addressOfEntryPoint: 0, baseOfCode: syn.text.rva,
      imageBase: 0n, sectionAlignment: PAGE, fileAlignment: PAGE, majorOperatingSystemVersion: 10, minorOperatingSystemVersion: 0, majorSubsystemVersion: 10,
      minorSubsystemVersion: 0, sizeOfImage: syn.sizeOfImage, sizeOfHeaders: PAGE, checkSum: 0, subsystem: 1, dllCharacteristics: 0x160,
      sizeOfStackReserve: 0n, sizeOfStackCommit: 0n, sizeOfHeapReserve: 0n, sizeOfHeapCommit: 0n, numberOfRvaAndSizes: 16, checkSumOffset: 0x40 + 24 + 64,
    },
    machine: "x64",
    dataDirectories: [],
    sections,
    exports: {
      dllName: syn.name, ordinalBase: 1, timeDateStamp: 0, numberOfFunctions: syn.ordered.length, numberOfNames: syn.ordered.length,
      functions: syn.ordered.map((e, i) => ({ ordinal: i + 1, name: e.name, names: [e.name], rva: syn.rvaOf.get(e.name)!, forwarder: null })),
      namePointerOrder: syn.ordered.map((e) => e.name),
    },
    imports: [], delayImports: [], relocations: [], relocsStripped: false, debug: [], exceptionFunctions: [], tls: null, loadConfig: null, signed: false,
    checksum: { stored: 0, computed: 0 }, warnings: [],
  };
}
