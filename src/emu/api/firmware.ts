/**
 * ZwQuerySystemInformation(SystemFirmwareTableInformation = 76) (process.ts routes the class
 * here): the kernel side of GetSystemFirmwareTable / EnumSystemFirmwareTables (Microsoft Learn,
 * sysinfoapi.h; the structure SYSTEM_FIRMWARE_TABLE_INFORMATION { ULONG ProviderSignature;
 * SYSTEM_FIRMWARE_TABLE_ACTION Action; ULONG TableID; ULONG TableBufferLength; UCHAR TableBuffer[] }
 * from the WDK's ntddk.h / the windows-docs-rs metadata). The caller fills the first three fields;
 * the kernel answers in TableBufferLength and TableBuffer.
 *
 * - Action SystemFirmwareTable_Enumerate (0): the table IDs, one ULONG each; Get (1): the table
 *   TableID names.
 * - 'RSMB': one table (ID 0): RawSMBIOSData { BYTE Used20CallingMethod, SMBIOSMajorVersion,
 *   SMBIOSMinorVersion, DmiRevision; DWORD Length; BYTE SMBIOSTableData[Length] } (Learn,
 *   GetSystemFirmwareTable), the machine model's SMBIOS table (machine/firmware.ts).
 * - 'ACPI': the tables' signatures as IDs (e.g. 'APIC' = 0x43495041, the bytes in table order);
 *   Get returns the whole table, header included.
 * - 'FIRM': the raw firmware areas of the first MiB, IDs = their physical addresses 0xC0000 and
 *   0xE0000, 128 KiB each, read from the machine model's physical memory (machine/lowmem.ts).
 * A buffer shorter than the 16-byte header: STATUS_INFO_LENGTH_MISMATCH. A table larger than the
 * buffer: STATUS_BUFFER_TOO_SMALL with TableBufferLength = the size needed (and ReturnLength = 16
 * + that size), as GetSystemFirmwareTable's "returns the required size" relies on. An unknown
 * table: STATUS_NOT_FOUND (Learn: ERROR_NOT_FOUND in user mode). kmdll's choices, said so: an
 * unknown provider is STATUS_ILLEGAL_FUNCTION (ERROR_INVALID_FUNCTION in user mode), an unknown
 * Action STATUS_INVALID_PARAMETER.
 *
 * ExGetSystemFirmwareTable(Provider, TableID, Buffer, BufferLength, ReturnLength) and
 * ExEnumerateSystemFirmwareTables(Provider, Buffer, BufferLength, ReturnLength) (Learn, ntddk.h,
 * Windows 10 2004) answer the same requests for a driver without the header: the table (or the
 * ID list) in Buffer, ReturnLength (optional) = its size; a NULL or short buffer:
 * STATUS_BUFFER_TOO_SMALL with ReturnLength = the size needed; unknown table STATUS_NOT_FOUND,
 * unknown provider STATUS_ILLEGAL_FUNCTION as above.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { hex, nt } from "./util.js";
import { STATUS } from "../../nt/status.js";
import { SMBIOS_VERSION, defaultAcpi, defaultSmbios, machineOf, readPhys } from "../machine/index.js";

const RSMB = 0x52534d42, ACPI = 0x41435049, FIRM = 0x4649524d;
const HEADER = 16;
const BUFFER_TOO_SMALL = 0xc0000023;
const INFO_LENGTH_MISMATCH = 0xc0000004;
const ILLEGAL_FUNCTION = 0xc00000af;
const FIRM_AREAS = [0xc0000, 0xe0000];
const FIRM_SIZE = 0x20000;

const sigOf = (s: string) => s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | ((s.charCodeAt(3) << 24) >>> 0);

function acpiTables(ctx: ApiContext): Map<string, Uint8Array> {
  const st = machineOf(ctx.kernel);
  return st.spec.firmware?.acpi ?? defaultAcpi(st.spec.processors);
}

function rawSmbios(ctx: ApiContext): Uint8Array {
  const table = machineOf(ctx.kernel).spec.firmware?.smbios ?? defaultSmbios();
  const out = new Uint8Array(8 + table.length);
  out[1] = SMBIOS_VERSION.major;
  out[2] = SMBIOS_VERSION.minor;
  new DataView(out.buffer).setUint32(4, table.length, true);
  out.set(table, 8);
  return out;
}

const ids = (list: number[]) => {
  const b = new Uint8Array(4 * list.length);
  list.forEach((v, i) => new DataView(b.buffer).setUint32(4 * i, v >>> 0, true));
  return b;
};

/** The table bytes the request asks for, or a status. */
function answer(ctx: ApiContext, provider: number, action: number, id: number): Uint8Array | number {
  if (provider !== RSMB && provider !== ACPI && provider !== FIRM) return ILLEGAL_FUNCTION;
  if (action > 1) return STATUS.INVALID_PARAMETER;
  if (provider === RSMB) return action === 0 ? ids([0]) : rawSmbios(ctx);
  if (provider === FIRM) {
    if (action === 0) return ids(FIRM_AREAS);
    return FIRM_AREAS.includes(id) ? readPhys(ctx, BigInt(id), FIRM_SIZE) : STATUS.NOT_FOUND;
  }
  const tables = acpiTables(ctx);
  if (action === 0) return ids([...tables.keys()].map(sigOf));
  for (const [sig, bytes] of tables) if (sigOf(sig) === id >>> 0) return bytes;
  return STATUS.NOT_FOUND;
}

