/**
 * The x64 kernel emulator: one Unicorn engine and the kernel address space, composed of
 *   - engine + memory (native.ts, memory.ts, pool.ts, layout.ts) and image mapping (image.ts),
 *   - the built-in ntoskrnl.exe / hal.dll modules and their thunks (kernel-modules.ts, thunks.ts),
 *   - API dispatch and the ApiContext handlers see (dispatch.ts, kernel-state.ts),
 *   - guest calls on per-depth kernel stacks (calls.ts),
 *   - fault reports and backtraces (faults.ts),
 *   - the clock and per-call scratch pages (clock.ts, scratch.ts), system structures (system.ts).
 * This class wires them together and is the emulator's public face.
 */
import { fillHalDispatch } from "./hal-dispatch.js";
import { wppRecorderExports } from "./api/wpprecorder.js";
import type { ApiDefinition, ApiHandler, KernelState } from "./api/types.js";
import type { EventSink, FaultKind, TraceEvent } from "../events.js";
import type { PeImage } from "../formats/pe/types.js";
import { kernelModuleExportsFor, type KernelExport } from "../nt/kernel-exports.js";
import { KmdllError, ResourceLimitError } from "../errors.js";
import { loadAddon, type ApiHookFn, type NativeEngine, type NativeConstants } from "./native.js";
import { EngineMemory } from "./memory.js";
import { PoolAllocator, tagText } from "./pool.js";
import { imageSpans, layoutImage, placeLayout, relocatable, type LoadedModule } from "./image.js";
import { SystemData } from "./system.js";
import { allApis } from "./api/index.js";
import { ThunkTable } from "./thunks.js";
import { ModuleMap } from "./module-map.js";
import { KernelModules } from "./kernel-modules.js";
import { Clock } from "./clock.js";
import { ScratchPages } from "./scratch.js";
import { FaultReporter, type FaultReport, type RunResult } from "./faults.js";
import { CallStack, guestCall } from "./calls.js";
import { idlePass } from "./threads.js";
import { dispatch, fastDispatcher } from "./dispatch.js";
import { Seh } from "./seh.js";
import { SehX86 } from "./seh-x86.js";
import { createKernelState } from "./kernel-state.js";
import { wdfModuleExports } from "./wdf/index.js";
import { filterModuleExports } from "./fltmgr/index.js";
import { ndisModuleExports } from "./ndis/index.js";
import { NETIO_EXPORTS } from "./netio/index.js";
import { TDI_EXPORTS } from "./api/tdi.js";
import { KS_EXPORTS } from "./api/ks.js";
import { WMILIB_EXPORTS } from "./api/wmilib.js";
import { BATTC_EXPORTS, BDASUP_EXPORTS, cngEntropyExports, systemDriverExports } from "./api/battc.js";
import { portclsModuleExports } from "./api/portcls.js";
import { storageModuleExports } from "./api/storage-modules.js";
import { patchPrivileged, type PrivilegedOp } from "./verifier/privileged.js";
import { patchArm64SysRegs } from "./verifier/privileged-arm64.js";
import { VirtualMap, trackEngine, vmapOf } from "./machine/vmap.js";
import { processorCount } from "./machine/topology.js";
import { openEngine, type CpuChoice } from "./machine/engine-cpu.js";
import { Verifier, type VerifierMode } from "./verifier/index.js";
import { InstructionHooks } from "./verifier/insn.js";
import { checkUnload, handleLeaks, objectLeaks } from "./verifier/unload.js";
import { PageableGuard } from "./verifier/pageable.js";
import { SpecialPool, type SpecialPoolOption } from "./verifier/special-pool.js";
import { MAX_CALL_DEPTH, MAX_DRIVER_IMAGES, MAX_IMAGE_REGIONS, MAX_REGIONS_PER_IMAGE, PAGE, alignUpN, addr64 } from "./layout.js";
import { CPUS, type CpuArch, type EmuArch } from "./arch/cpu.js";
import { ARM64_BRK_SENTINEL, fillStubs } from "./arch/arm64.js";
import { setLayoutArch } from "../nt/arch-layout.js";
import { imageArch } from "../nt/image-arch.js";
import { KernelStacks } from "./stacks.js";

