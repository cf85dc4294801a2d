/**
 * The catalog of emulated kernel routines: every handler of src/emu/api with its family (the
 * handler file), notes and whether it is a stub. `kmdll apis` prints it; docs/api-coverage.md
 * and data/import-ranking.json are generated from it.
 */
import { apisByComponent } from "./index.js";
import { kernelModuleExportsFor } from "../../nt/kernel-exports.js";

/** Family (one handler file) → [title, example drivers that exercise it]. */
export const FAMILIES: Record<string, [string, string]> = {
  dbg: ["Debug output", "api-printf (DbgPrint*), api-sync (break points), qa-x86hooks (ZwDisplayString)"],
  rtl: ["Run-time library: counted strings, conversions, memory, versions", "api-rtl"],
  crt: ["C runtime exported by ntoskrnl", "api-crt (printf family also api-printf, wcstoul api-loadgaps)"],
  ex: ["Executive: pool, fast mutexes, resources", "api-sync"],
  ke: ["Kernel: IRQL, spin locks, dispatcher objects, waits, time, bug checks", "api-sync"],
  firmware: ["System firmware tables for drivers (ExGetSystemFirmwareTable, ExEnumerateSystemFirmwareTables): SMBIOS, ACPI and the raw firmware areas of the machine model, as SystemFirmwareTableInformation answers them", "qa-fresh7"],
  kdiag: ["Kernel diagnostics: the auxiliary counter (24 MHz, tied to the performance counter), triage dump data arrays", "qa-fresh7"],
  hal: ["HAL", "api-sync"],
  ps: ["Processes and threads", "api-sync"],
  io: ["I/O manager: device/file objects, names and links, device stacks, IRPs, completion (docs/dynamic-linking.md)", "api-io (started as a service), api-sync, dl-*"],
  mm: ["Memory manager", "api-sync, api-rtl, api-registry"],
  ob: ["Object manager: reference counts, handles", "api-sync"],
  zw: ["Registry (Zw*) over the emulated registry", "api-registry"],
  machine: ["Machine model: physical memory, MMIO mappings, \\Device\\PhysicalMemory, PCI configuration space, I/O ports, interrupts, processors (docs/machine.md)", "api-hw"],
  sched: ["Deterministic scheduler on the emulated clock: DPCs, timers, work items, system threads, events by handle (docs/emulator.md), KeInitializeMutant", "api-sched, api-rank"],
  process: ["Processes, threads and object queries: lookups, attach/detach, ZwQuerySystemInformation (loaded modules), ObOpenObjectByPointer, ObQueryNameString, ZwFlushInstructionCache, the Nt forms drivers call (NtQueryInformationProcess, NtWaitForSingleObject)", "api-system, api-rank"],
  procctl: ["Process control: termination (notify routines called, handles closed, critical processes bug check), ZwDuplicateObject between handle tables, job objects, exit synchronization, threads by client ID, Set*Information", "api-token"],
  notify: ["Notify routines and callbacks, registered and reported as `callback` events", "api-system"],
  fsnotify: ["File system registration notifications for legacy file system filters (IoRegisterFsRegistrationChange: called at once for NTFS's control device)", "api-obio"],
  iox: ["I/O extras: StartIo queue (IoSetStartIoAttributes: deferred StartIo), error log entries (`errorlog` events), power, WDM version", "api-system, qa-fresh7 (IoSetStartIoAttributes)"],
  csq: ["Device IO timers (once per second of the emulated clock), IoCancelIrp, cancel-safe IRP queues (IoCsq*)", "api-csq (started as a service)"],
  regrtl: ["Rtl registry helpers: RtlQueryRegistryValues, RtlWriteRegistryValue, RtlCheckRegistryKey, ...", "api-system"],
  token: ["Access tokens (one per process: user, groups, privileges, integrity, elevation), impersonation, subject contexts, privilege and access checks (DACL evaluation), client security contexts, logon sessions (ksecdd!GetSecurityUserInfo), SID strings", "api-token"],
  security: ["Security descriptors, ACLs, SIDs (SeExports), ZwSetSecurityObject", "api-system"],
  file: ["Files on the sandboxed volume: \\SystemRoot = --root (read only), writes in memory (docs/emulator.md)", "api-files"],
  bitmap: ["Rtl bitmaps", "api-rtlx"],
  gentable: ["Rtl generic tables: elements the caller allocates, ordered by its compare routine (insert, lookup, delete, by index in insertion order, enumeration in collation order)", "api-gentable"],
  lists: ["Interlocked lists, sequenced lists (SLIST), lookaside lists", "api-rtlx"],
  locks: ["Guarded mutexes, queued and reader/writer spin locks, push locks, rundown protection, remove locks, the cancel spin lock", "api-rtlx"],
  crtx: ["Secure CRT (memcpy_s, strcpy_s, sprintf_s, _itoa_s, _vsnprintf_s, ...)", "api-rtlx, api-rank"],
  rtlx: ["More Rtl: time fields, version checks, UTF-8, GUIDs, hashes, IPv4 text, CRC-32, PE image helpers, RTL_RUN_ONCE, NTSTATUS → Win32 error (RtlNtStatusToDosError)", "api-rtlx, api-rank, api-doserr"],
  misc: ["Kernel queues, pulse events, UUIDs, processor features, the DPC watchdog", "api-rtlx"],
  vm: ["Virtual memory of the user address space: allocate, free, protect, query, lock (reserve/commit per page, CPU permissions follow the protection), MmCopyVirtualMemory, view flushes (ZwFlushVirtualMemory), secured ranges (MmSecureVirtualMemory)", "api-vm, api-rank"],
  reinit: ["Driver reinitialization: IoRegisterDriverReinitialization, IoRegisterBootDriverReinitialization (routines called after DriverEntry with DRIVER_EXTENSION.Count; boot ones only for a boot-start service, as Windows calls those once at boot)", "api-reinit"],
  power: ["Device power management framework (PoFx: devices, components, activation references, idle/active condition callbacks), PoSetHiberRange and PoFxRegisterCrashdumpDevice (no PEP: a stub), PoFxRegisterPlugin(Ex) (a stub: the registration is checked and kept, no notification is ever sent), PoSetSystemWakeDevice (a stub: the machine never sleeps)", "api-boot, api-fresh, qa-fresh7 (PEP registration)"],
  powerperf: ["PoFx performance states of a component without a power engine plug-in (PEP): registration with driver-supplied states, blocking and asynchronous changes, queries", "api-loadgaps"],
  extimer: ["Windows 8.1 high-resolution timers (ExAllocateTimer, ExSetTimer, ExCancelTimer, ExDeleteTimer) on the deterministic scheduler: EX_TIMER objects with callbacks at DISPATCH_LEVEL, periodic and one-shot, waitable", "api-loadgaps"],
  drvinfo: ["Driver and platform facts of Windows 8.1–10: IoQueryFullDriverPath, ExIsManufacturingModeEnabled, IoGetIommuInterface (stub: no IOMMU), IoGetDriverDirectory", "api-loadgaps, api-fresh"],
  fsreg: ["File system registration change notifications for legacy file system filters (IoRegisterFsRegistrationChange(Ex))", "api-fresh"],
  procchange: ["Processor change callbacks (KeRegisterProcessorChangeCallback/KeDeregisterProcessorChangeCallback): called for the existing processors with KE_PROCESSOR_CHANGE_ADD_EXISTING, registered and reported as `callback` events", "qa-hyperv"],
  elam: ["Early-launch anti-malware boot driver callbacks (IoRegisterBootDriverCallback/IoUnregisterBootDriverCallback), registered and reported as `callback` events", "api-boot"],
  pcw: ["Performance Counters for Windows, provider side: countersets and instances (no counter consumer: callbacks never called)", "api-boot"],
  unmodelled: ["Stubs for subjects the emulation does not model (user-mode threads, DMA crash-dump registers): drivers load, a call gets a checked error", "api-boot"],
  regnotify: ["Registry change notifications: ZwNotifyChangeKey (completed by key changes and handle close; work item or event)", "api-boot"],
  drvobj: ["Driver objects made at run time: IoCreateDriver (the routine runs with the new \\Driver object and a NULL RegistryPath), IoDeleteDriver; driver object extensions (IoAllocateDriverObjectExtension, IoGetDriverObjectExtension); ZwLoadDriver / ZwUnloadDriver (the kernel model's service start and stop)", "api-vm, api-drvload"],
  wdf: ["KMDF: WDFLDR.SYS binding (and class extensions: GpioClx, SpbCx) and Wdf01000.sys — drivers, control and PnP devices, queues, requests, file objects, I/O targets, WDFMEMORY and a request's buffers, WDFTIMER", "kmdf-ctl, kmdf-edge, kmdf-func, kmdf-filter, kmdf-objs, kmdf-clx"],
  fltmgr: ["FltMgr.sys, the Filter Manager: minifilter registration (callbacks as events, unload through FilterUnloadCallback), communication ports, default security descriptors, push locks, file name parsing (no file-system stack: no instance is attached and no I/O reaches the callbacks)", "flt-minifilter"],
  wfp: ["fwpkclnt.sys, the Windows Filtering Platform: callouts (classify/notify/flow-delete functions as events), engine sessions, transactions, sublayers (added, deleted, enumerated), callouts and filters, redirect handles (no network stack: no packet is classified)", "flt-minifilter, qa-fresh6 (sublayer enumeration), qa-fresh7 (injection handle with Flags 0)"],
  "ndis-file": ["NDIS file routines on the sandboxed volume (NdisOpenFile in \\SystemRoot\\System32\\drivers, NdisMapFile, NdisUnmapFile, NdisCloseFile): how miniports load firmware images", "qa-fresh7"],
  ndis: ["ndis.sys, NDIS 6: the version, NET_BUFFER_LIST and NET_BUFFER pools, generic objects, miniport driver registration (NDIS takes over the driver object; its unload calls MiniportDriverUnload), filter driver registration (no adapter exists, so no filter module ever attaches); no network adapter or packet exists", "net-ndis, net-modules"],
  netio: ["netio.sys: Winsock Kernel registration and provider NPI capture (every socket call completes its IRP with STATUS_NETWORK_UNREACHABLE: no network exists), the IP helper tables and change notifications of a machine with no network interface", "net-modules"],
  tdi: ["tdi.sys, the Transport Driver Interface library: TdiMapUserRequest (no TDI transport exists)", "net-modules"],
  ks: ["ks.sys, kernel streaming (AVStream): KsInitializeDriver (ks owns the driver object, no device until AddDevice), the pin and filter of an IRP (no KS object exists)", "net-modules, class-ks"],
  wmilib: ["wmilib.sys: WmiSystemControl dispatching IRP_MJ_SYSTEM_CONTROL queries and enables to a WMILIB_CONTEXT, WmiCompleteRequest filling the WNODE (WNODE_TOO_SMALL included), WmiFireEvent", "net-modules"],
  usbd: ["usbd.sys, the USB driver library: USBDI version, descriptor parsing (USBD_ParseDescriptors, USBD_ParseConfigurationDescriptor(Ex), USBD_GetInterfaceLength) and select-configuration URBs (USBD_CreateConfigurationRequestEx); no USB host controller exists", "qa-fresh2"],
  storport: ["storport.sys, the storage port driver: StorPortInitialize (HW_INITIALIZATION_DATA checked, storport owns the driver object), debug print, port and register access, StorPortExtendedFunction answering STOR_STATUS_NOT_IMPLEMENTED; no storage adapter exists", "storport-mini"],
  wmi: ["WMI registration of a device (IoWMIRegistrationControl), kept per device; no WMI service runs, so no IRP_MN_REGINFO follows", "api-rank"],
  hidclass: ["hidclass.sys, the HID class driver: HidRegisterMinidriver (revision checked, hidclass owns the driver object and its unload calls the minidriver's); no HID device exists", "qa-fresh5"],
  portcls: ["portcls.sys, the audio port class driver: PcInitializeAdapterDriver (PortCls's IRP handlers and unload installed, the adapter's AddDevice kept), interrupt sync objects (PcNewInterruptSync: connect, service routines by mode, synchronized calls); no audio device stack exists", "qa-fresh5, qa-modules"],
  scsiport: ["scsiport.sys, the SCSI port driver: ScsiPortInitialize (HW_INITIALIZATION_DATA checked, every miniport Plug and Play, scsiport owns the driver object), debug print, memory moves, stalls; no SCSI adapter exists", "scsiport-mini"],
  smclib: ["smclib.sys, the smart card driver library: its export list, and the debug level a reader driver sets in DriverEntry; no smart card reader exists", "scsiport-mini"],
  classpnp: ["classpnp.sys, the storage class driver library: ClassInitialize (CLASS_INIT_DATA size and required routines checked, classpnp owns the driver object, its ClassUnload calls the driver's), ClassDebugPrint; no storage class device exists", "class-ks"],
  pciidex: ["pciidex.sys, the PCI IDE controller driver: PciIdeXInitialize (pciidex owns the driver object, a second call STATUS_OBJECT_NAME_COLLISION); no IDE controller exists", "class-ks"],
  werkernel: ["werkernel.sys, Windows Error Reporting's kernel module (host of the API set ext-ms-win-ntos-werkernel-l1-1): the WerLiveKernel* routines, undocumented, as stubs — no live kernel dump is written (x64, ARM64)", "qa-modules"],
  entropy: ["cng.sys entropy sources (systemrng.h, behaviour undocumented): EntropyRegisterSource / ProvideData / RegisterCallback / UnregisterSource as stubs that check handles and record the source and the bytes it provides (x64, ARM64)", "qa-modules"],
  pico: ["Pico providers (WSL 1): PsRegisterPicoProvider, refused after boot (STATUS_TOO_LATE), as a started service always is", "qa-fresh2"],
  etw: ["Event tracing (ETW providers, writes, activity IDs, EtwSetInformation) and WMI data blocks, with no trace session or WMI provider running", "api-etw, qa-fresh7 (EtwSetInformation)"],
  ksecdd: ["ksecdd.sys, the kernel security support provider: CNG random numbers (BCryptGenRandom), algorithm providers, hashing (MD5, SHA-1, SHA-2) and RSA keys (generate, import/export blobs, encrypt/decrypt, sign/verify)", "qa-system; RSA: qa-gh"],
  svctable: ["System service tables: KeAddSystemServiceTable (KeServiceDescriptorTable and its shadow table)", "qa-x86hooks"],
  dump: ["Crash-dump state: KeCapturePersistentThreadState's dump header and the kernel debugger data block (KDDEBUGGER_DATA64) it copies", "qa-system"],
  win32k: ["win32k images (win32kbase.sys, win32kfull.sys): the routines drivers resolve by name, as stubs — no window manager runs, so no handle names a window", "qa-system"],
  avltable: ["Rtl AVL generic tables (*GenericTableAvl): as the splay tables, by index in collation order, first-match lookup with a restart key", "api-platform"],
  platform: ["Platform queries drivers make at start: the kernel debugger's state (booted without debug controls), power information (ZwPowerInformation), driver paging, Driver Verifier queries, WIL feature staging (no feature configured), the CRT's multibyte conversions, IoTryQueueWorkItem, PsSetCreateThreadNotifyRoutineEx, FltDoCompletionProcessingWhenSafe", "api-platform"],
  wpprecorder: ["WppRecorder.sys, the WPP Inflight Trace Recorder drivers built with WPP and IFR import: recorder start/stop and messages accepted and dropped (no trace session runs), as stubs", "api-platform"],
  mdl: ["MDLs, locked pages, contiguous and non-cached memory (physical frames from the machine model), I/O-space MDLs (MmAllocateMdlForIoSpace)", "api-hw, api-fresh"],
  obx: ["Object manager by name: ObOpenObjectByName, objects drivers create (ObCreateObject/ObInsertObject), directory and symbolic link objects, temporary names, ZwQueryObject, handle flags, object security", "api-obio"],
  fsrtl: ["FsRtl name routines (wildcards with the DOS forms, dissecting and comparing names), FsRtlGetFileSize and RtlIsNameLegalDOS8Dot3", "api-obio, api-rank"],
  iostack: ["Device stacks (lower device, stack base, safe attach, attach by name, enumeration), the volume's devices and VPB, DOS names of volumes and files, IRP reuse, completion routines, synchronous forwarding, the top-level IRP, stack limits", "api-obio"],
  filectl: ["Control requests on file handles (ZwDeviceIoControlFile, ZwFsControlFile: IRPs to a device, file system controls of the volume), byte-range locks, IoCreateFileSpecifyDeviceObjectHint", "api-obio"],
  sehHelpers: ["Compiler helpers of MSVC-built x64 drivers: _local_unwind (RtlUnwindEx to a label of the frame, running the __finally blocks between) and _purecall (raises STATUS_NOT_IMPLEMENTED)", "api-obio"],
  section: ["Section objects backed by files on the volume or the paging file, views in the user address space and in system space (copied back on unmap)", "api-obio"],
};
/** Behaviour worth knowing, per API (the rest follows the Microsoft documentation plainly). */
const NOTES: Record<string, string> = {
  IoCreateDevice: "DO_DEVICE_INITIALIZING set; name collision → STATUS_OBJECT_NAME_COLLISION; object lives until its last reference",
  IoDeleteDevice: "unlinked from the driver's list and the namespace; warning when a device is still attached on top",
  IoGetDeviceObjectPointer: "follows symbolic links; IRP_MJ_CREATE to the top of the stack; the file object's last dereference sends IRP_MJ_CLOSE",
  IoBuildDeviceIoControlRequest: "METHOD_BUFFERED system buffer copied back, IN/OUT_DIRECT MDL, NEITHER raw pointers; an internal IOCTL returning an INTERFACE is tracked",
  IofCallDriver: "runs the dispatch routine as a nested guest call; one `irp` trace event per call",
  IofCompleteRequest: "completion routines up the stack (STATUS_MORE_PROCESSING_REQUIRED stops); IO_STATUS_BLOCK, event, buffered copy-back, IRP freed",
  IoAllocateIrp: "must be freed by the caller's completion routine (warning otherwise)",
  DbgPrint: "kernel printf dialect (docs/api.md); output cut at 511 characters",
  DbgPrintEx: "component and level recorded on the dbgprint event; nothing is filtered",
  vDbgPrintExWithPrefix: "prefix prepended to the formatted text",
  DbgBreakPoint: "warning event, execution continues (no debugger)",
  RtlInitUnicodeString: "Length capped at 0xFFFC",
  RtlCopyUnicodeString: "truncates to MaximumLength; NUL-terminates when room",
  RtlAppendUnicodeStringToString: "STATUS_BUFFER_TOO_SMALL without room; NUL when room",
  RtlAnsiStringToUnicodeString: "Allocate=TRUE takes pool (tag StrG, freed by RtlFreeUnicodeString); STATUS_BUFFER_OVERFLOW otherwise",
  RtlUnicodeStringToAnsiString: "truncates and returns STATUS_BUFFER_OVERFLOW when too small; non-Latin-1 characters become '?'",
  RtlUnicodeStringToInteger: "base 0 accepts 0x/0o/0b prefixes; stops at the first invalid digit",
  RtlGetVersion: "Windows 10.0 build 19045, workstation",
  RtlRandomEx: "RtlUniform's generator (deterministic)",
  RtlAssert: "fault 'bugcheck' with expression, file and line",
  _snprintf: "MS contract: -1 on truncation, no NUL when the output fills the buffer exactly",
  swprintf: "legacy two-argument ntoskrnl form (no count)",
  qsort: "insertion sort calling the driver's comparator (nested emulation)",
  bsearch: "calls the driver's comparator (nested emulation)",
  rand: "MS CRT generator (seed 1 → 41, 18467, ...)",
  ExAllocatePool: "tag 'None'",
  ExAllocatePool2: "zeroed unless POOL_FLAG_UNINITIALIZED; NULL + warning for invalid flags or tag 0; POOL_FLAG_RAISE_ON_FAILURE → bugcheck on failure",
  ExAllocatePoolWithQuotaTag: "raises (bugcheck) on failure unless POOL_QUOTA_FAIL_INSTEAD_OF_RAISE",
  ExAllocatePoolWithTag: "paged pool at DISPATCH_LEVEL or above → bugcheck IRQL_NOT_LESS_OR_EQUAL",
  ExFreePool: "NULL → bugcheck BAD_POOL_CALLER; double/foreign free reported by the pool",
  ExAcquireFastMutex: "raises to APC_LEVEL; already held → fault 'deadlock'",
  ExReleaseFastMutex: "restores the saved IRQL; warning when not held",
  KeAcquireSpinLockRaiseToDpc: "held lock → fault 'deadlock' (one processor)",
  KeReleaseSpinLock: "warning when not held; lowering above current IRQL → bugcheck",
  KeWaitForSingleObject: "signaled → SUCCESS (auto-reset/mutex/semaphore consumed); zero timeout → STATUS_TIMEOUT; otherwise a system thread parks (other threads run) and the caller's flow runs ready work, the clock moving to timers and timeouts; nothing left to signal it → fault 'deadlock' naming the parked threads",
  KeWaitForMultipleObjects: "WaitAny returns STATUS_WAIT_n; same rules as KeWaitForSingleObject",
  KeReleaseMutex: "not owned → bugcheck (STATUS_MUTANT_NOT_OWNED)",
  KeReleaseSemaphore: "above the limit → bugcheck (STATUS_SEMAPHORE_LIMIT_EXCEEDED)",
  KeDelayExecutionThread: "advances the deterministic clock (a system thread parks meanwhile, other work runs); above APC_LEVEL → bugcheck",
  KeQueryPerformanceCounter: "10 MHz, the interrupt time of the deterministic clock",
  KeStallExecutionProcessor: "advances the clock; warning above 50 µs",
  KfRaiseIrql: "IRQL tracked in the API layer (Unicorn does not keep CR8); lowering via raise → bugcheck",
  KeLowerIrql: "raising via lower → bugcheck IRQL_NOT_LESS_OR_EQUAL",
  KeBugCheckEx: "fault 'bugcheck' with code and four parameters",
  MmGetSystemRoutineAddress: "ntoskrnl then hal only; NULL + warning when another loaded driver exports the name",
  MmIsAddressValid: "mapped guest memory",
  KeFlushIoBuffers: "x64 caches are DMA-coherent: nothing to flush (wdm.h makes it an empty macro on x86/x64); the MDL is not read",
  MmGetPhysicalAddress: "frames assigned on first use from the machine model, stable afterwards; 0 when unmapped; MmMapIoSpace of the result sees the same bytes",
  ObfDereferenceObject: "below zero → bugcheck REFERENCE_BY_POINTER; unknown objects warned once",
  ObReferenceObjectByHandle: "handles of objects with an address; registry keys → STATUS_OBJECT_TYPE_MISMATCH",
  PsGetCurrentProcessId: "4 (System)",
  PsGetCurrentThreadId: "8 in driver entry points and dispatch routines; the thread's own ID in a system thread",
  ZwCreateKey: "creates the last component only (parent missing → OBJECT_NAME_NOT_FOUND); disposition",
  ZwOpenKey: "absolute \\Registry\\... or relative to RootDirectory; warning without OBJ_KERNEL_HANDLE",
  ZwQueryValueKey: "Basic/Full/Partial(+Align64); header too small → BUFFER_TOO_SMALL, data too small → BUFFER_OVERFLOW; ResultLength always the full size",
  ZwEnumerateKey: "subkeys sorted case-insensitively; Basic/Node/Full",
  ZwDeleteKey: "subkeys → STATUS_CANNOT_DELETE; later use of the handle → STATUS_KEY_DELETED",
  RtlNtStatusToDosError: "Microsoft's mapping (KB 113996) for the common statuses; success and customer codes unchanged, 0xC001xxxx / 0x8007xxxx → low word, others ERROR_MR_MID_NOT_FOUND (317); no TEB to record LastStatusValue in",
  RtlNtStatusToDosErrorNoTeb: "as RtlNtStatusToDosError",
  ZwLoadDriver: "service key → ImagePath inside the root, DriverEntry; empty → INVALID_PARAMETER, relative → OBJECT_PATH_SYNTAX_BAD, no key → OBJECT_NAME_NOT_FOUND, bad ImagePath → ILL_FORMED_SERVICE_ENTRY, loaded → IMAGE_ALREADY_LOADED",
  ZwUnloadDriver: "DriverUnload, image unloaded; no driver object → OBJECT_NAME_NOT_FOUND; no DriverUnload or a PnP driver → INVALID_DEVICE_REQUEST; unloading the caller itself → bug check 0xCE",
  ZwClose: "unknown handle → STATUS_INVALID_HANDLE + warning; a handle protected from close → STATUS_HANDLE_NOT_CLOSABLE",
  ObOpenObjectByName: "devices (links followed unless OBJ_OPENLINK), \\Driver and \\FileSystem objects, directories, registry keys, named objects drivers inserted; missing parent → STATUS_OBJECT_PATH_NOT_FOUND",
  ObInsertObject: "a name without OBJ_PERMANENT is temporary (goes with the last handle); collision → STATUS_OBJECT_NAME_COLLISION and the object is dereferenced",
  ZwMakeTemporaryObject: "the name leaves the namespace when the last handle is closed (how IoDeleteSymbolicLink removes a link)",
  ZwQueryObject: "ObjectBasicInformation, ObjectNameInformation, ObjectTypeInformation, ObjectHandleFlagInformation",
  ObGetObjectSecurity: "the descriptor ZwSetSecurityObject set, else owner Administrators / group SYSTEM / a DACL for both",
  FsRtlIsNameInExpression: "* ? and the DOS wildcards < > \"; IgnoreCase upcases the name (through UpcaseTable when given)",
  RtlVolumeDeviceToDosName: "\\Device\\HarddiskVolume1 → C:; another device → its drive-letter link, else STATUS_INVALID_DEVICE_REQUEST; pool buffer the caller frees",
  IoForwardIrpSynchronously: "the lower driver must complete the IRP during the call (a later completion is not waited for: warning)",
  ZwFsControlFile: "to a device: IRP_MJ_FILE_SYSTEM_CONTROL; on the volume: mounted, lock/dismount (denied), NTFS volume data, reparse points",
  ZwLockFile: "a conflict without FailImmediately is a `deadlock` fault (no other thread can release it); ZwReadFile/ZwWriteFile honour the locks (STATUS_FILE_LOCK_CONFLICT)",
  ZwCreateSection: "paging-file and volume-file sections; SEC_IMAGE: the PE file laid out as an image (not relocated; no per-section rights in views)",
  ZwMapViewOfSection: "\\Device\\PhysicalMemory (machine model) or a section: a view in the user address space, copied in at map and its changed bytes copied back at unmap",
};

