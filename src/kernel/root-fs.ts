/**
 * The simulated \SystemRoot on the host: a directory (`--root`) whose `System32/drivers/*.sys`
 * are the installed drivers. Lookups are case-insensitive per path component, as NTFS is.
 * Nothing outside the root is ever opened: `..`, separators inside components and symbolic
 * links leading out of the root are refused.
 */
import { closeSync, lstatSync, openSync, readSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import { FormatError, KmdllError } from "../errors.js";
import { PE_HEAD, readFileBytes } from "../io/image.js";
import { imageSectionProblems } from "../formats/pe/validate.js";
import { ensureMinifilterInstances, ensureServiceKey } from "../nt/default-hive.js";
import { parsePe } from "../formats/pe/index.js";
import { STATUS } from "../nt/status.js";
import { imageArch, machineText, type ImageArch } from "../nt/image-arch.js";
import type { Registry } from "../nt/registry.js";
import { SERVICES_KEY, normalizeImagePath, systemRootComponents } from "./paths.js";
import type { ImageSource, OpenResult, ServiceConfig } from "./types.js";

/** Find a directory entry case-insensitively (an exact match wins). */
function entryIn(dir: string, name: string): string | null {
  // The exact name first: one lstat instead of listing the directory (loading n drivers from one
  // folder would otherwise read it n times).
  if (name !== "" && name !== "." && name !== ".." && !name.includes("/") && !name.includes("\0")) {
    try {
      if (lstatSync(join(dir, name), { throwIfNoEntry: false }) !== undefined) return name;
    } catch {
      /* fall through to the listing */
    }
  }
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

/**
 * The machines of the drivers installed in a root (System32/drivers/*.sys, COFF header only):
 * the arch a simulation of that root runs, and the files of any other arch.
 */
export function rootArches(root: string, chosen: string[] = []): { arch: ImageArch; byArch: Record<ImageArch, string[]> } {
  const byArch: Record<ImageArch, string[]> = { x64: [], x86: [], arm64: [] };
  const archOf = (machine: number): ImageArch | null => (machine === 0x8664 ? "x64" : machine === 0x14c ? "x86" : machine === 0xaa64 ? "arm64" : null);
  const dir = hostPathIn(root, "\\SystemRoot\\System32\\drivers");
  let names: string[] = [];
  try {
    names = dir ? readdirSync(dir).filter((n) => /\.sys$/i.test(n)).sort() : [];
  } catch {
    names = [];
  }
  const machineOf = (file: string): ImageArch | null => {
    try {
      const fd = openSync(file, "r");
      const head = Buffer.alloc(0x400);
      const got = readSync(fd, head, 0, head.length, 0);
      closeSync(fd);
      if (got < 0x40 || head.readUInt16LE(0) !== 0x5a4d) return null;
      const pe = head.readUInt32LE(0x3c);
      if (pe + 6 > got || head.readUInt32LE(pe) !== 0x4550) return null;
      const machine = head.readUInt16LE(pe + 4);
      return archOf(machine);
    } catch {
      return null;
    }
  };
  // Files the user named (kmdll call IMAGE) decide the arch.
  const named = chosen.map(machineOf).find((m) => m !== null);
  for (const n of names.slice(0, 4096)) {
    try {
      const fd = openSync(join(dir!, n), "r");
      const head = Buffer.alloc(0x400);
      const got = readSync(fd, head, 0, head.length, 0);
      closeSync(fd);
      if (got < 0x40 || head.readUInt16LE(0) !== 0x5a4d) continue;
      const pe = head.readUInt32LE(0x3c);
      if (pe + 6 > got || head.readUInt32LE(pe) !== 0x4550) continue;
      const a = archOf(head.readUInt16LE(pe + 4));
      if (a) byArch[a].push(n);
    } catch {
      /* unreadable: the load reports it */
    }
  }
  // The arch of most drivers; x64 when tied or empty (the emulator's default, as on 64-bit Windows).
  const most = (["x86", "arm64"] as const).reduce<ImageArch>((best, a) => (byArch[a].length > byArch[best].length ? a : best), "x64");
  return { arch: named ?? most, byArch };
}

export class RootImageSource implements ImageSource {
  private readonly realRoot: string;

  /** arch: the system's architecture; an image of another arch does not load (0xC000007B). */
  constructor(
    readonly root: string,
    readonly arch: ImageArch = "x64",
  ) {
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
    return openImageFile(ntPath, host, real, this.arch);
  }
}

/** Read and parse the image behind an NT path from a host file; an image of another arch than the system's does not load. */
function openImageFile(ntPath: string, host: string, real: string, arch: ImageArch): OpenResult {
  let bytes: Uint8Array;
  try {
    bytes = readFileBytes(real, PE_HEAD);
  } catch (e) {
    if (e instanceof KmdllError) return { ok: false, status: STATUS.INVALID_IMAGE_FORMAT, message: `${ntPath}: ${e.message.replace(`${real}: `, "")}` };
    throw e;
  }
  try {
    const image = parsePe(bytes);
    const a = imageArch(image);
    if (a.problem !== undefined) return { ok: false, status: STATUS.INVALID_IMAGE_FORMAT, message: `${ntPath}: ${a.problem}` };
    if (a.arch !== arch) {
      return { ok: false, status: STATUS.INVALID_IMAGE_FORMAT, message: `${ntPath} is an ${machineText(image.machine)} image; this system runs ${arch} drivers (a root holds drivers of one arch)` };
    }
    // MmCreateSection(SEC_IMAGE): a malformed layout is refused before anything is mapped.
    const bad = imageSectionProblems(image, bytes.length)[0];
    if (bad) return { ok: false, status: bad.status, message: `${ntPath}: malformed image: ${bad.message}` };
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
    readonly arch: ImageArch = "x64",
  ) {
    for (const [ntPath, host] of Object.entries(files)) this.files.set(ntPath.toLowerCase(), host);
  }

  open(ntPath: string): OpenResult {
    const host = this.files.get(ntPath.toLowerCase());
    return host === undefined ? this.base.open(ntPath) : openImageFile(ntPath, host, host, this.arch);
  }
}

/** Services' ImagePath from the emulated registry (HKLM\SYSTEM\CurrentControlSet\Services\NAME). */
export function registryServices(registry: Registry): ServiceConfig {
  return {
    imagePath(service: string): string | undefined {
      return registry.getString(SERVICES_KEY + service, "ImagePath");
    },
    ensureService(service: string, imagePath: string): boolean {
      return ensureServiceKey(registry, SERVICES_KEY, service, imagePath);
    },
    ensureMinifilterInstances(service: string) {
      return ensureMinifilterInstances(registry, SERVICES_KEY, service);
    },
  };
}
