/**
 * Finding the toolchain (SPEC §4): clang, lld-link, llvm-lib and the mingw-w64 sysroots with the
 * DDK headers and kernel import libraries, all from Debian packages. A missing piece is one line
 * naming the `apt-get install` that provides it.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { delimiter, join } from "node:path";
import { KmdllError } from "../errors.js";
import type { Arch } from "./sources.js";

export interface Sysroot {
  /** e.g. /usr/x86_64-w64-mingw32 */
  root: string;
  include: string;
  ddkInclude: string;
  lib: string;
  /**
   * False for ARM64: Debian packages no aarch64-w64-mingw32 sysroot, so ARM64 builds read the
   * x86-64 sysroot's headers (mingw-w64 ships one header set for every target) and link only the
   * kernel import libraries kmdll writes from its export database (kernel-implib.ts).
   */
  mingwLibs: boolean;
}

export interface Toolchain {
  clang: string;
  lldLink: string;
  llvmLib: string;
  /** llvm-ml (MASM .asm files) and llvm-rc (.rc files): needed only by projects that have them. */
  llvmMl?: string;
  llvmRc?: string;
  /** binutils' windmc (.mc message files): needed only by projects that have them. */
  windmc?: string;
  sysroots: Partial<Record<Arch, Sysroot>>;
  /** Versions of the tools (part of every build-cache key). */
  version: string;
}

const TRIPLE_DIRS: Record<Arch, string> = { x64: "x86_64-w64-mingw32", x86: "i686-w64-mingw32", arm64: "x86_64-w64-mingw32" };
const SYSROOT_PACKAGE: Record<Arch, string> = { x64: "mingw-w64-x86-64-dev", x86: "mingw-w64-i686-dev", arm64: "mingw-w64-x86-64-dev" };

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** First executable among names in the PATH of env. */
export function which(names: string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const n of names) {
    if (n.includes("/")) {
      if (isExecutable(n)) return n;
      continue;
    }
    for (const d of dirs) {
      const p = join(d, n);
      if (isExecutable(p)) return p;
    }
  }
  return undefined;
}

const versioned = (base: string) => [base, ...[19, 18, 17, 16, 15, 14, 13].map((v) => `${base}-${v}`)];

export interface DiscoverOptions {
  env?: NodeJS.ProcessEnv;
  /** Folder holding the mingw-w64 triple folders (default /usr, or $KMDLL_MINGW_ROOT). */
  mingwRoot?: string;
}

let cache: { key: string; tc: Toolchain } | undefined;

/**
 * Find the tools needed to build for arches. Throws a KmdllError (exit 2) naming the
 * `apt-get install` command when something is missing.
 * Overrides: $KMDLL_CLANG, $KMDLL_LLD_LINK, $KMDLL_LLVM_LIB, $KMDLL_LLVM_ML, $KMDLL_LLVM_RC, $KMDLL_MINGW_ROOT.
 */
export function discoverToolchain(arches: readonly Arch[], options: DiscoverOptions = {}): Toolchain {
  const env = options.env ?? process.env;
  const mingwRoot = options.mingwRoot ?? env.KMDLL_MINGW_ROOT ?? "/usr";
  const key = JSON.stringify([arches, env.PATH, env.KMDLL_CLANG, env.KMDLL_LLD_LINK, env.KMDLL_LLVM_LIB, env.KMDLL_LLVM_ML, env.KMDLL_LLVM_RC, mingwRoot]);
  if (cache?.key === key) return cache.tc;

  const missing: { what: string; pkg: string }[] = [];
  const find = (override: string | undefined, names: string[], what: string, pkg: string): string => {
    const found = which(override ? [override] : names, env);
    if (!found) missing.push({ what: override ? `${what} (${override})` : what, pkg });
    return found ?? "";
  };
  const clang = find(env.KMDLL_CLANG, versioned("clang"), "clang", "clang");
  const lldLink = find(env.KMDLL_LLD_LINK, versioned("lld-link"), "lld-link", "lld");
  const llvmLib = find(env.KMDLL_LLVM_LIB, versioned("llvm-lib"), "llvm-lib", "llvm");
  const sysroots: Partial<Record<Arch, Sysroot>> = {};
  for (const arch of arches) {
    const root = join(mingwRoot, TRIPLE_DIRS[arch]);
    const mingwLibs = arch !== "arm64";
    const sr: Sysroot = { root, include: join(root, "include"), ddkInclude: join(root, "include", "ddk"), lib: join(root, "lib"), mingwLibs };
    if (!existsSync(join(sr.ddkInclude, "ntddk.h")) || (mingwLibs && !existsSync(join(sr.lib, "libntoskrnl.a")))) {
      missing.push({ what: `the ${arch} DDK headers and kernel libraries (${sr.ddkInclude}/ntddk.h, ${sr.lib}/libntoskrnl.a)`, pkg: SYSROOT_PACKAGE[arch] });
    } else sysroots[arch] = sr;
  }
  if (missing.length) {
    const pkgs = [...new Set(missing.map((m) => m.pkg))];
    throw new KmdllError(`missing ${missing.map((m) => m.what).join(", ")}: install with \`sudo apt-get install ${pkgs.join(" ")}\``);
  }
  const versionOf = (tool: string) => {
    try {
      return execFileSync(tool, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n")[0]!.trim();
    } catch {
      throw new KmdllError(`${tool} --version failed: the toolchain is broken; reinstall with \`sudo apt-get install --reinstall clang lld llvm\``);
    }
  };
  const h = createHash("sha256");
  h.update(versionOf(clang)).update("\0").update(versionOf(lldLink)).update("\0");
  const llvmMl = which(env.KMDLL_LLVM_ML ? [env.KMDLL_LLVM_ML] : versioned("llvm-ml"), env);
  const llvmRc = which(env.KMDLL_LLVM_RC ? [env.KMDLL_LLVM_RC] : versioned("llvm-rc"), env);
  const windmc = which(env.KMDLL_WINDMC ? [env.KMDLL_WINDMC] : ["x86_64-w64-mingw32-windmc", "i686-w64-mingw32-windmc", "windmc"], env);
  const tc: Toolchain = { clang, lldLink, llvmLib, ...(llvmMl ? { llvmMl } : {}), ...(llvmRc ? { llvmRc } : {}), ...(windmc ? { windmc } : {}), sysroots, version: h.digest("hex").slice(0, 16) };
  cache = { key, tc };
  return tc;
}