export { EmuStop } from "./faults.js";
export type { FaultReport, RunResult } from "./faults.js";

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
  /** Driver Verifier checks (src/emu/verifier): none, standard (default) or all. */
  verifier?: VerifierMode;
  /** Special pool for driver allocations (x64): default "overrun" with verifier "all", else "off". */
  specialPool?: SpecialPoolOption;
  /** Other loaded modules exporting a name (for MmGetSystemRoutineAddress's warning). */
  modulesExporting?: (name: string) => string[];
  /** The CPU: "x64" (default), "x86" (32-bit drivers) or "arm64". */
  arch?: EmuArch;
  cpu?: CpuChoice; // the machine file's "cpu" (machine/engine-cpu.ts); default "amd" (Unicorn's qemu64)
  machine?: import("./machine/model.js").MachineSpec; // `--machine FILE`, installed before boot (kernel-state.ts): boot data agrees with it
  /** Use the addon's BigInt hook form instead of the shared-array one (tests compare the two). */
  compatApiHook?: boolean;
  /** Lower the documented limits (tests); never above the defaults of src/emu/layout.ts. */
  limits?: { driverImages?: number; imageRegions?: number };
}

export type ResolvedEmulatorOptions = Required<Pick<EmulatorOptions, "unimplemented" | "timeoutMs" | "trace">> & EmulatorOptions;

export class Emulator {
  readonly uc: NativeEngine;
  readonly C: NativeConstants;
  readonly mem: EngineMemory;
  readonly pool: PoolAllocator;
  readonly kernel: KernelState;
  readonly system: SystemData;
  readonly options: ResolvedEmulatorOptions;
  /** The CPU layer: Unicorn mode, registers, address space, calling conventions. */
  readonly cpu: CpuArch;
  readonly thunks: ThunkTable;
  readonly map: ModuleMap;
  /** Lower-case base name → mapped module (built-in and drivers). */
  readonly modules: ModuleMap["modules"];
  readonly clock = new Clock();
  readonly scratch: ScratchPages;
  readonly faults: FaultReporter = new FaultReporter(this);
  readonly calls = new CallStack();
  /** Structured exception handling (dispatch, unwinding, the C-specific handler). */
  readonly seh: Seh = new Seh(this);
  /** x86 frame-based SEH (FS:[0] registration chain, _except_handler3). */
  readonly sehX86: SehX86 = new SehX86(this);
  readonly builtins: KernelModules;
  /** Privileged instructions patched to ud2 at load (./verifier/privileged.ts), by address. */
  readonly privileged = new Map<bigint, PrivilegedOp>();
  readonly verifier: Verifier;
  readonly stacks: KernelStacks;
  /** in/out, syscall, and watched rdmsr/wrmsr/lgdt/lidt sites (./verifier/insn.ts). */
  readonly insn: InstructionHooks;
  /** Pageable sections made inaccessible at IRQL >= DISPATCH_LEVEL (./verifier/pageable.ts). */
  readonly pageable: PageableGuard;
  readonly unimplementedCalls: { api: string; caller: string }[] = [];
  /** The kernel routine being dispatched now (innermost), for "X from driver+0x..." sites. */
  currentCall: { siteText(): string } | null = null;
  /** Register ids of GPR (fault-report order). */
  readonly gprIds: number[];
  /** The engine holds the hook weakly; this object keeps it alive. */
  private readonly hookFn: ApiHookFn | ((offset: number, slot: number) => bigint | number | void);
  private nextImageBase: bigint;
  /** Mapped driver images and their protection spans (for the limits). */
  private driverImages = 0;
  private driverRegions = 0;
  private loadSequence = 0;
  closed = false;
  readonly cpuChoice: CpuChoice; // the processor CPUID answers as (machine/engine-cpu.ts)
  /** Unicorn aborted internally (the engine is unusable); every later call reports this. */
  broken: string | null = null;

