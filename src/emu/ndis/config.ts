/**
 * NDIS 6 configuration access (ndis.h; Microsoft Learn: NdisOpenConfigurationEx,
 * NdisReadConfiguration, NdisOpenConfigurationKeyByName, NdisCloseConfiguration,
 * NDIS_CONFIGURATION_OBJECT, NDIS_CONFIGURATION_PARAMETER). VirtIO's netkvm.sys (held-out set
 * fresh2, docs/qa.md) reads its driver parameters so from DriverEntry.
 *
 *   NdisOpenConfigurationEx(ConfigObject, ConfigurationHandle): ConfigObject's Header must be
 *     NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT (0xA9), revision 1, Size at least
 *     NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1, else NDIS_STATUS_FAILURE. NdisHandle a miniport
 *     driver handle (NdisMRegisterMiniportDriver's): the handle of "the registry location where the
 *     miniport driver's configuration parameters are stored", the driver's service key's
 *     Parameters subkey — kmdll opens it when it exists and answers NDIS_STATUS_FAILURE when the
 *     service has none (an INF's AddReg makes it; kmdll does not create it). A filter driver handle
 *     (NdisFRegisterFilterDriver's) opens "the registry location where the filter driver's
 *     configuration parameters are stored" (Learn, "Accessing Configuration Information for a
 *     Filter Driver"): its service's Parameters key, the same way. A protocol driver handle
 *     (NdisRegisterProtocolDriver's, as Intel's ilp60x64.sys passes from DriverEntry; DriverPack
 *     set fresh4) opens "the registry location where the protocol driver's configuration
 *     parameters are stored" (Learn, "Reading the Registry in an NDIS 6.0 Protocol Driver"):
 *     NdisRegisterProtocolDriver is given no driver object, only the protocol's Name, the name
 *     NDIS knows the protocol's service by, so kmdll opens Services\<Name>\Parameters (kmdll's
 *     reading; Learn names no path). Adapter, binding and filter module handles never exist here
 *     (no adapter): any other handle is an emulator gap (reported).
 *   NdisReadConfiguration(Status, ParameterValue, ConfigurationHandle, Keyword, ParameterType): the
 *     value named Keyword as an NDIS_CONFIGURATION_PARAMETER NDIS owns until the handle is closed:
 *     NdisParameterInteger / HexInteger from a REG_DWORD, or from a REG_SZ read as a decimal / hex
 *     number (INFs store numbers as strings); NdisParameterString from REG_SZ / REG_EXPAND_SZ,
 *     NdisParameterMultiString from REG_MULTI_SZ (the NDIS_STRING covers the double-NUL list),
 *     NdisParameterBinary from REG_BINARY. No such value, another type or an unparsable number:
 *     *Status = NDIS_STATUS_FAILURE (*ParameterValue untouched).
 *   NdisOpenConfigurationKeyByName(Status, ConfigurationHandle, KeyName, KeyHandle): a handle for a
 *     subkey (NDIS_STATUS_FAILURE when there is none); closed with NdisCloseConfiguration too.
 *   NdisCloseConfiguration(ConfigurationHandle): frees the handle and every parameter read through it.
 * A handle not from these routines is a bug check (0x1E), as NDIS's use of a wild pointer would be.
 *
 * Predefined keywords (Learn, NdisReadConfiguration's Keyword; NDIS 5.1's page adds Environment):
 * "ProcessorType" (NDIS_PROCESSOR_TYPE: NdisProcessorX86 0, NdisProcessorAmd64 4, NdisProcessorArm64
 * 7 in the WDK's ndis.h order), "NdisVersion" (0xMMMMmmmm, the highest NDIS version: 6.84) and
 * "Environment" (NdisEnvironmentWindowsNt 1) are answered as integers without a registry value and
 * without looking at ConfigurationHandle: Intel's ANS driver (iansw60e.sys, fresh7b) asks for
 * NdisVersion from DriverEntry with its RegistryPath as the handle, and runs on Windows. The
 * parameter is kmdll's, kept for the run (NdisCloseConfiguration does not free it).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, REG_SZ } from "../../formats/reg/parse.js";
import type { RegistryKey } from "../../nt/registry.js";
import { api, hex, unicodeText, writeCounted } from "../api/util.js";
import { componentState } from "../api/state.js";
import { registryOf } from "../api/zw.js";
import { miniportDriverObject, NDIS_MAJOR, NDIS_MINOR } from "./index.js";
import { wrapperDriverObject } from "./wrapper.js";
import { filterDriverObject } from "./filter.js";
import { protocolName } from "./protocol.js";

const B = (n: number) => BigInt(n);
const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api("ndis.sys", name, argc, h);
const SUCCESS = 0;
const FAILURE = 0xc0000001;
const RESOURCES = 0xc000009a;
const NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT = 0xa9;
const NON_PAGED_POOL_NX = 512;
const TAG_CONFIG = 0x67434e44; // 'DNCg'
/** NDIS_PARAMETER_TYPE */
const PARAM = { Integer: 0, HexInteger: 1, String: 2, MultiString: 3, Binary: 4 } as const;

