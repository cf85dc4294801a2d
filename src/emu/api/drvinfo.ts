/**
 * Newer routines drivers call about themselves and the platform (Windows 8.1–10), from their
 * Microsoft Learn pages:
 *
 * - IoQueryFullDriverPath(DriverObject, FullPath) (ntddk.h, Windows 8.1): the full path of the
 *   binary loaded for the driver object, in a string buffer it allocates from paged pool (the
 *   caller frees it with ExFreePool); FullPath's old contents are ignored and overwritten.
 *   STATUS_NOT_FOUND when the driver object has no section (DRIVER_OBJECT.DriverSection NULL: a
 *   driver made by IoCreateDriver); since Windows 10 1709 any driver object may be queried. The
 *   path is the one the loaded-module list gives the image (KLDR_DATA_TABLE_ENTRY.FullDllName,
 *   src/emu/iomgr/ldr-entry.ts). A NULL or non-driver object is STATUS_INVALID_PARAMETER here
 *   (Learn lists no status for it); wild pointers are a clean fault.
 * - ExIsManufacturingModeEnabled() (Windows 10): TRUE when Windows runs in manufacturing mode.
 *   kmdll's machine is a retail installation: FALSE.
 * - IoGetIommuInterface(Version, InterfaceOut) (Windows 10 1803, deprecated in favour of
 *   IoGetIommuInterfaceEx): the DMA remapping (IOMMU) interface. kmdll's machine has no IOMMU
 *   (docs/machine.md), so it is a stub: STATUS_INVALID_PARAMETER for a NULL InterfaceOut,
 *   STATUS_NOT_SUPPORTED otherwise (the structure is left as it was).
 * - IoOpenDriverRegistryKey(DriverObject, RegKeyType, DesiredAccess, Flags, DriverRegKey) (Windows 10
 *   1803): a kernel handle to a driver-specific key. DriverRegKeyParameters (0) is the service key's
 *   immutable `Parameters` subkey (Services\<ServiceKeyName>\Parameters, created when missing, as
 *   KMDF's WdfDriverOpenParametersRegistryKey relies on, src/emu/wdf/registry.ts). Flags other than
 *   0, a NULL DriverRegKey, a NULL or non-driver object or an unknown type: STATUS_INVALID_PARAMETER.
 *   The persistent-state keys (DriverRegKeyPersistentState 1, DriverRegKeySharedPersistentState 2)
 *   live where Learn does not say: kmdll answers STATUS_NOT_SUPPORTED for them rather than invent a
 *   location (a documented gap).
 */
import type { ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { LAYOUT, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { registryOf } from "./zw.js";
import { insertHandle } from "../obmgr/index.js";

const B = (n: number) => BigInt(n);
const IO_TYPE_DRIVER = 4;
const PAGED_POOL = 1;
const TAG_PATH = 0x70466f49; // 'IoFp'
/** KLDR_DATA_TABLE_ENTRY.FullDllName (x64 / x86), as ldr-entry.ts lays it out. */
const fullDllName = () => (ptrSize() === 4 ? 0x24n : 0x48n);

export const apis: ApiDefinition[] = [
  nt("IoQueryFullDriverPath", 2, (ctx) => {
    const [drv, out] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(drv), hex(out)]);
    if (drv === 0n || out === 0n || ctx.mem.u16(drv) !== IO_TYPE_DRIVER) return STATUS.INVALID_PARAMETER;
    const section = readPtr(ctx.mem, drv + B(LAYOUT.DRIVER_OBJECT.DriverSection));
    if (section === 0n) return STATUS.NOT_FOUND;
    const str = section + fullDllName();
    const len = ctx.mem.u16(str);
    const text = ctx.mem.read(readPtr(ctx.mem, str + B(ptrSize())), len);
    const buf = ctx.pool.allocate(len + 2, TAG_PATH, PAGED_POOL, true);
    if (buf === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    ctx.mem.write(buf, text);
    ctx.mem.setU16(out, len);
    ctx.mem.setU16(out + 2n, len + 2);
    writePtr(ctx.mem, out + B(ptrSize()), buf);
    return STATUS.SUCCESS;
  }),
  {
    ...nt("IoOpenDriverRegistryKey", 5, (ctx) => {
      const [drv, type, access, flags, out] = [ctx.arg(0), ctx.u32(1), ctx.u32(2), ctx.u32(3), ctx.arg(4)];
      ctx.describe([hex(drv), String(type), hex(access), hex(flags), hex(out)]);
      if (drv === 0n || out === 0n || flags !== 0 || type > 2 || ctx.mem.u16(drv) !== IO_TYPE_DRIVER) return STATUS.INVALID_PARAMETER;
      if (type !== 0) return STATUS.NOT_SUPPORTED;
      const ext = readPtr(ctx.mem, drv + B(LAYOUT.DRIVER_OBJECT.DriverExtension));
      const name = ctx.mem.u16(ext + B(LAYOUT.DRIVER_EXTENSION.ServiceKeyName));
      const service = new TextDecoder("utf-16le").decode(ctx.mem.read(readPtr(ctx.mem, ext + B(LAYOUT.DRIVER_EXTENSION.ServiceKeyName + ptrSize())), name));
      const r = registryOf(ctx.kernel).createKey(`\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\${service}\\Parameters`);
      if (!r) return STATUS.OBJECT_NAME_NOT_FOUND;
      putPtr(ctx.mem, out, insertHandle(ctx.kernel, { type: "Key", data: { key: r.key }, access, kernelHandle: true }));
      return STATUS.SUCCESS;
    }),
    notes: "DriverRegKeyParameters opens (creates) Services\\<service>\\Parameters; the persistent-state key types answer STATUS_NOT_SUPPORTED",
  },
  { ...nt("ExIsManufacturingModeEnabled", 0, () => 0), notes: "kmdll's machine is a retail installation: FALSE" },
  {
    ...nt("IoGetIommuInterface", 2, (ctx) => {
      const [version, out] = [ctx.u32(0), ctx.arg(1)];
      ctx.describe([String(version), hex(out)]);
      return out === 0n ? STATUS.INVALID_PARAMETER : STATUS.NOT_SUPPORTED;
    }),
    stub: true,
    notes: "kmdll's machine has no IOMMU: STATUS_NOT_SUPPORTED (STATUS_INVALID_PARAMETER for a NULL InterfaceOut)",
  },
];