  constructor(options: EmulatorOptions = {}) {
    this.options = { unimplemented: "fault", timeoutMs: 10_000, trace: false, ...options };
    this.verifier = new Verifier(this.options.verifier ?? "standard");
    this.cpu = CPUS[this.options.arch ?? "x64"];
    if (!this.cpu) throw new KmdllError(`unknown emulator arch '${String(this.options.arch)}' (x64, x86 or arm64)`);
    const space = this.cpu.space;
    setLayoutArch(this.cpu.arch);
    this.thunks = new ThunkTable(space.kernelModulesBase);
    this.map = new ModuleMap(this.thunks);
    this.modules = this.map.modules;
    this.nextImageBase = space.driverImagesBase;
    const addon = loadAddon();
    this.C = addon.constants;
    if ((this.cpu.arch === "x86" && !this.C.regsX86) || (this.cpu.arch === "arm64" && !this.C.regsArm64))
      throw new KmdllError(`the Unicorn addon was built before ${this.cpu.arch} support: rebuild it (npm run build:native, or bash scripts/setup.sh)`);
    if (!this.C.features?.includes("softRegions"))
      throw new KmdllError("the Unicorn addon was built before soft-protected regions: rebuild it (npm run build:native, or bash scripts/setup.sh)");
    ({ uc: this.uc, cpu: this.cpuChoice } = openEngine(addon, this.cpu.mode, this.options.cpu, this.options.sink));
    // x64: every mapping is recorded for the page-table model (machine/paging.ts).
    const vmap = this.cpu.arch === "x64" ? new VirtualMap(this.uc) : null;
    if (vmap) trackEngine(this.uc, vmap);
    // Driver images live in one soft-protected region: per-page rights without a Unicorn region per section.
    this.uc.softMap(space.driverImagesBase, Number(space.driverImagesEnd - space.driverImagesBase));
    this.gprIds = this.cpu.gprIds(this.C);
    this.scratch = new ScratchPages(this.uc, space.callScratchBase);
    this.mem = new EngineMemory(this.uc);
    this.mem.freedCheck = (a, n) => this.scratch.freedAt(a, n) ?? this.pool.special?.freedAt(a, n) ?? null;
    this.pool = new PoolAllocator(this.uc, space.poolBase, this.C.features?.includes("mapHost") ?? false);
    this.pool.onProblem = (p) => this.faults.poolProblem(p);
    const special = this.options.specialPool ?? (this.verifier.mode === "all" ? "overrun" : "off");
    if (special !== "off" && this.verifier.enabled) this.pool.special = new SpecialPool(this.uc, space.specialPoolBase, space.specialPoolEnd, special);
    this.pageable = new PageableGuard(this);
    this.kernel = createKernelState(this);
    if (vmap) vmapOf.provide(this.kernel, vmap);
    const dbFor = { "ntoskrnl.exe": kernelModuleExportsFor("ntoskrnl.exe", this.cpu.arch), "hal.dll": kernelModuleExportsFor("hal.dll", this.cpu.arch), "ksecdd.sys": kernelModuleExportsFor("ksecdd.sys", this.cpu.arch) };
    // KMDF (wdfldr.sys, wdf01000.sys), the filter modules (fltmgr.sys, fwpkclnt.sys) and ndis.sys: every arch (layouts per pointer size).
    const wdf = { ...wdfModuleExports(), ...filterModuleExports(), ...ndisModuleExports(this.cpu.arch) };
    // cng.sys: the BCrypt* routines of ksecdd.sys's list (api/bcrypt.ts serves both).
    const cng = [...(dbFor["ksecdd.sys"] ?? []).filter((e) => e.name.startsWith("BCrypt")), ...cngEntropyExports(this.cpu.arch)];
    const code = (names: readonly string[]) => names.map((name) => ({ name, type: "code" as const }));
    const wpp = { "wpprecorder.sys": wppRecorderExports(this.cpu.arch) };
    // The network and driver-library modules (netio.sys, tdi.sys, ks.sys, wmilib.sys, battc.sys): every arch.
    // netio.sys, ks.sys and wmilib.sys export what the kernel export database lists (mingw-w64's import
    // libraries, the list `check` uses), tdi.sys too where it has one (x86), the others their headers' names.
    const fromDb = (m: string, own: readonly string[]) => kernelModuleExportsFor(m, this.cpu.arch) ?? code(own);
    const libs = {
      "netio.sys": fromDb("netio.sys", NETIO_EXPORTS),
      "tdi.sys": fromDb("tdi.sys", TDI_EXPORTS),
      "ks.sys": fromDb("ks.sys", KS_EXPORTS),
      "wmilib.sys": fromDb("wmilib.sys", WMILIB_EXPORTS),
      "battc.sys": code(BATTC_EXPORTS), "bdasup.sys": code(BDASUP_EXPORTS), ...systemDriverExports(this.cpu.arch),
      // usbd.sys: the database's list for the arch (x86: three decorated names), api/usbd.ts; hidclass.ts, portcls.ts.
      "usbd.sys": kernelModuleExportsFor("usbd.sys", this.cpu.arch) ?? [], "hidclass.sys": fromDb("hidclass.sys", []), "portcls.sys": portclsModuleExports(),
      // storport.sys, scsiport.sys, smclib.sys: api/storage-modules.ts.
      ...storageModuleExports(this.cpu.arch),
    };
    const db = { ...wdf, ...wpp, ...libs, ...(this.options.kernelExports ?? { "ntoskrnl.exe": dbFor["ntoskrnl.exe"] ?? [], "hal.dll": dbFor["hal.dll"] ?? [], "ksecdd.sys": dbFor["ksecdd.sys"] ?? [], "cng.sys": cng }) };
    this.builtins = new KernelModules(this.uc, this.thunks, this.map, db, this.options.apis ?? allApis, this.cpu, this.C.features?.includes("mapHost") ?? false);
    if (this.cpu.arch !== "x64") this.thunks.writeStub = (a, conv) => this.uc.write(a, this.cpu.stub(conv));
    if (this.C.features?.includes("fastApiHook") && !this.options.compatApiHook) {
      // The fast form: registers in a shared array (one row per nesting depth), no BigInt made by the addon.
      const regs = new BigUint64Array(8 * (MAX_CALL_DEPTH + 1));
      this.hookFn = fastDispatcher(this, this.builtins.hookStart, regs);
      this.uc.setApiHook(this.builtins.hookStart, this.builtins.hookEnd - 1n, this.hookFn, regs);
    } else {
      const hook: ApiHookFn = (addr, rcx, rdx, r8, r9, rsp, ret) => dispatch(this, addr, rcx, rdx, r8, r9, rsp, ret);
      this.hookFn = hook;
      this.uc.setApiHook(this.builtins.hookStart, this.builtins.hookEnd - 1n, hook);
    }
    this.system = new SystemData(this.uc, this.mem, this.C, this.cpu);
    this.system.init((name) => this.kernelExport("ntoskrnl.exe", name, null), processorCount(this.kernel));
    const halDispatch = this.kernelExport("ntoskrnl.exe", "HalDispatchTable", null);
    if (halDispatch !== null) {
      const ptr = this.cpu.ptrSize === 4 ? 4 : 8;
      fillHalDispatch({ internalRoutine: (n, h, a) => this.internalRoutine(n, h, a), setU32: (a, v) => this.mem.setU32(a, v), setPtr: (a, v) => (ptr === 4 ? this.mem.setU32(a, Number(v)) : this.mem.setU64(a, v)) }, halDispatch, ptr);
    }
    Object.assign(this.kernel, { currentProcess: this.system.process, currentThread: this.system.thread });
    // Stacks: one slot per nesting depth; the unmapped gap below each is its guard. Over JS memory when the addon can (mapHost,
    // stacks.ts): the API hook then reads the return address at [SP], and handlers their stack arguments, without Unicorn's lookup.
    this.stacks = new KernelStacks(this.uc, this.C, space.stacksBase);
    // The return sentinel page (hlt), where every emulator-made call returns to.
    this.uc.mapMemory(space.returnSentinelPage, PAGE, 5);
    this.uc.write(space.returnSentinelPage, fillStubs(this.cpu.arch === "arm64" ? ARM64_BRK_SENTINEL : Uint8Array.of(0xf4)));
    this.insn = new InstructionHooks(this);
    this.clock.onChange = (clock) => this.system.updateSharedData(clock);
    this.clock.advance(0n);
  }