interface ConfigHandle {
  key: RegistryKey;
  module: string;
  /** Blocks NdisReadConfiguration handed out (freed at close). */
  blocks: bigint[];
}
const configState = componentState("ndis-config", () => ({ handles: new Map<bigint, ConfigHandle>() }));

/** RTL_SIZEOF_THROUGH_FIELD(NDIS_CONFIGURATION_OBJECT, Flags): header, NdisHandle, Flags. */
const configObjectSize = () => (ptrSize() === 8 ? 20 : 12);

function newHandle(ctx: ApiContext, key: RegistryKey): bigint {
  const h = ctx.pool.allocate(0x20, TAG_CONFIG, NON_PAGED_POOL_NX, true);
  if (h !== 0n) configState(ctx.kernel).handles.set(h, { key, module: ctx.caller?.module ?? "?", blocks: [] });
  return h;
}

function handleOf(ctx: ApiContext, h: bigint, routine: string): ConfigHandle {
  const c = configState(ctx.kernel).handles.get(h);
  if (!c) ctx.fault("bugcheck", `${routine}: ${hex(h)} is not a configuration handle NdisOpenConfigurationEx or NdisOpenConfigurationKeyByName returned (or it was closed)`, { code: "0x0000001E" });
  return c;
}

function openConfigurationEx(ctx: ApiContext): number {
  const [obj, pHandle] = [ctx.arg(0), ctx.arg(1)];
  ctx.describe([hex(obj), hex(pHandle)]);
  const m = ctx.mem;
  const [type, revision, size] = [m.u8(obj), m.u8(obj + 1n), m.u16(obj + 2n)];
  if (type !== NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT || revision < 1 || size < configObjectSize()) {
    ctx.warn(`NdisOpenConfigurationEx: the NDIS_CONFIGURATION_OBJECT header is type ${hex(type)} revision ${revision} size ${size}; it takes NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT (0xA9), revision 1, at least NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1 (${configObjectSize()})`);
    return FAILURE;
  }
  const ndisHandle = getPtr(m, obj + B(ptrSize()));
  const driver = miniportDriverObject(ctx.kernel, ndisHandle) ?? filterDriverObject(ctx.kernel, ndisHandle);
  if (driver !== null) return openParameters(ctx, driver, pHandle);
  const protocol = protocolName(ctx.kernel, ndisHandle);
  if (protocol === null) ctx.fault("unimplemented-api", `kmdll does not implement NdisOpenConfigurationEx for NdisHandle ${hex(ndisHandle)}: only miniport, filter and protocol driver handles are modelled (no adapter exists, so no adapter, binding or filter module handle)`);
  return openServiceParameters(ctx, protocol, pHandle);
}

/** A configuration handle for the driver's service key's Parameters subkey: NDIS_STATUS_FAILURE when there is none. */
function openParameters(ctx: ApiContext, driver: bigint, pHandle: bigint): number {
  const m = ctx.mem;
  const ext = getPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverExtension));
  return openServiceParameters(ctx, ext === 0n ? null : unicodeText(m, ext + B(LAYOUT.DRIVER_EXTENSION.ServiceKeyName)), pHandle);
}

