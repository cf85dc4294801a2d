/**
 * The machine's firmware tables, as ZwQuerySystemInformation(SystemFirmwareTableInformation)
 * returns them (api/firmware.ts): the SMBIOS structure table (provider 'RSMB') and the ACPI tables
 * (provider 'ACPI'). A machine file's `firmware` replaces them:
 * `"firmware": { "smbios": "<hex: the structure table>", "acpi": { "APIC": "<hex: the whole table>" } }`
 * (docs/machine.md); `acpi` then lists every ACPI table there is.
 *
 * Defaults (built here, for the default machine and its `processors`):
 * - SMBIOS 3.1 (DMTF DSP0134 3.1): type 0 BIOS Information (length 1Ah: vendor, version, release
 *   date, segment F000h, 64 KiB ROM, characteristics "not supported" bit 3), type 1 System
 *   Information (length 1Bh: manufacturer, product, version, serial, UUID all zeros = "not
 *   present", wake-up type 06h power switch), type 2 Baseboard (length 08h:
 *   manufacturer, product, version, serial), type 127 End-of-Table. The strings are the ones the
 *   default registry's HARDWARE\DESCRIPTION\System\BIOS holds (src/nt/default-hive.ts), which
 *   Windows fills from these tables at boot.
 * - ACPI: one MADT ('APIC', ACPI 6.3 §5.2.12, revision 5): local APIC address FEE00000h, PCAT_COMPAT,
 *   one enabled Processor Local APIC (type 0) per processor (UID = APIC ID = index), one I/O APIC
 *   (type 1, ID = processors, FEC00000h, GSI base 0); OEM ID "KMDLL ", table ID "KMDLLPC ",
 *   creator "KMDL"; the checksum makes the bytes sum to 0. No FADT/DSDT: kmdll has no AML.
 */

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** The BIOS strings of the default registry (src/nt/default-hive.ts, HARDWARE\DESCRIPTION\System\BIOS). */
export const SMBIOS_STRINGS = {
  biosVendor: "kmdll",
  biosVersion: "1.0",
  biosDate: "01/01/2024",
  manufacturer: "kmdll",
  product: "Emulated x64 PC",
  boardManufacturer: "kmdll",
  boardProduct: "Emulated board",
};
export const SMBIOS_VERSION = { major: 3, minor: 1 };

/** One SMBIOS structure: the formatted area, then its strings (each NUL-terminated) and the closing NUL. */
function structure(type: number, handle: number, formatted: number[], strings: string[]): number[] {
  const head = [type, 4 + formatted.length, handle & 0xff, handle >> 8, ...formatted];
  const tail = strings.length ? [...strings.flatMap((s) => [...enc(s), 0]), 0] : [0, 0];
  return [...head, ...tail];
}

export function defaultSmbios(): Uint8Array {
  const s = SMBIOS_STRINGS;
  const bios = structure(0, 0, [1, 2, 0x00, 0xf0, 3, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 1, 0, 0xff, 0xff, 0, 0], [s.biosVendor, s.biosVersion, s.biosDate]);
  const system = structure(1, 1, [1, 2, 3, 4, ...new Array(16).fill(0), 0x06, 0, 0], [s.manufacturer, s.product, "1.0", "0"]);
  const board = structure(2, 2, [1, 2, 3, 4], [s.boardManufacturer, s.boardProduct, "1.0", "0"]);
  const end = structure(127, 3, [], []);
  return Uint8Array.from([...bios, ...system, ...board, ...end]);
}

/** An ACPI table: the 36-byte header (ACPI 6.3 §5.2.6) before `body`, checksummed. */
export function acpiTable(signature: string, revision: number, body: number[]): Uint8Array {
  const t = new Uint8Array(36 + body.length);
  const dv = new DataView(t.buffer);
  t.set(enc(signature), 0);
  dv.setUint32(4, t.length, true);
  t[8] = revision;
  t.set(enc("KMDLL "), 10);
  t.set(enc("KMDLLPC "), 16);
  dv.setUint32(24, 1, true);
  t.set(enc("KMDL"), 28);
  dv.setUint32(32, 1, true);
  t.set(body, 36);
  let sum = 0;
  for (const b of t) sum = (sum + b) & 0xff;
  t[9] = (0x100 - sum) & 0xff;
  return t;
}

const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

export function defaultAcpi(processors: number): Map<string, Uint8Array> {
  const body = [...u32(0xfee00000), ...u32(1)];
  for (let i = 0; i < processors; i++) body.push(0, 8, i, i, ...u32(1));
  body.push(1, 12, processors, 0, ...u32(0xfec00000), ...u32(0));
  return new Map([["APIC", acpiTable("APIC", 5, body)]]);
}

export interface FirmwareSpec {
  smbios?: Uint8Array;
  acpi?: Map<string, Uint8Array>;
}

/** The machine file's `firmware` object (absent: the defaults above). */
export function parseFirmware(v: unknown): FirmwareSpec | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("machine: firmware: expected an object");
  const o = v as Record<string, unknown>;
  const hex = (h: unknown, what: string): Uint8Array => {
    const t = typeof h === "string" ? h.replace(/\s+/g, "") : null;
    if (t === null || !/^([0-9a-f]{2})*$/i.test(t)) throw new Error(`machine: ${what}: expected a string of hex bytes`);
    if (t.length / 2 > 0x100000) throw new Error(`machine: ${what}: more than 1 MiB`);
    return Uint8Array.from(t.match(/../g) ?? [], (b) => parseInt(b, 16));
  };
  const out: FirmwareSpec = {};
  if (o["smbios"] !== undefined) out.smbios = hex(o["smbios"], "firmware.smbios");
  if (o["acpi"] !== undefined) {
    if (typeof o["acpi"] !== "object" || o["acpi"] === null || Array.isArray(o["acpi"])) throw new Error("machine: firmware.acpi: expected an object of signature → hex");
    out.acpi = new Map();
    for (const [sig, h] of Object.entries(o["acpi"] as Record<string, unknown>)) {
      if (!/^[\x20-\x7e]{4}$/.test(sig)) throw new Error(`machine: firmware.acpi: "${sig}" is not a 4-character table signature`);
      out.acpi.set(sig, hex(h, `firmware.acpi.${sig}`));
    }
  }
  return out;
}