  /** Register an internal kernel routine (e.g. IopInvalidDeviceRequest) and return its address. */
  internalRoutine(name: string, handler: ApiHandler, argc = 0, module?: string): bigint {
    return this.thunks.internalRoutine(name, handler, argc, module);
  }

  /** Address of an export of ntoskrnl.exe / hal.dll, or null (by name, or by ordinal). */
  kernelExport(module: string, name: string | null, ordinal: number | null): bigint | null {
    return this.builtins.exportAddress(module, name, ordinal);
  }

  // ---------------------------------------------------------------- images

  /** Map a driver image at the next deterministic base (always relocated). */
  mapImage(name: string, image: PeImage, bytes: Uint8Array): LoadedModule {
    if (this.broken) throw new KmdllError(this.broken);
    const key = name.toLowerCase();
    if (this.modules.has(key)) throw new KmdllError(`${name} is already mapped`);
    const arch = imageArch(image);
    if (arch.problem !== undefined) throw new KmdllError(`${name}: ${arch.problem} (STATUS_INVALID_IMAGE_FORMAT)`);
    if (arch.arch !== this.cpu.arch) throw new KmdllError(`${name}: an ${arch.arch} image cannot run on the ${this.cpu.arch} emulator (STATUS_INVALID_IMAGE_FORMAT)`);
    let base = this.nextImageBase;
    // An image that cannot be relocated loads only at its preferred base, when that is a free
    // kernel address in the driver-image range (else STATUS_CONFLICTING_ADDRESSES from layoutImage).
    const pref = image.optional.imageBase;
    if (!relocatable(image) && pref >= this.nextImageBase && pref % 0x10000n === 0n && pref + BigInt(image.optional.sizeOfImage) <= this.cpu.space.driverImagesEnd) base = pref;
    // Per-load entropy for the /GS cookie (deterministic per run, different for every load).
    const seed = BigInt.asUintN(64, (this.clock.systemTime() << 8n) ^ base ^ (BigInt(++this.loadSequence) * 0x2545f4914f6cdd1dn));
    const memImage = layoutImage(image, bytes, base, name, seed);
    // Documented limits with a clean error (docs/emulator.md, "Limits").
    const spans = imageSpans(image, memImage.length);
    if (spans.length > MAX_REGIONS_PER_IMAGE) {
      throw new ResourceLimitError(`${name}: its sections need ${spans.length} separately protected memory regions; the emulator maps at most ${MAX_REGIONS_PER_IMAGE} per image`);
    }
    const maxImages = Math.min(MAX_DRIVER_IMAGES, this.options.limits?.driverImages ?? MAX_DRIVER_IMAGES);
    const maxRegions = Math.min(MAX_IMAGE_REGIONS, this.options.limits?.imageRegions ?? MAX_IMAGE_REGIONS);
    if (this.driverImages >= maxImages) {
      throw new ResourceLimitError(`${name}: ${this.driverImages} driver images are loaded; the emulator holds at most ${maxImages}`);
    }
    const used = this.driverRegions;
    if (used + spans.length > maxRegions) {
      throw new ResourceLimitError(`${name}: the loaded driver images use ${used} memory regions and this one needs ${spans.length}; the emulator maps at most ${maxRegions} for driver images`);
    }
    const space = this.cpu.space;
    if (base + BigInt(memImage.length) > space.driverImagesEnd) {
      throw new ResourceLimitError(`${name}: the driver image area (0x${space.driverImagesBase.toString(16)}-0x${space.driverImagesEnd.toString(16)}) is full`);
    }
    if (image.machine === "x64" || image.machine === "x86") for (const [rva, op] of patchPrivileged(image, memImage, image.machine)) this.privileged.set(base + BigInt(rva), op);
    else if (image.machine === "arm64") for (const [rva, op] of patchArm64SysRegs(image, memImage)) this.privileged.set(base + BigInt(rva), op);
    this.insn.watchImage(name, base, image, memImage);
    const regions = placeLayout(this.uc, name, image, memImage, base, spans);
    this.nextImageBase = alignUpN(base + BigInt(memImage.length) + 0x10000n, space.driverImageAlign);
    const mod: LoadedModule = { name, key, base, size: memImage.length, image, regions, builtin: false };
    this.modules.set(key, mod);
    this.driverImages++;
    this.driverRegions += regions.length;
    this.pageable.addImage(mod);
    return mod;
  }