function openServiceParameters(ctx: ApiContext, service: string | null, pHandle: bigint): number {
  const m = ctx.mem;
  const key = service && !service.includes("\\") ? registryOf(ctx.kernel).openKey(`\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\${service}\\Parameters`) : null;
  if (!key) return FAILURE;
  const h = newHandle(ctx, key);
  if (h === 0n) return RESOURCES;
  putPtr(m, pHandle, h);
  return SUCCESS;
}

/**
 * NDIS 5 NdisOpenConfiguration(Status, ConfigurationHandle, WrapperConfigurationContext): the
 * context is MiniportInitialize's (never called here: no adapter) or, as Huawei's ewusbnet.sys
 * passes from DriverEntry, the wrapper handle NdisMInitializeWrapper returned — kmdll opens that
 * driver's service Parameters key for it (as NdisOpenConfigurationEx for a miniport driver
 * handle), *Status NDIS_STATUS_FAILURE when there is none; any other context is a bug check
 * report (NDIS dereferences it).
 */
function openConfiguration5(ctx: ApiContext): void {
  const [pStatus, pHandle, context] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(pStatus), hex(pHandle), hex(context)]);
  const driver = wrapperDriverObject(ctx.kernel, context);
  if (driver === null) ctx.fault("bugcheck", `NdisOpenConfiguration: WrapperConfigurationContext ${hex(context)} is neither a MiniportInitialize context (no adapter exists) nor a wrapper handle NdisMInitializeWrapper returned`, { code: "0x0000001E" });
  ctx.mem.setU32(pStatus, openParameters(ctx, driver, pHandle));
}

/** A REG_SZ number as NDIS reads it for an integer parameter: decimal, or hex for NdisParameterHexInteger (an optional 0x). */
function parseNumber(text: string, hexBase: boolean): number | null {
  const t = text.trim();
  const m = hexBase ? /^(?:0x)?([0-9a-f]{1,8})$/i.exec(t) : /^(-?[0-9]{1,10})$/.exec(t);
  if (!m) return null;
  const v = parseInt(m[1]!, hexBase ? 16 : 10);
  return Number.isFinite(v) ? v >>> 0 : null;
}

function readConfiguration(ctx: ApiContext): void {
  const [pStatus, pValue, h, keyword] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  const type = ctx.u32(4);
  const name = unicodeText(ctx.mem, keyword) ?? "";
  ctx.describe([hex(pStatus), hex(pValue), hex(h), JSON.stringify(name), String(type)]);
  const predefined = predefinedValue(ctx, name);
  if (predefined !== null) {
    const block = predefinedBlock(ctx, name.toLowerCase(), predefined);
    if (block === 0n) return void ctx.mem.setU32(pStatus, RESOURCES);
    putPtr(ctx.mem, pValue, block);
    return void ctx.mem.setU32(pStatus, SUCCESS);
  }
  const c = handleOf(ctx, h, "NdisReadConfiguration");
  const m = ctx.mem;
  const fail = () => m.setU32(pStatus, FAILURE);
  const v = c.key.value(name);
  if (!v) return fail();
  const sz = v.type === REG_SZ || v.type === REG_EXPAND_SZ;
  let integer: number | null = null;
  let bytes: Uint8Array | null = null;
  if (type === PARAM.Integer || type === PARAM.HexInteger) {
    if (v.type === REG_DWORD && v.data.length >= 4) integer = new DataView(v.data.buffer, v.data.byteOffset, 4).getUint32(0, true);
    else if (sz) integer = parseNumber(new TextDecoder("utf-16le").decode(v.data).replace(/\0.*$/s, ""), type === PARAM.HexInteger);
    if (integer === null) return fail();
  } else if ((type === PARAM.String && sz) || (type === PARAM.MultiString && v.type === REG_MULTI_SZ) || (type === PARAM.Binary && v.type === REG_BINARY)) {
    bytes = v.data;
    // Strings: without their terminating NUL (Length), the block keeps it.
    if (type === PARAM.String) {
      const text = new TextDecoder("utf-16le").decode(v.data).replace(/\0.*$/s, "");
      bytes = new Uint8Array(Buffer.from(text + "\0", "utf16le"));
    }
  } else return fail();
  // NDIS_CONFIGURATION_PARAMETER {ParameterType; union {ULONG; NDIS_STRING; BINARY_DATA}} then the data.
  const P = ptrSize();
  const head = P === 8 ? 24 : 12;
  const block = ctx.pool.allocate(head + (bytes?.length ?? 0) + 2, TAG_CONFIG, NON_PAGED_POOL_NX, true);
  if (block === 0n) return void m.setU32(pStatus, RESOURCES);
  c.blocks.push(block);
  m.setU32(block, type);
  const data = block + B(P);
  if (integer !== null) m.setU32(data, integer);
  else if (bytes) {
    m.write(block + B(head), bytes);
    const length = type === PARAM.String ? bytes.length - 2 : bytes.length;
    if (type === PARAM.Binary) {
      // BINARY_DATA {USHORT Length; PVOID Buffer}
      m.setU16(data, length);
      putPtr(m, data + B(P), block + B(head));
    } else writeCounted(m, data, { length, maximumLength: bytes.length, buffer: block + B(head) });
  }
  putPtr(m, pValue, block);
  m.setU32(pStatus, SUCCESS);
}

