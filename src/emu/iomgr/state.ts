/** The I/O manager's state: devices, object names and symbolic links, IRPs in flight, interfaces. */
import { componentState } from "../api/state.js";

export interface DeviceInfo {
  address: bigint;
  name: string | null;
  driver: bigint;
  /** The device this one is attached on top of (IoAttachDeviceToDeviceStack). */
  attachedTo: bigint | null;
  deleted: boolean;
}

export interface IrpInfo {
  /** "built": IoBuildDeviceIoControlRequest / IoBuildSynchronousFsdRequest (freed on completion); "allocated": IoAllocateIrp; "user": the ioctl step. */
  kind: "built" | "allocated" | "user";
  /** Who sent it (module name or "user"). */
  from: string;
  /** METHOD_BUFFERED copy-back (system buffer → user buffer) on completion. */
  copyBack?: { system: bigint; user: bigint; length: number };
  systemBuffer?: bigint;
  mdl?: bigint;
  /** Interface-returning request: where the interface lands and what to call it. */
  interfaceAt?: { address: bigint; length: number; what: string; provider: bigint };
  completed: boolean;
  /** Filled when the IRP completes. */
  result?: { status: number; information: bigint };
  freed: boolean;
}

export interface InterfaceInfo {
  key: string;
  /** "GUID {6a1f...}" or "IOCTL 0x80002003". */
  what: string;
  provider: string;
  holder: string;
  context: bigint;
  reference: bigint;
  dereference: bigint;
  count: number;
  references: number;
  dereferences: number;
}

export interface IoState {
  devices: Map<bigint, DeviceInfo>;
  /** Upper-case object name → device. */
  names: Map<string, bigint>;
  /** Upper-case symbolic link name → target name (as given). */
  links: Map<string, string>;
  irps: Map<bigint, IrpInfo>;
  interfaces: Map<string, InterfaceInfo>;
  /** Wrapper thunk address → [interface key, action]. */
  wrappers: Map<string, bigint>;
  /**
   * Devices of a stack the PnP manager is sending IRP_MN_REMOVE_DEVICE to: each driver passes the
   * IRP down, then detaches and deletes its device, so a lower device is deleted while the upper
   * one is still attached — the documented order, not a mistake.
   */
  removing: Set<bigint>;
}


/** The I/O manager's state in a kernel. */
export const ioState = componentState("io", (): IoState => ({ devices: new Map(), names: new Map(), links: new Map(), irps: new Map(), interfaces: new Map(), wrappers: new Map(), removing: new Set() }));
