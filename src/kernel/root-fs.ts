/**
 * The simulated \SystemRoot on the host: a directory (`--root`) whose `System32/drivers/*.sys`
 * are the installed drivers. Lookups are case-insensitive per path component, as NTFS is.
 * Nothing outside the root is ever opened: `..`, separators inside components and symbolic
 * links leading out of the root are refused.
 */
import { lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import { FormatError, KmdllError } from "../errors.js";
import { PE_HEAD, readFileBytes } from "../io/image.js";
import { parsePe } from "../formats/pe/index.js";
import { STATUS } from "../nt/status.js";
import type { Registry } from "../nt/registry.js";
import { SERVICES_KEY, normalizeImagePath, systemRootComponents } from "./paths.js";
import type { ImageSource, OpenResult, ServiceConfig } from "./types.js";

/** Find a directory entry case-insensitively (an exact match wins). */
function entryIn(dir: string, name: string): string | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  if (names.includes(name)) return name;
  const l = name.toLowerCase();
  return names.find((n) => n.toLowerCase() === l) ?? null;
}

/** Host path of an NT path below \SystemRoot, or null when any component is missing. */
export function hostPathIn(root: string, ntPath: string): string | null {
  const normalized = normalizeImagePath(ntPath);
  if (normalized === null) return null;
  let cur = root;
  for (const c of systemRootComponents(normalized)) {
    const found = entryIn(cur, c);
    if (found === null) return null;
    cur = join(cur, found);
  }
  return cur;
}

export class RootImageSource implements ImageSource {
  private readonly realRoot: string;

  constructor(readonly root: string) {
    this.realRoot = realpathSync(root);
  }

  open(ntPath: string): OpenResult {
    const host = hostPathIn(this.root, ntPath);
    if (host === null) return { ok: false, status: STATUS.OBJECT_NAME_NOT_FOUND, message: `${ntPath} does not exist in the root` };
    let real: string;
    try {
      real = realpathSync(host);
    } catch {
      return { ok: false, status: STATUS.OBJECT_NAME_NOT_FOUND, message: `${ntPath} does not exist in the root` };
    }
    if (real !== this.realRoot && !real.startsWith(this.realRoot + sep)) {
      return { ok: false, status: STATUS.ACCESS_DENIED, message: `${ntPath} leads outside the root (${lstatSync(host).isSymbolicLink() ? "symbolic link" : "path"}); refused` };
    }
    if (!statSync(real).isFile()) return { ok: false, status: STATUS.OBJECT_NAME_NOT_FOUND, message: `${ntPath} is not a file` };
    return openImageFile(ntPath, host, real);
  }
}

/** Read and parse the image behind an NT path from a host file (x64 only: the emulator's machine). */
function openImageFile(ntPath: string, host: string, real: string): OpenResult {
  let bytes: Uint8Array;
  try {
    bytes = readFileBytes(real, PE_HEAD);
  } catch (e) {
    if (e instanceof KmdllError) return { ok: false, status: STATUS.INVALID_IMAGE_FORMAT, message: `${ntPath}: ${e.message.replace(`${real}: `, "")}` };
    throw e;
  }
  try {
    const image = parsePe(bytes);
    if (image.machine !== "x64") {
      return { ok: false, status: STATUS.INVALID_IMAGE_FORMAT, message: `${ntPath}: machine ${typeof image.machine === "number" ? "0x" + image.machine.toString(16) : image.machine} is not supported by the emulator (x64 only)` };
    }
    return { ok: true, hostPath: host, bytes, image };
  } catch (e) {
    if (e instanceof FormatError) return { ok: false, status: STATUS.INVALID_IMAGE_FORMAT, message: `${ntPath}: ${e.message}` };
    throw e;
  }
}

/**
 * Host files shown at given NT paths on top of another image source, without copying them into
 * the root (`kmdll call IMAGE`: the image the user named stands in \SystemRoot\System32\drivers).
 * Only the files named here are opened outside the root.
 */
export class OverlayImageSource implements ImageSource {
  private readonly files = new Map<string, string>();

  constructor(
    private readonly base: ImageSource,
    files: Record<string, string>,
  ) {
    for (const [ntPath, host] of Object.entries(files)) this.files.set(ntPath.toLowerCase(), host);
  }

  open(ntPath: string): OpenResult {
    const host = this.files.get(ntPath.toLowerCase());
    return host === undefined ? this.base.open(ntPath) : openImageFile(ntPath, host, host);
  }
}

/** Services' ImagePath from the emulated registry (HKLM\SYSTEM\CurrentControlSet\Services\NAME). */
export function registryServices(registry: Registry): ServiceConfig {
  return {
    imagePath(service: string): string | undefined {
      return registry.getString(SERVICES_KEY + service, "ImagePath");
    },
  };
}