export function firmwareTableInformation(ctx: ApiContext, buf: bigint, len: number, ret: bigint): number {
  if (len < HEADER) {
    if (ret !== 0n) ctx.mem.setU32(ret, HEADER);
    return INFO_LENGTH_MISMATCH;
  }
  const [provider, action, id] = [ctx.mem.u32(buf), ctx.mem.u32(buf + 4n), ctx.mem.u32(buf + 8n)];
  const a = answer(ctx, provider, action, id);
  if (typeof a === "number") return a;
  ctx.mem.setU32(buf + 12n, a.length);
  if (ret !== 0n) ctx.mem.setU32(ret, HEADER + a.length);
  if (len - HEADER < a.length) return BUFFER_TOO_SMALL;
  ctx.mem.write(buf + BigInt(HEADER), a);
  return STATUS.SUCCESS;
}

function exAnswer(ctx: ApiContext, a: Uint8Array | number, buf: bigint, len: number, ret: bigint): number {
  if (typeof a === "number") return a;
  if (ret !== 0n) ctx.mem.setU32(ret, a.length);
  if (buf === 0n || len < a.length) return BUFFER_TOO_SMALL;
  ctx.mem.write(buf, a);
  return STATUS.SUCCESS;
}

const sigText = (v: number) => String.fromCharCode(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff).replace(/[^\x20-\x7e]/g, "?");

export const apis: ApiDefinition[] = [
  nt("ExGetSystemFirmwareTable", 5, (ctx) => {
    const [provider, id, buf, len, ret] = [ctx.u32(0), ctx.u32(1), ctx.arg(2), ctx.u32(3), ctx.arg(4)];
    ctx.describe([`'${sigText(provider)}'`, hex(id), hex(buf), String(len), hex(ret)]);
    return exAnswer(ctx, answer(ctx, provider, 1, id), buf, len, ret);
  }),
  nt("ExEnumerateSystemFirmwareTables", 4, (ctx) => {
    const [provider, buf, len, ret] = [ctx.u32(0), ctx.arg(1), ctx.u32(2), ctx.arg(3)];
    ctx.describe([`'${sigText(provider)}'`, hex(buf), String(len), hex(ret)]);
    return exAnswer(ctx, answer(ctx, provider, 0, 0), buf, len, ret);
  }),
];
