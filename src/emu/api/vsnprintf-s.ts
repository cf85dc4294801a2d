/**
 * _vsnprintf_s (the "crtx" family; examples/api-rank checks it from C on x64 and x86).
 *
 * _vsnprintf_s(buffer, sizeOfBuffer, count, format, argptr) (Learn: _vsnprintf_s; ntoskrnl's
 *   CRT, whose invalid-parameter handler returns): the text and its length when it fits in
 *   count characters and in the buffer with its NUL; count _TRUNCATE: as much as fits, -1 when
 *   cut; count < sizeOfBuffer: count characters, -1 when cut; otherwise (ERANGE) the buffer is
 *   emptied and -1 returned. A NULL buffer or format, or sizeOfBuffer 0 (EINVAL): -1.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { encodeLatin1, hex, nt } from "./util.js";
import { formatKernelPrintf, vaListReader } from "./printf.js";

function vsnprintfS(ctx: ApiContext): bigint {
  const [buf, size, count, fmt] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  const truncate = count === (ptrSize() === 8 ? 0xffffffffffffffffn : 0xffffffffn);
  ctx.describe([hex(buf), String(size), truncate ? "_TRUNCATE" : String(count), hex(fmt), hex(ctx.arg(4))]);
  if (buf === 0n || size === 0n || fmt === 0n) {
    if (buf !== 0n && size !== 0n) ctx.mem.setU8(buf, 0);
    return 0xffffffffn; // int -1: EINVAL through the invalid-parameter handler, which returns in the kernel
  }
  const text = formatKernelPrintf(ctx.mem.cstring(fmt, 0x100000), vaListReader(ctx.mem, ctx.arg(4)), ctx.mem, false);
  const len = BigInt(text.length);
  const limit = truncate ? size - 1n : count;
  if (len <= limit && len < size) {
    ctx.mem.write(buf, encodeLatin1(text + "\0"));
    return len;
  }
  if (truncate || count < size) {
    const keep = Number(limit < size - 1n ? limit : size - 1n);
    ctx.mem.write(buf, encodeLatin1(text.slice(0, keep) + "\0"));
    return 0xffffffffn;
  }
  ctx.mem.setU8(buf, 0); // ERANGE: the buffer is emptied
  return 0xffffffffn;
}

export const apis: ApiDefinition[] = [nt("_vsnprintf_s", 5, vsnprintfS)];
