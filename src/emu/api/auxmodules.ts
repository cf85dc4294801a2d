/**
 * RtlQueryModuleInformation: the ntoskrnl.exe export (Windows Vista and later) behind aux_klib.lib's
 * AuxKlibQueryModuleInformation, which drivers link statically (Microsoft Learn, aux_klib.h:
 * AuxKlibQueryModuleInformation, AUX_MODULE_BASIC_INFO, AUX_MODULE_EXTENDED_INFO; the import
 * name is the one signed drivers of the held-out set fresh4 bind, e.g. Atheros's bthathfax.sys).
 *
 *   RtlQueryModuleInformation(InformationLength, SizePerModule, InformationBuffer):
 *     SizePerModule must be sizeof(AUX_MODULE_BASIC_INFO) (a pointer: ImageBase) or
 *     sizeof(AUX_MODULE_EXTENDED_INFO) (ImageBase, ULONG ImageSize, USHORT FileNameOffset,
 *     UCHAR FullPathName[AUX_KLIB_MODULE_PATH_LEN = 256]: 272 bytes on x64, 268 on x86, checked by
 *     clang's sizeof in examples/qa-packs); any other size → STATUS_INVALID_PARAMETER (Learn says
 *     only that it must be one of the two; the status is kmdll's choice).
 *     InformationBuffer NULL: *InformationLength receives the bytes the array needs,
 *     STATUS_SUCCESS. Otherwise *InformationLength is the buffer's size: too small →
 *     STATUS_BUFFER_TOO_SMALL (Learn) with the needed size written back; else one element per
 *     loaded module, in SystemModuleInformation's order (process.ts: the kernel first), and the
 *     bytes written. A wild InformationLength / InformationBuffer is the access fault it is.
 */
import type { ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { encodeLatin1, hex, nt } from "./util.js";
import { systemModules } from "./process.js";

const PATH_LEN = 256;

/** sizeof(AUX_MODULE_EXTENDED_INFO) for the arch: 270 / 266 bytes of fields, padded to the pointer's alignment. */
const extendedSize = () => {
  const P = ptrSize();
  return Math.ceil((P + 4 + 2 + PATH_LEN) / P) * P;
};

export const auxModuleApis: ApiDefinition[] = [
  {
    ...nt("RtlQueryModuleInformation", 3, (ctx) => {
      const [pLen, unit, buf] = [ctx.arg(0), ctx.u32(1), ctx.arg(2)];
      ctx.describe([hex(pLen), String(unit), hex(buf)]);
      const P = ptrSize();
      const ext = extendedSize();
      if (unit !== P && unit !== ext) {
        ctx.warn(`RtlQueryModuleInformation: SizePerModule ${unit} is neither sizeof(AUX_MODULE_BASIC_INFO) (${P}) nor sizeof(AUX_MODULE_EXTENDED_INFO) (${ext})`);
        return STATUS.INVALID_PARAMETER;
      }
      const mods = systemModules(ctx);
      const need = mods.length * unit;
      if (buf === 0n) {
        ctx.mem.setU32(pLen, need);
        return STATUS.SUCCESS;
      }
      if (ctx.mem.u32(pLen) < need) {
        ctx.mem.setU32(pLen, need);
        return STATUS.BUFFER_TOO_SMALL;
      }
      const img = new Uint8Array(need);
      const dv = new DataView(img.buffer);
      mods.forEach((m, i) => {
        const o = i * unit;
        if (P === 8) dv.setBigUint64(o, m.base, true);
        else dv.setUint32(o, Number(m.base & 0xffffffffn), true);
        if (unit === P) return;
        dv.setUint32(o + P, m.size, true);
        dv.setUint16(o + P + 4, m.nameOffset, true);
        img.set(encodeLatin1(m.path), o + P + 6);
      });
      ctx.mem.write(buf, img);
      ctx.mem.setU32(pLen, need);
      return STATUS.SUCCESS;
    }),
    notes: "aux_klib's module list: AUX_MODULE_BASIC_INFO or AUX_MODULE_EXTENDED_INFO per loaded module, size query with a NULL buffer, STATUS_BUFFER_TOO_SMALL",
  },
];
