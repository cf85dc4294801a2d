/**
 * The registry of a booted Windows 10 x64 machine, as far as drivers read it at start: the keys
 * and values every simulation starts with, before `--registry` files extend or override them
 * (docs/lifecycle.md, "The registry of a booted system"). Values are those of a stock Windows 10
 * 22H2 (build 19045) installation as Microsoft documents them (Session Manager, ProductOptions,
 * SystemStartOptions, CurrentVersion); the hardware description is of a one-processor machine.
 *
 * Pure data: no I/O.
 */
import { REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, REG_SZ, encodeRegMultiString, encodeRegString } from "../formats/reg/parse.js";
import type { Registry } from "./registry.js";
import { CPU_IDENTITIES, centralProcessorValues, type CpuChoice } from "./cpu-identity.js";

type Value = { name: string; sz: string } | { name: string; expand: string } | { name: string; dword: number } | { name: string; multi: string[] };

const HKLM = "\\REGISTRY\\MACHINE";
const CCS = `${HKLM}\\SYSTEM\\CurrentControlSet`;
/** The default processor (Unicorn's qemu64): CentralProcessor\0's values. */
const AMD = centralProcessorValues(CPU_IDENTITIES.amd);
/** Setup class of network adapters (devguid.h GUID_DEVCLASS_NET). */
export const NET_CLASS = "{4D36E972-E325-11CE-BFC1-08002BE10318}";
/** NetCfgInstanceId of the emulated machine's one network adapter, NDISWAN's "WAN Miniport (IP)" (kmdll's own GUID). */
export const WAN_MINIPORT_IP_GUID = "{5A1E0C2B-3D4F-4E6A-8B7C-9D0E1F2A3B4C}";

