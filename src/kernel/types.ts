import type { PeImage } from "../formats/pe/types.js";

/**
 * `documented` (default) follows the seeds: the reference-count mechanism (DllUnload + unload at
 * zero) is active only for export drivers exporting both DllInitialize and DllUnload; others stay
 * pinned once loaded. `kernel` follows WRK/ReactOS sysldr: unload at zero whenever DllUnload exists
 * and succeeds. They differ only for a DLL with DllUnload but no DllInitialize.
 */
export type Semantics = "documented" | "kernel";

/** One entry of the kernel's loaded-module list (PsLoadedModuleList / LDR_DATA_TABLE_ENTRY). */
export interface LoadedModule {
  /** Base name as the kernel knows it (last component of the path it was loaded from), e.g. "mydriver.sys". */
  name: string;
  /** NT path, e.g. "\SystemRoot\System32\drivers\mydriver.sys". */
  path: string;
  /** Host file it was read from (null for ntoskrnl/hal). */
  hostPath: string | null;
  image: PeImage | null;
  base: bigint;
  /** LoadCount: one per importer that references it, plus one when loaded as a service. */
  loadCount: number;
  /** Modules this one references (counted imports), in import-descriptor order. */
  references: LoadedModule[];
  /** LDRP_LOAD_IN_PROGRESS: inserted, imports not resolved yet. */
  loading: boolean;
  /** ntoskrnl.exe / hal.dll: always present, never counted. */
  builtin: boolean;
  /** Service name when it was started as a driver (a DRIVER_OBJECT exists). */
  service: string | null;
  /** Who caused the load ("client.sys") or null for a service start. */
  loadedBy: string | null;
}

/** Result of opening an image file through an ImageSource. */
export type OpenResult =
  | { ok: true; hostPath: string; bytes: Uint8Array; image: PeImage }
  | { ok: false; status: number; message: string };

/**
 * Where images come from: the simulated `\SystemRoot` (a host directory), or an in-memory set of
 * synthetic images in tests. Implementations must never open anything outside their root.
 */
export interface ImageSource {
  /** Open an NT path ("\SystemRoot\System32\drivers\x.sys"). Missing file → status 0xC0000034. */
  open(ntPath: string): OpenResult;
}

/** The service database as the loader needs it (HKLM\SYSTEM\CurrentControlSet\Services\NAME). */
export interface ServiceConfig {
  /** The service's ImagePath value, or undefined when absent. */
  imagePath(service: string): string | undefined;
  /**
   * Optional: create Services\NAME as the Service Control Manager does for a driver that is
   * started without one (Type, Start, ErrorControl, ImagePath, DisplayName); false when it existed.
   */
  ensureService?(service: string, imagePath: string): boolean;
  /**
   * Optional: write the instance configuration a minifilter's INF writes (Instances with
   * DefaultInstance, one instance key with Altitude and Flags); returns what it wrote, or null
   * when Services\NAME\Instances already exists.
   */
  ensureMinifilterInstances?(service: string): { instance: string; altitude: string } | null;
}

/** Outcome of a kernel operation (start, stop, call). */
export interface OpResult {
  ok: boolean;
  /** The status the caller sees (NtLoadDriver's return value, surfaced). */
  status: number;
  /** The underlying status when it differs from what is surfaced (e.g. the DllInitialize status). */
  cause?: number;
  /** Human-readable explanation of a failure. */
  message?: string;
  /** Return value of a routine call (`call` steps). */
  value?: bigint;
  /** Emulation stopped on a fault: the machine would have crashed; later steps are meaningless. */
  crashed?: boolean;
  /** The fault kind reported by the executor ("use-after-free", "invalid-read", ...) when crashed. */
  fault?: string;
  /** Output bytes (hex) of an ioctl or read step. */
  output?: string;
  /** IoStatus.Information of an I/O step's IRP. */
  information?: bigint;
  /** Facts of an I/O step (device, transfer method, cleanup/close statuses...). */
  facts?: Record<string, string | number>;
  /** A start failed because DriverEntry returned an error (the image was mapped and unloaded again). */
  driverEntryFailed?: boolean;
}