  /** Unmap an image; its outstanding pool allocations are reported as leaks. Returns the leaks. */
  unmapImage(name: string): TraceEvent[] {
    const key = name.toLowerCase();
    const mod = this.modules.get(key);
    if (!mod || mod.builtin) return [];
    if (this.broken) {
      this.modules.delete(key);
      this.driverImages--;
      this.driverRegions -= mod.regions.length;
      return [];
    }
    checkUnload(this, mod);
    const leaks: TraceEvent[] = [];
    for (const b of this.pool.liveOf(key)) {
      // A block a kernel routine allocated for the driver (e.g. RtlAnsiStringToUnicodeString with
      // AllocateDestinationString) is still the driver's to free, but Driver Verifier tracks only
      // the driver's own pool calls: reported at warning level, not as a finding.
      const e: TraceEvent = { event: "leak", module: mod.name, kind: "pool", tag: tagText(b.tag), size: b.size, address: addr64(b.address), site: b.site, ...(b.by ? { by: b.by, level: "warning" } : {}) };
      leaks.push(e);
      this.emit(e);
    }
    for (const e of [...handleLeaks(this, mod), ...objectLeaks(this, mod)]) {
      leaks.push(e);
      this.emit(e);
    }
    this.pageable.removeImage(mod);
    this.uc.softProtect(mod.base, mod.size, -1);
    if (this.privileged.size) for (const a of [...this.privileged.keys()]) if (a >= mod.base && a < mod.base + BigInt(mod.size)) this.privileged.delete(a);
    this.insn.unwatchRange(mod.base, mod.size);
    this.modules.delete(key);
    this.driverImages--;
    this.driverRegions -= mod.regions.length;
    return leaks;
  }