export interface CatalogEntry {
  module: string;
  name: string;
  /** Handler file / component ("mm", "machine", "sched", ...). */
  family: string;
  argc: number | null;
  notes: string;
  /** Only returns a status: not counted as implemented. */
  stub: boolean;
  /**
   * The architectures whose kernel exports the routine (data/kernel-exports.json); a driver for
   * another arch cannot import it (x64 headers make e.g. KfLowerIrql or KeQueryTickCount inline).
   * Always ["x64"] for the KMDF modules (emulated for x64 only).
   */
  arches: string[];
}

const EVERY_ARCH = new Set(["netio.sys", "tdi.sys", "ks.sys", "wmilib.sys", "usbd.sys", "storport.sys", "hidclass.sys", "portcls.sys", "scsiport.sys", "smclib.sys", "classpnp.sys", "pciidex.sys"]);

/** Where a handler's routine is exported: ntoskrnl.exe and hal.dll per the database; KMDF on x64. */
function archesOf(module: string, name: string): string[] {
  const m = module.toLowerCase();
  // The network and driver-library modules are built for every arch (examples/net-modules runs on each).
  if (EVERY_ARCH.has(m)) return ["x64", "x86"];
  if (m !== "ntoskrnl.exe" && m !== "hal.dll") return ["x64"];
  const out: string[] = [];
  for (const arch of ["x64", "x86"]) {
    const has = (mod: string) => (kernelModuleExportsFor(mod, arch) ?? []).some((e) => e.name === name);
    if (has(m) || has(m === "hal.dll" ? "ntoskrnl.exe" : "hal.dll")) out.push(arch);
  }
  return out;
}

/** Every handler, by family then name. */
export function apiCatalog(): CatalogEntry[] {
  const out: CatalogEntry[] = [];
  for (const [family, defs] of Object.entries(apisByComponent)) {
    for (const d of [...defs].sort((a, b) => a.name.localeCompare(b.name) || a.module.localeCompare(b.module)))
      out.push({ module: d.module, name: d.name, family, argc: d.argc ?? null, notes: d.notes ?? NOTES[d.name] ?? "", stub: d.stub === true, arches: archesOf(d.module, d.name) });
  }
  return out;
}

/** Counts for summaries: implemented (not stubs) and stubs. */
export function catalogCounts(entries: CatalogEntry[] = apiCatalog()): { implemented: number; stubs: number; total: number } {
  const stubs = entries.filter((e) => e.stub).length;
  return { implemented: entries.length - stubs, stubs, total: entries.length };
}
