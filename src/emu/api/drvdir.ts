/**
 * IoGetDriverDirectory(DriverObject, DirectoryType, Flags, DriverDirectoryHandle) (wdm.h, Windows
 * 10 1803; Microsoft Learn nf-wdm-iogetdriverdirectory and ne-wdm-_driver_directory_type): a
 * kernel handle to a directory on disk for the driver's files, which it passes as the
 * RootDirectory of ZwCreateFile / ZwOpenFile and closes with ZwClose.
 *
 * - DriverDirectoryImage (0): "the directory from which the driver was loaded": the directory of
 *   the image's path in the loaded-module list (KLDR_DATA_TABLE_ENTRY.FullDllName, as
 *   IoQueryFullDriverPath gives it, drvinfo.ts), opened on the sandboxed volume like ZwOpenFile
 *   (FILE_DIRECTORY_FILE, a `file` event).
 * - DriverDirectoryData (1): a per-driver state directory whose location Learn does not give:
 *   kmdll answers STATUS_NOT_SUPPORTED rather than invent one (as IoOpenDriverRegistryKey does for
 *   the persistent-state keys) — a documented gap.
 * - DriverDirectorySharedData (2) exists from Windows Server 2022 on; the emulated Windows 10
 *   19045 does not know it: STATUS_INVALID_PARAMETER, as for any other value.
 * Learn: STATUS_INVALID_PARAMETER for a NULL DriverObject or DriverDirectoryHandle or Flags not 0
 * (kmdll: also for an object that is not a driver object); PASSIVE_LEVEL in a system thread.
 */
import type { ApiDefinition } from "./types.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { create } from "./file.js";

const B = (n: number) => BigInt(n);
const IO_TYPE_DRIVER = 4;
const TAG = 0x72694444; // 'DDir'
/** KLDR_DATA_TABLE_ENTRY.FullDllName (x64 / x86), as ldr-entry.ts lays it out (drvinfo.ts too). */
const fullDllName = () => (ptrSize() === 4 ? 0x24n : 0x48n);
const FILE_LIST_DIRECTORY = 0x1, SYNCHRONIZE = 0x100000;
const FILE_OPEN = 1, FILE_DIRECTORY_FILE = 0x1, FILE_SYNCHRONOUS_IO_NONALERT = 0x20;
const OBJ_CASE_INSENSITIVE = 0x40, OBJ_KERNEL_HANDLE = 0x200;

export const apis: ApiDefinition[] = [
  {
    ...nt("IoGetDriverDirectory", 4, (ctx) => {
      const [drv, type, flags, out] = [ctx.arg(0), ctx.u32(1), ctx.u32(2), ctx.arg(3)];
      ctx.describe([hex(drv), ["DriverDirectoryImage", "DriverDirectoryData", "DriverDirectorySharedData"][type] ?? String(type), hex(flags), hex(out)]);
      if (drv === 0n || out === 0n || flags !== 0 || type > 1 || ctx.mem.u16(drv) !== IO_TYPE_DRIVER) return STATUS.INVALID_PARAMETER;
      if (type === 1) return STATUS.NOT_SUPPORTED;
      const section = readPtr(ctx.mem, drv + B(LAYOUT.DRIVER_OBJECT.DriverSection));
      if (section === 0n) return STATUS.NOT_FOUND; // a driver made by IoCreateDriver has no image
      const str = section + fullDllName();
      const path = new TextDecoder("utf-16le").decode(ctx.mem.read(readPtr(ctx.mem, str + B(ptrSize())), ctx.mem.u16(str)));
      const dir = path.slice(0, Math.max(0, path.lastIndexOf("\\")));
      if (!dir) return STATUS.NOT_FOUND;
      // OBJECT_ATTRIBUTES + UNICODE_STRING + IO_STATUS_BLOCK + the name, in the kernel's pool for the call.
      const OA = LAYOUT.OBJECT_ATTRIBUTES, US = LAYOUT.UNICODE_STRING;
      const chars = Uint8Array.from(Array.from(dir).flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8]));
      const size = OA.$size + US.$size + 2 * ptrSize() + chars.length;
      const block = ctx.kernel.kernelPool?.allocate(size, TAG) ?? 0n;
      if (block === 0n) return STATUS.INSUFFICIENT_RESOURCES;
      try {
        const oa = block, us = block + B(OA.$size), io = us + B(US.$size), text = io + B(2 * ptrSize());
        ctx.mem.write(text, chars);
        ctx.mem.setU16(us, chars.length);
        ctx.mem.setU16(us + 2n, chars.length);
        writePtr(ctx.mem, us + B(US.Buffer), text);
        ctx.mem.write(oa, new Uint8Array(OA.$size));
        ctx.mem.setU32(oa + B(OA.Length), OA.$size);
        writePtr(ctx.mem, oa + B(OA.ObjectName), us);
        ctx.mem.setU32(oa + B(OA.Attributes), OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE);
        return create(ctx, "IoGetDriverDirectory", out, FILE_LIST_DIRECTORY | SYNCHRONIZE, oa, io, 0, FILE_OPEN, FILE_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT, 3);
      } finally {
        ctx.kernel.kernelPool?.free(block);
      }
    }),
    notes: "DriverDirectoryImage: a handle to the directory the image was loaded from (on the sandboxed volume); DriverDirectoryData answers STATUS_NOT_SUPPORTED (Learn gives no location)",
  },
];