/** Key → values. Keys without values are listed with an empty list (they exist on every system). */
export const DEFAULT_HIVE: Readonly<Record<string, readonly Value[]>> = {
  [`${CCS}\\Control`]: [
    { name: "SystemStartOptions", sz: " NOEXECUTE=OPTIN" },
    { name: "SystemBootDevice", sz: "multi(0)disk(0)rdisk(0)partition(2)" },
    { name: "FirmwareBootDevice", sz: "multi(0)disk(0)rdisk(0)partition(1)" },
    { name: "CurrentUser", sz: "USERNAME" },
    { name: "WaitToKillServiceTimeout", sz: "5000" },
  ],
  [`${CCS}\\Control\\Session Manager`]: [
    { name: "BootExecute", multi: ["autocheck autochk *"] },
    { name: "CriticalSectionTimeout", dword: 0x278d00 },
    { name: "GlobalFlag", dword: 0 },
    { name: "ObjectDirectories", multi: ["\\Windows", "\\RPC Control"] },
    { name: "ProtectionMode", dword: 1 },
    { name: "SafeDllSearchMode", dword: 1 },
  ],
  [`${CCS}\\Control\\Session Manager\\Environment`]: [
    { name: "ComSpec", expand: "%SystemRoot%\\system32\\cmd.exe" },
    { name: "NUMBER_OF_PROCESSORS", sz: "1" },
    { name: "OS", sz: "Windows_NT" },
    { name: "Path", expand: "%SystemRoot%\\system32;%SystemRoot%;%SystemRoot%\\System32\\Wbem" },
    { name: "PROCESSOR_ARCHITECTURE", sz: "AMD64" },
    { name: "TEMP", expand: "%SystemRoot%\\TEMP" },
    { name: "TMP", expand: "%SystemRoot%\\TEMP" },
    { name: "windir", expand: "%SystemRoot%" },
  ],
  [`${CCS}\\Control\\Session Manager\\Kernel`]: [],
  [`${CCS}\\Control\\Session Manager\\Memory Management`]: [
    { name: "ClearPageFileAtShutdown", dword: 0 },
    { name: "DisablePagingExecutive", dword: 0 },
    { name: "LargeSystemCache", dword: 0 },
    { name: "PagingFiles", multi: ["?:\\pagefile.sys"] },
    { name: "FeatureSettingsOverride", dword: 0 },
    { name: "FeatureSettingsOverrideMask", dword: 3 },
  ],
  [`${CCS}\\Control\\Session Manager\\I/O System`]: [],
  [`${CCS}\\Control\\ProductOptions`]: [{ name: "ProductType", sz: "WinNT" }, { name: "ProductSuite", multi: [""] }],
  [`${CCS}\\Control\\ComputerName\\ComputerName`]: [{ name: "ComputerName", sz: "KMDLL-PC" }],
  [`${CCS}\\Control\\ComputerName\\ActiveComputerName`]: [{ name: "ComputerName", sz: "KMDLL-PC" }],
  [`${CCS}\\Control\\Windows`]: [{ name: "CSDVersion", dword: 0 }, { name: "ErrorMode", dword: 0 }],
  [`${CCS}\\Control\\CrashControl`]: [{ name: "CrashDumpEnabled", dword: 7 }, { name: "AutoReboot", dword: 1 }, { name: "DumpFile", expand: "%SystemRoot%\\MEMORY.DMP" }],
  [`${CCS}\\Control\\Class`]: [],
  // The network adapter class and TCP/IP's bindings. A Windows machine without any network card
  // still has NDISWAN's "WAN Miniport (IP)" adapter bound to TCP/IP (Microsoft Learn, "Network
  // adapter class" {4D36E972-E325-11CE-BFC1-08002BE10318}; the INF-written Linkage subkeys and
  // NetCfgInstanceId: "INF File Sections and Directives", "Tcpip\Linkage"); packet-capture
  // protocols (WinPcap's npf.sys) read these at DriverEntry and give up when TCP/IP has no
  // binding at all. The adapter's GUID is kmdll's own (WAN_MINIPORT_IP_GUID); kmdll models no
  // NDIS adapter behind it (a protocol's BindAdapterHandler never runs).
  [`${CCS}\\Control\\Class\\${NET_CLASS}`]: [{ name: "Class", sz: "Net" }],
  [`${CCS}\\Control\\Class\\${NET_CLASS}\\0000`]: [
    { name: "DriverDesc", sz: "WAN Miniport (IP)" },
    { name: "ComponentId", sz: "ms_ndiswanip" },
    { name: "NetCfgInstanceId", sz: WAN_MINIPORT_IP_GUID },
    { name: "Characteristics", dword: 0x29 },
  ],
  [`${CCS}\\Control\\Class\\${NET_CLASS}\\0000\\Linkage`]: [
    { name: "Export", multi: [`\\Device\\${WAN_MINIPORT_IP_GUID}`] },
    { name: "RootDevice", multi: [WAN_MINIPORT_IP_GUID] },
    { name: "UpperBind", multi: ["Tcpip"] },
  ],
  [`${CCS}\\Services\\Tcpip\\Linkage`]: [
    { name: "Bind", multi: [`\\Device\\${WAN_MINIPORT_IP_GUID}`] },
    { name: "Export", multi: [`\\Device\\Tcpip_${WAN_MINIPORT_IP_GUID}`] },
    { name: "Route", multi: [`"${WAN_MINIPORT_IP_GUID}"`] },
  ],
  [`${CCS}\\Services\\Tcpip\\Parameters`]: [{ name: "Hostname", sz: "KMDLL-PC" }, { name: "Domain", sz: "" }],
  [`${CCS}\\Control\\DeviceClasses`]: [],
  [`${CCS}\\Control\\SafeBoot`]: [{ name: "AlternateShell", sz: "cmd.exe" }],
  [`${CCS}\\Enum`]: [],
  [`${CCS}\\Hardware Profiles\\Current`]: [],
  [`${CCS}\\Services`]: [],
  // The DirectX graphics kernel's service (dxgkrnl.sys, a built-in module loaded at boot): display
  // miniports' DxgkInitialize (displib.lib) calls ZwLoadDriver on it and gets
  // STATUS_IMAGE_ALREADY_LOADED (api/dxgkrnl.ts, api/drvload.ts). A kernel driver (Type 1) started
  // on demand (Start 3), as `sc qc DXGKrnl` shows on Windows 10.
  [`${CCS}\\Services\\DXGKrnl`]: [
    { name: "ImagePath", expand: "\\SystemRoot\\System32\\drivers\\dxgkrnl.sys" },
    { name: "Type", dword: 1 },
    { name: "Start", dword: 3 },
    { name: "ErrorControl", dword: 1 },
    { name: "DisplayName", sz: "LDDM Graphics Subsystem" },
  ],
  [`${HKLM}\\SYSTEM\\Select`]: [{ name: "Current", dword: 1 }, { name: "Default", dword: 1 }, { name: "Failed", dword: 0 }, { name: "LastKnownGood", dword: 1 }],
  [`${HKLM}\\SYSTEM\\Setup`]: [{ name: "SystemSetupInProgress", dword: 0 }, { name: "SetupType", dword: 0 }],
  [`${HKLM}\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion`]: [
    { name: "CurrentBuild", sz: "19045" },
    { name: "CurrentBuildNumber", sz: "19045" },
    { name: "CurrentMajorVersionNumber", dword: 10 },
    { name: "CurrentMinorVersionNumber", dword: 0 },
    { name: "CurrentType", sz: "Multiprocessor Free" },
    { name: "CurrentVersion", sz: "6.3" },
    { name: "DisplayVersion", sz: "22H2" },
    { name: "EditionID", sz: "Professional" },
    { name: "InstallationType", sz: "Client" },
    { name: "ProductName", sz: "Windows 10 Pro" },
    { name: "ReleaseId", sz: "2009" },
    { name: "SystemRoot", sz: "C:\\Windows" },
    { name: "UBR", dword: 2965 },
  ],
  [`${HKLM}\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion`]: [
    { name: "ProgramFilesDir", sz: "C:\\Program Files" },
    { name: "CommonFilesDir", sz: "C:\\Program Files\\Common Files" },
  ],
  [`${HKLM}\\SOFTWARE\\Policies`]: [],
  [`${HKLM}\\HARDWARE\\DESCRIPTION\\System`]: [{ name: "Identifier", sz: "AT/AT COMPATIBLE" }],
  [`${HKLM}\\HARDWARE\\DESCRIPTION\\System\\BIOS`]: [
    { name: "BIOSVendor", sz: "kmdll" },
    { name: "BIOSVersion", sz: "1.0" },
    { name: "BIOSReleaseDate", sz: "01/01/2024" },
    { name: "SystemManufacturer", sz: "kmdll" },
    { name: "SystemProductName", sz: "Emulated x64 PC" },
    { name: "BaseBoardManufacturer", sz: "kmdll" },
    { name: "BaseBoardProduct", sz: "Emulated board" },
  ],
  [`${HKLM}\\HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0`]: [
    // What the emulated CPU's CPUID says (Unicorn's qemu64 model, on x64 and x86 alike; the
    // machine file's "cpu" rewrites these, writeCentralProcessor): vendor, "AMD64 Family F Model M
    // Stepping S" from leaf 1, the brand string. examples/qa-fresh3 TestCpuIdentity, examples/machine-cpu.
    { name: "Identifier", sz: AMD.identifier },
    { name: "ProcessorNameString", sz: AMD.name },
    { name: "VendorIdentifier", sz: AMD.vendor },
    { name: "~MHz", dword: 3000 },
    { name: "FeatureSet", dword: 0x3d1b3fff },
  ],
  [`${HKLM}\\HARDWARE\\DEVICEMAP`]: [],
  [`${HKLM}\\HARDWARE\\RESOURCEMAP`]: [],
  [`${HKLM}\\SAM`]: [],
  [`${HKLM}\\SECURITY`]: [],
  ["\\REGISTRY\\USER\\.DEFAULT\\Software"]: [],
};

