/**
 * Which emulated architecture a PE image needs, or why no loader would take it. The kernel
 * loader checks that the COFF machine is the system's and that the optional header's magic
 * agrees with it (PE32 for x86, PE32+ for x64 and ARM64); otherwise the load fails with
 * STATUS_INVALID_IMAGE_FORMAT (0xC000007B), the status Windows gives a driver of the wrong
 * architecture. Pure.
 */
import type { PeImage } from "../formats/pe/types.js";

export type ImageArch = "x64" | "x86" | "arm64";

const MAGIC_OF: Record<ImageArch, { magic: number; text: string }> = {
  x64: { magic: 0x20b, text: "PE32+" },
  x86: { magic: 0x10b, text: "PE32" },
  arm64: { magic: 0x20b, text: "PE32+" },
};

export function machineText(m: PeImage["machine"]): string {
  return typeof m === "number" ? `machine 0x${m.toString(16)}` : m;
}

/** The arch the image runs on, or a one-line reason it cannot be loaded at all. */
export function imageArch(image: PeImage): { arch: ImageArch; problem?: undefined } | { arch?: undefined; problem: string } {
  const m = image.machine;
  if (m !== "x64" && m !== "x86" && m !== "arm64") return { problem: `${machineText(m)} images cannot be emulated (x64, x86 and arm64 can)` };
  const want = MAGIC_OF[m];
  const magic: number = image.optional.magic;
  if (magic !== want.magic)
    return { problem: `the COFF machine is ${m} but the optional header is ${magic === 0x20b ? "PE32+" : magic === 0x10b ? "PE32" : "0x" + magic.toString(16)} (${m} needs ${want.text})` };
  return { arch: m };
}