  module(name: string): LoadedModule | undefined {
    return this.map.get(name);
  }

  /** Write a resolved address into the IAT slot of a mapped module. */
  writeIat(module: string, iatRva: number, address: bigint): void {
    const mod = this.module(module);
    if (!mod) throw new KmdllError(`${module} is not mapped`);
    const width = this.cpu.ptrSize;
    if (!Number.isInteger(iatRva) || iatRva < 0 || iatRva + width > mod.size)
      throw new KmdllError(`${module}: import address table slot at RVA 0x${iatRva.toString(16)} lies outside the image`);
    this.writePtr(mod.base + BigInt(iatRva), address);
  }

  /** Read a pointer of the emulated arch (8 bytes on x64, 4 on x86). */
  readPtr(address: bigint): bigint {
    const onStack = this.stacks.read(address, this.cpu.ptrSize);
    if (onStack !== null) return onStack;
    return this.cpu.ptrSize === 4 ? BigInt(this.mem.u32(address)) : this.mem.u64(address);
  }

  /** Write a pointer of the emulated arch. */
  writePtr(address: bigint, value: bigint): void {
    if (this.cpu.ptrSize === 4) this.mem.setU32(address, Number(BigInt.asUintN(32, value)));
    else this.mem.setU64(address, value);
  }

  /** The module containing an address. */
  moduleAt(addr: bigint): LoadedModule | null {
    return this.map.moduleAt(addr);
  }

  /** "mydriver.sys+0x1023", or the raw address. */
  where(addr: bigint): string {
    return this.map.where(addr);
  }

  /** Nearest export at or below addr in its module: "LoadPrinterDriver+0x13". */
  nearestExport(addr: bigint): string | undefined {
    return this.map.nearestExport(addr);
  }

  emit(e: TraceEvent): void {
    this.options.sink?.(e);
  }

  /**
   * A page for a buffer that lives only during one call (like the DllInitialize RegistryPath);
   * `release(description)` makes it inaccessible afterwards so later accesses are use-after-free.
   */
  scratchPage(): { address: bigint; release: (what: string) => void } {
    return this.scratch.page();
  }

  // ---------------------------------------------------------------- calls, faults

  /**
   * Call guest code at `address` with integer arguments (MS x64). Nested when called from a handler.
   * `exportCall`: an exported routine called for its own sake (kmdll call), which may legitimately
   * return with a lock held or IRQL raised, so the callback-return checks are skipped.
   * `frame`: the frame pointer (EBP/RBP) the code starts with — x86 SEH filters and termination
   * handlers address their function's locals through it.
   * `idle`: after a top-level call, let ready system threads run (false for unload routines).
   */
  call(address: bigint, args: bigint[] = [], label?: string, exportCall = false, frame?: bigint, idle = true): RunResult {
    if (this.closed) throw new KmdllError("the emulator is closed");
    const r = guestCall(this, address, args, label, this.options.timeoutMs, exportCall, frame);
    // A top-level call returned: ready system threads run until they block (src/emu/threads.ts).
    // Not after an unload routine: a thread it left running would run in an unloaded image.
    if (r.ok && idle && this.calls.depth === 0) {
      const f = idlePass(this);
      if (f) return { ok: false, fault: f };
    }
    return r;
  }

  /** Build a fault report from the current CPU state. */
  report(kind: FaultKind, message: string, rip: bigint, extra: Record<string, unknown> = {}): FaultReport {
    return this.faults.report(kind, message, rip, extra);
  }

  /** Frames from RIP outward, unwound with the images' .pdata. */
  backtrace(rip: bigint, regs: bigint[]): string[] {
    return this.faults.backtrace(rip, regs);
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      this.uc.close();
    }
  }
}