/** CentralProcessor\0's identity values for this processor on this Windows (written from CPUID at boot). */
export function writeCentralProcessor(r: Registry, cpu: CpuChoice, windows: "x64" | "x86" = "x64"): void {
  const v = centralProcessorValues(CPU_IDENTITIES[cpu], windows);
  const path = `${HKLM}\\HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0`;
  r.setString(path, "Identifier", v.identifier);
  r.setString(path, "ProcessorNameString", v.name);
  r.setString(path, "VendorIdentifier", v.vendor);
}

/** Write the default hive into a registry (existing values are overwritten; call it first). */
export function seedDefaultHive(r: Registry): void {
  for (const [path, values] of Object.entries(DEFAULT_HIVE)) {
    const k = r.createKey(path);
    if (!k) throw new Error(`default hive: bad path ${path}`);
    for (const v of values) {
      if ("sz" in v) r.setValue(k.key, v.name, REG_SZ, encodeRegString(v.sz));
      else if ("expand" in v) r.setValue(k.key, v.name, REG_EXPAND_SZ, encodeRegString(v.expand));
      else if ("multi" in v) r.setValue(k.key, v.name, REG_MULTI_SZ, encodeRegMultiString(v.multi));
      else {
        const d = new Uint8Array(4);
        new DataView(d.buffer).setUint32(0, v.dword >>> 0, true);
        r.setValue(k.key, v.name, REG_DWORD, d);
      }
    }
  }
}