/** The integer a predefined keyword stands for, or null for a registry value name. */
function predefinedValue(ctx: ApiContext, name: string): number | null {
  switch (name.toLowerCase()) {
    case "ndisversion":
      return ((NDIS_MAJOR << 16) | NDIS_MINOR) >>> 0;
    case "environment":
      return 1; // NdisEnvironmentWindowsNt
    case "processortype": {
      const arch = ctx.cpu?.arch ?? (ptrSize() === 8 ? "x64" : "x86");
      return arch === "x86" ? 0 : arch === "arm64" ? 7 : 4;
    }
    default:
      return null;
  }
}

/** One NDIS_CONFIGURATION_PARAMETER (NdisParameterInteger) per predefined keyword, from kernel pool. */
const predefinedBlocks = componentState("ndis.config.predefined", () => new Map<string, bigint>());
function predefinedBlock(ctx: ApiContext, key: string, value: number): bigint {
  const blocks = predefinedBlocks(ctx.kernel);
  let b = blocks.get(key);
  if (b === undefined) {
    b = ctx.kernel.kernelPool?.allocate(ptrSize() === 8 ? 24 : 12, TAG_CONFIG) ?? 0n;
    if (b === 0n) return 0n;
    ctx.mem.setU32(b, PARAM.Integer);
    ctx.mem.setU32(b + B(ptrSize()), value);
    blocks.set(key, b);
  }
  return b;
}

function openKeyByName(ctx: ApiContext): void {
  const [pStatus, h, keyName, pKey] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  const name = unicodeText(ctx.mem, keyName) ?? "";
  ctx.describe([hex(pStatus), hex(h), JSON.stringify(name), hex(pKey)]);
  const c = handleOf(ctx, h, "NdisOpenConfigurationKeyByName");
  const sub = name === "" || name.includes("\\") ? undefined : c.key.subkey(name);
  if (!sub) return void ctx.mem.setU32(pStatus, FAILURE);
  const k = newHandle(ctx, sub);
  if (k === 0n) return void ctx.mem.setU32(pStatus, RESOURCES);
  putPtr(ctx.mem, pKey, k);
  ctx.mem.setU32(pStatus, SUCCESS);
}

function closeConfiguration(ctx: ApiContext): void {
  const h = ctx.arg(0);
  ctx.describe([hex(h)]);
  const c = handleOf(ctx, h, "NdisCloseConfiguration");
  for (const b of c.blocks) ctx.pool.free(b, null);
  configState(ctx.kernel).handles.delete(h);
  ctx.pool.free(h, null, 0);
}

export const ndisConfigApis: ApiDefinition[] = [
  ndis("NdisOpenConfigurationEx", 2, openConfigurationEx),
  ndis("NdisOpenConfiguration", 3, (ctx) => void openConfiguration5(ctx)),
  ndis("NdisReadConfiguration", 5, (ctx) => void readConfiguration(ctx)),
  ndis("NdisOpenConfigurationKeyByName", 4, (ctx) => void openKeyByName(ctx)),
  ndis("NdisCloseConfiguration", 1, (ctx) => void closeConfiguration(ctx)),
];
