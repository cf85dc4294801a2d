/**
 * kmdll's support library: definitions of the MSVC intrinsics clang and mingw-w64 lack
 * (data/lib-src/msvc-intrinsics.c), archived once per arch and linked after every project's
 * libraries, so an image gets only the routines it calls (and is unchanged when it calls none).
 * Not reported as a project step; rebuilt when the source, the flags or the toolchain change.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeDirectory } from "../io/dirs.js";
import { hashText, loadState, saveState, stampFile, upToDate } from "./cache.js";
import type { Ctx } from "./project-build.js";
import { COMPAT_INCLUDE } from "./project-build.js";
import { compileArgs, libArgs } from "./recipe.js";
import { runTool } from "./run.js";
import type { Arch } from "./sources.js";

const SOURCE = fileURLToPath(new URL("../../../data/lib-src/msvc-intrinsics.c", import.meta.url));

/** Build (or reuse) the support library for arch; returns its path, or throws with the tool's message. */
export async function supportLibrary(ctx: Ctx, arch: Arch): Promise<string> {
  const sr = ctx.tc.sysroots[arch]!;
  const dir = join(ctx.objRoot, arch, "kmdll-support");
  makeDirectory(dir);
  const object = join(dir, "msvc-intrinsics.obj");
  const lib = join(dir, "kmdll-support.lib");
  const stateFile = join(dir, "kmdll-state.json");
  const state = ctx.force ? { version: 1 as const, steps: {} } : loadState(stateFile);
  const args = compileArgs({
    arch, source: SOURCE, object, depfile: join(dir, "msvc-intrinsics.d"), includes: [], sysInclude: sr.include, ddkInclude: sr.ddkInclude,
    compatInclude: COMPAT_INCLUDE, defines: [], userFlags: [], prefixMaps: [[fileURLToPath(new URL("../../..", import.meta.url)), "kmdll"]],
  });
  const largs = libArgs(lib, ["msvc-intrinsics.obj"], arch);
  const key = hashText(ctx.tc.version, ctx.tc.clang, ctx.tc.llvmLib, JSON.stringify(args), JSON.stringify(largs));
  if (upToDate(state.steps.support, key)) return lib;
  delete state.steps.support;
  rmSync(lib, { force: true });
  const cc = await runTool(ctx.tc.clang, args, dir);
  if (cc.code !== 0 || !existsSync(object)) throw new Error(`kmdll's support library (${SOURCE}) failed to compile:\n${cc.stderr}`);
  const ar = await runTool(ctx.tc.llvmLib, largs, dir);
  if (ar.code !== 0 || !existsSync(lib)) throw new Error(`kmdll's support library failed to archive:\n${ar.stderr}`);
  state.steps.support = { key, inputs: [stampFile(SOURCE)], outputs: [stampFile(object), stampFile(lib)] };
  saveState(stateFile, state);
  return lib;
}