/** Service types, start types and error controls the Service Control Manager writes (winnt.h). */
export const SERVICE_KERNEL_DRIVER = 1;
export const SERVICE_DEMAND_START = 3;
export const SERVICE_ERROR_NORMAL = 1;

/**
 * What CreateService (sc create NAME type= kernel binPath= ...) leaves in Services\NAME for a
 * kernel driver: Type, Start, ErrorControl, ImagePath, DisplayName. Returns false when the key
 * already existed (nothing is changed then).
 */
export function ensureServiceKey(r: Registry, servicesKey: string, service: string, imagePath: string): boolean {
  const k = r.createKey(servicesKey + service);
  if (!k) return false;
  if (!k.created) return false;
  const dword = (n: number) => {
    const d = new Uint8Array(4);
    new DataView(d.buffer).setUint32(0, n >>> 0, true);
    return d;
  };
  r.setValue(k.key, "Type", REG_DWORD, dword(SERVICE_KERNEL_DRIVER));
  r.setValue(k.key, "Start", REG_DWORD, dword(SERVICE_DEMAND_START));
  r.setValue(k.key, "ErrorControl", REG_DWORD, dword(SERVICE_ERROR_NORMAL));
  r.setValue(k.key, "ImagePath", REG_EXPAND_SZ, encodeRegString(imagePath));
  r.setValue(k.key, "DisplayName", REG_SZ, encodeRegString(service));
  return true;
}

/**
 * The altitude kmdll gives a minifilter installed without an INF: the middle of the "FSFilter
 * Activity Monitor" load order group (360000-389999, Microsoft Learn "Allocated filter altitudes").
 */
export const DEFAULT_MINIFILTER_ALTITUDE = "385000";

/**
 * What a minifilter's INF writes under its service key ([MiniFilter.AddRegistry] in the WDK's
 * minifilter INF template): Instances\DefaultInstance = "NAME Instance" and
 * Instances\NAME Instance\{Altitude, Flags = 0}. Returns what was written, or null when
 * Services\NAME\Instances already exists (nothing is changed then).
 */
export function ensureMinifilterInstances(r: Registry, servicesKey: string, service: string): { instance: string; altitude: string } | null {
  const k = r.createKey(servicesKey + service + "\\Instances");
  if (!k || !k.created) return null;
  const instance = `${service} Instance`;
  r.setValue(k.key, "DefaultInstance", REG_SZ, encodeRegString(instance));
  const i = r.createKey(servicesKey + service + "\\Instances\\" + instance);
  if (!i) return null;
  r.setValue(i.key, "Altitude", REG_SZ, encodeRegString(DEFAULT_MINIFILTER_ALTITUDE));
  r.setValue(i.key, "Flags", REG_DWORD, new Uint8Array(4));
  return { instance, altitude: DEFAULT_MINIFILTER_ALTITUDE };
}
