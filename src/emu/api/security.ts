/**
 * Security descriptors, ACLs and SIDs (the Rtl* routines drivers use to build a DACL for their
 * device, then ObOpenObjectByPointer + ZwSetSecurityObject), SeCaptureSecurityDescriptor /
 * SeReleaseSecurityDescriptor, ZwSetSecurityObject / ZwQuerySecurityObject (the descriptor is
 * kept per object and reported in the trace).
 *
 * Layouts (winnt.h / ntifs.h, x64): SID { Revision 0, SubAuthorityCount 1, IdentifierAuthority 2
 * (6 bytes, big-endian), SubAuthority 8 }; ACL { AclRevision 0, Sbz1 1, AclSize 2, AceCount 4,
 * Sbz2 6 } (8 bytes); ACE_HEADER { AceType 0, AceFlags 1, AceSize 2 }, ACCESS_ALLOWED_ACE adds
 * Mask 4 and the SID at 8; SECURITY_DESCRIPTOR { Revision 0, Sbz1 1, Control 2, Owner 8, Group 16,
 * Sacl 24, Dacl 32 } (40 bytes; on x86 Owner 4, Group 8, Sacl 12, Dacl 16, 20 bytes); SECURITY_DESCRIPTOR_RELATIVE uses ULONG offsets at 4, 8, 12, 16
 * (20 bytes). Status codes from the Microsoft Learn pages of each routine.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { lookupHandle } from "./ob.js";

const B = (n: number) => BigInt(n);
const SE_DACL_PRESENT = 0x4;
const SE_DACL_DEFAULTED = 0x8;
const SE_SACL_PRESENT = 0x10;
const SE_SELF_RELATIVE = 0x8000;
/** The absolute SECURITY_DESCRIPTOR's pointer fields (Owner, Group, Sacl, Dacl) and size, per arch. */
const SD = () => {
  const P = ptrSize();
  const first = P === 8 ? 8 : 4;
  return { Owner: B(first), Group: B(first + P), Sacl: B(first + 2 * P), Dacl: B(first + 3 * P), size: first + 4 * P };
};
const ST = {
  UNKNOWN_REVISION: 0xc0000058,
  INVALID_SID: 0xc0000078,
  INVALID_ACL: 0xc0000077,
  INVALID_SECURITY_DESCR: 0xc0000079,
  ALLOTTED_SPACE_EXCEEDED: 0xc0000099,
  BAD_DESCRIPTOR_FORMAT: 0xc00000e7,
};
const align4 = (n: number) => (n + 3) & ~3;

function validSid(ctx: ApiContext, sid: bigint): boolean {
  return sid !== 0n && ctx.mem.u8(sid) === 1 && ctx.mem.u8(sid + 1n) <= 15;
}
const sidLength = (ctx: ApiContext, sid: bigint) => 8 + 4 * ctx.mem.u8(sid + 1n);
function validAcl(ctx: ApiContext, acl: bigint): boolean {
  const rev = ctx.mem.u8(acl);
  return rev >= 2 && rev <= 4 && ctx.mem.u16(acl + 2n) >= 8;
}
/** Bytes used by the ACEs of an ACL (walking AceSize), or -1 when they overrun AclSize. */
function aclUsed(ctx: ApiContext, acl: bigint): number {
  const size = ctx.mem.u16(acl + 2n);
  let off = 8;
  for (let i = 0; i < ctx.mem.u16(acl + 4n); i++) {
    const aceSize = ctx.mem.u16(acl + B(off) + 2n);
    if (aceSize < 4 || off + aceSize > size) return -1;
    off += aceSize;
  }
  return off;
}

interface SdParts {
  control: number;
  owner: bigint;
  group: bigint;
  sacl: bigint;
  dacl: bigint;
}
function sdParts(ctx: ApiContext, sd: bigint): SdParts | number {
  if (ctx.mem.u8(sd) !== 1) return ST.UNKNOWN_REVISION;
  const control = ctx.mem.u16(sd + 2n);
  if (control & SE_SELF_RELATIVE) {
    const at = (o: number) => {
      const v = ctx.mem.u32(sd + B(o));
      return v === 0 ? 0n : sd + B(v);
    };
    return { control, owner: at(4), group: at(8), sacl: at(12), dacl: at(16) };
  }
  const L = SD();
  return { control, owner: readPtr(ctx.mem, sd + L.Owner), group: readPtr(ctx.mem, sd + L.Group), sacl: readPtr(ctx.mem, sd + L.Sacl), dacl: readPtr(ctx.mem, sd + L.Dacl) };
}

/** The self-relative image of a descriptor (SACL, DACL, owner, group after the 20-byte header). */
function selfRelative(ctx: ApiContext, sd: bigint): Uint8Array | number {
  const p = sdParts(ctx, sd);
  if (typeof p === "number") return p;
  const pieces: [number, Uint8Array | null][] = [
    [12, p.sacl !== 0n && p.control & SE_SACL_PRESENT ? ctx.mem.read(p.sacl, ctx.mem.u16(p.sacl + 2n)) : null],
    [16, p.dacl !== 0n && p.control & SE_DACL_PRESENT ? ctx.mem.read(p.dacl, ctx.mem.u16(p.dacl + 2n)) : null],
    [4, p.owner !== 0n ? ctx.mem.read(p.owner, sidLength(ctx, p.owner)) : null],
    [8, p.group !== 0n ? ctx.mem.read(p.group, sidLength(ctx, p.group)) : null],
  ];
  const size = 20 + pieces.reduce((n, [, b]) => n + (b ? align4(b.length) : 0), 0);
  const img = new Uint8Array(size);
  const dv = new DataView(img.buffer);
  img[0] = 1;
  dv.setUint16(2, p.control | SE_SELF_RELATIVE, true);
  let off = 20;
  for (const [field, b] of pieces) {
    if (!b) continue;
    dv.setUint32(field, off, true);
    img.set(b, off);
    off += align4(b.length);
  }
  return img;
}

function getPart(name: "Owner" | "Group" | "Dacl" | "Sacl"): ApiDefinition {
  const acl = name === "Dacl" || name === "Sacl";
  return nt(`RtlGet${name}SecurityDescriptor`, acl ? 4 : 3, (ctx) => {
    const p = sdParts(ctx, ctx.arg(0));
    if (typeof p === "number") return p;
    if (acl) {
      const present = name === "Dacl" ? SE_DACL_PRESENT : SE_SACL_PRESENT;
      const isPresent = (p.control & present) !== 0;
      ctx.mem.setU8(ctx.arg(1), isPresent ? 1 : 0);
      if (isPresent) {
        writePtr(ctx.mem, ctx.arg(2), name === "Dacl" ? p.dacl : p.sacl);
        ctx.mem.setU8(ctx.arg(3), p.control & (name === "Dacl" ? SE_DACL_DEFAULTED : 0x20) ? 1 : 0);
      }
      return STATUS.SUCCESS;
    }
    writePtr(ctx.mem, ctx.arg(1), name === "Owner" ? p.owner : p.group);
    ctx.mem.setU8(ctx.arg(2), p.control & (name === "Owner" ? 0x1 : 0x2) ? 1 : 0);
    return STATUS.SUCCESS;
  });
}

function setPart(name: "Owner" | "Group" | "Dacl" | "Sacl"): ApiDefinition {
  const acl = name === "Dacl" || name === "Sacl";
  return nt(`RtlSet${name}SecurityDescriptor`, acl ? 4 : 3, (ctx) => {
    const sd = ctx.arg(0);
    if (ctx.mem.u8(sd) !== 1) return ST.UNKNOWN_REVISION;
    let control = ctx.mem.u16(sd + 2n);
    if (control & SE_SELF_RELATIVE) return ST.INVALID_SECURITY_DESCR;
    const field = SD()[name];
    if (acl) {
      const presentBit = name === "Dacl" ? SE_DACL_PRESENT : SE_SACL_PRESENT;
      const defaultedBit = name === "Dacl" ? SE_DACL_DEFAULTED : 0x20;
      const present = (ctx.u32(1) & 0xff) !== 0;
      control &= ~(presentBit | defaultedBit);
      if (present) {
        control |= presentBit | (ctx.u32(3) & 0xff ? defaultedBit : 0);
        writePtr(ctx.mem, sd + field, ctx.arg(2));
      } else writePtr(ctx.mem, sd + field, 0n);
    } else {
      const bit = name === "Owner" ? 0x1 : 0x2;
      control = (control & ~bit) | (ctx.u32(2) & 0xff ? bit : 0);
      writePtr(ctx.mem, sd + field, ctx.arg(1));
    }
    ctx.mem.setU16(sd + 2n, control);
    return STATUS.SUCCESS;
  });
}

function addAce(ctx: ApiContext, type: number, acl: bigint, revision: number, flags: number, mask: number, sid: bigint): number {
  if (!validAcl(ctx, acl)) return ST.INVALID_ACL;
  if (!validSid(ctx, sid)) return ST.INVALID_SID;
  if (revision < 2 || revision > 4) return STATUS.INVALID_PARAMETER;
  const used = aclUsed(ctx, acl);
  if (used < 0) return ST.INVALID_ACL;
  const aceSize = 8 + sidLength(ctx, sid);
  if (used + aceSize > ctx.mem.u16(acl + 2n)) return ST.ALLOTTED_SPACE_EXCEEDED;
  const ace = acl + B(used);
  ctx.mem.setU8(ace, type);
  ctx.mem.setU8(ace + 1n, flags & 0xff);
  ctx.mem.setU16(ace + 2n, aceSize);
  ctx.mem.setU32(ace + 4n, mask >>> 0);
  ctx.mem.write(ace + 8n, ctx.mem.read(sid, sidLength(ctx, sid)));
  ctx.mem.setU16(acl + 4n, ctx.mem.u16(acl + 4n) + 1);
  if (revision > ctx.mem.u8(acl)) ctx.mem.setU8(acl, revision);
  return STATUS.SUCCESS;
}

export const securityOf = (ctx: ApiContext) => ctx.kernel.state("security", () => new Map<bigint, Uint8Array>());

export const apis: ApiDefinition[] = [
  nt("RtlCreateSecurityDescriptor", 2, (ctx) => {
    if (ctx.u32(1) !== 1) return ST.UNKNOWN_REVISION;
    ctx.mem.write(ctx.arg(0), new Uint8Array(SD().size));
    ctx.mem.setU8(ctx.arg(0), 1);
    return STATUS.SUCCESS;
  }),
  nt("RtlValidSecurityDescriptor", 1, (ctx) => {
    const p = sdParts(ctx, ctx.arg(0));
    if (typeof p === "number") return 0;
    if (p.owner !== 0n && !validSid(ctx, p.owner)) return 0;
    if (p.group !== 0n && !validSid(ctx, p.group)) return 0;
    if (p.control & SE_DACL_PRESENT && p.dacl !== 0n && (!validAcl(ctx, p.dacl) || aclUsed(ctx, p.dacl) < 0)) return 0;
    return 1;
  }),
  nt("RtlLengthSecurityDescriptor", 1, (ctx) => {
    const img = selfRelative(ctx, ctx.arg(0));
    if (typeof img === "number") return 0;
    // Absolute descriptors count the absolute header (40 bytes on x64, 20 on x86), self-relative ones the 20-byte header.
    return img.length + (ctx.mem.u16(ctx.arg(0) + 2n) & SE_SELF_RELATIVE ? 0 : SD().size - 20);
  }),
  nt("RtlAbsoluteToSelfRelativeSD", 3, (ctx) => {
    const abs = ctx.arg(0);
    const out = ctx.arg(1);
    const lenPtr = ctx.arg(2);
    ctx.describe([hex(abs), hex(out), hex(lenPtr)]);
    if (ctx.mem.u16(abs + 2n) & SE_SELF_RELATIVE) return ST.BAD_DESCRIPTOR_FORMAT;
    const img = selfRelative(ctx, abs);
    if (typeof img === "number") return img;
    const have = ctx.mem.u32(lenPtr);
    if (have < img.length) {
      ctx.mem.setU32(lenPtr, img.length);
      return STATUS.BUFFER_TOO_SMALL;
    }
    ctx.mem.write(out, img);
    ctx.mem.setU32(lenPtr, img.length);
    return STATUS.SUCCESS;
  }),
  ...(["Owner", "Group", "Dacl", "Sacl"] as const).flatMap((n) => [getPart(n), setPart(n)]),
  nt("RtlCreateAcl", 3, (ctx) => {
    const acl = ctx.arg(0);
    const len = ctx.u32(1);
    const rev = ctx.u32(2);
    if (len < 8) return STATUS.BUFFER_TOO_SMALL;
    if (rev < 2 || rev > 4 || len > 0xffff) return STATUS.INVALID_PARAMETER;
    ctx.mem.write(acl, new Uint8Array(8));
    ctx.mem.setU8(acl, rev);
    ctx.mem.setU16(acl + 2n, len & ~3);
    return STATUS.SUCCESS;
  }),
  nt("RtlValidAcl", 1, (ctx) => (validAcl(ctx, ctx.arg(0)) && aclUsed(ctx, ctx.arg(0)) >= 0 ? 1 : 0)),
  nt("RtlAddAccessAllowedAce", 4, (ctx) => addAce(ctx, 0, ctx.arg(0), ctx.u32(1), 0, ctx.u32(2), ctx.arg(3))),
  nt("RtlAddAccessAllowedAceEx", 5, (ctx) => addAce(ctx, 0, ctx.arg(0), ctx.u32(1), ctx.u32(2), ctx.u32(3), ctx.arg(4))),
  nt("RtlGetAce", 3, (ctx) => {
    const acl = ctx.arg(0);
    const index = ctx.u32(1);
    if (!validAcl(ctx, acl) || aclUsed(ctx, acl) < 0) return ST.INVALID_ACL;
    if (index >= ctx.mem.u16(acl + 4n)) return STATUS.INVALID_PARAMETER;
    let off = 8;
    for (let i = 0; i < index; i++) off += ctx.mem.u16(acl + B(off) + 2n);
    writePtr(ctx.mem, ctx.arg(2), acl + B(off));
    return STATUS.SUCCESS;
  }),
  nt("RtlLengthSid", 1, (ctx) => sidLength(ctx, ctx.arg(0))),
  nt("RtlValidSid", 1, (ctx) => (validSid(ctx, ctx.arg(0)) ? 1 : 0)),
  nt("RtlLengthRequiredSid", 1, (ctx) => 8 + 4 * ctx.u32(0)),
  nt("RtlEqualSid", 2, (ctx) => {
    const [a, b] = [ctx.arg(0), ctx.arg(1)];
    const la = sidLength(ctx, a);
    if (la !== sidLength(ctx, b)) return 0;
    const x = ctx.mem.read(a, la);
    const y = ctx.mem.read(b, la);
    return x.every((v, i) => v === y[i]) ? 1 : 0;
  }),
  nt("RtlCopySid", 3, (ctx) => {
    const len = sidLength(ctx, ctx.arg(2));
    if (ctx.u32(0) < len) return STATUS.BUFFER_TOO_SMALL;
    ctx.mem.write(ctx.arg(1), ctx.mem.read(ctx.arg(2), len));
    return STATUS.SUCCESS;
  }),
  nt("RtlInitializeSid", 3, (ctx) => {
    const n = ctx.u32(2) & 0xff;
    if (n > 15) return ST.INVALID_SID;
    ctx.mem.setU8(ctx.arg(0), 1);
    ctx.mem.setU8(ctx.arg(0) + 1n, n);
    ctx.mem.write(ctx.arg(0) + 2n, ctx.mem.read(ctx.arg(1), 6));
    return STATUS.SUCCESS;
  }),
  nt("RtlSubAuthoritySid", 2, (ctx) => ctx.arg(0) + 8n + B(4 * ctx.u32(1))),
  nt("RtlSubAuthorityCountSid", 1, (ctx) => ctx.arg(0) + 1n),
  nt("SeCaptureSecurityDescriptor", 5, (ctx) => {
    const src = ctx.arg(0);
    const out = ctx.arg(4);
    ctx.describe([hex(src), ctx.u32(1) & 0xff ? "UserMode" : "KernelMode", String(ctx.u32(2)), ctx.u32(3) & 0xff ? "TRUE" : "FALSE", hex(out)]);
    if (src === 0n) {
      writePtr(ctx.mem, out, 0n);
      return STATUS.SUCCESS;
    }
    const img = selfRelative(ctx, src);
    if (typeof img === "number") return ST.INVALID_SECURITY_DESCR;
    const a = ctx.pool.allocate(img.length, 0x63655353 /* 'SSec' */, ctx.u32(2), false);
    if (a === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    ctx.mem.write(a, img);
    writePtr(ctx.mem, out, a);
    return STATUS.SUCCESS;
  }),
  nt("SeReleaseSecurityDescriptor", 3, (ctx) => {
    if (ctx.arg(0) !== 0n) ctx.pool.free(ctx.arg(0), null);
  }),
  nt("ZwSetSecurityObject", 3, (ctx) => {
    const h = lookupHandle(ctx.kernel, ctx.arg(0));
    const info = ctx.u32(1);
    ctx.describe([hex(ctx.arg(0)), hex(info), hex(ctx.arg(2))]);
    if (!h) return STATUS.INVALID_HANDLE;
    if (ctx.arg(2) === 0n || info === 0) return STATUS.INVALID_PARAMETER;
    const img = selfRelative(ctx, ctx.arg(2));
    if (typeof img === "number") return ST.INVALID_SECURITY_DESCR;
    if (h.object !== undefined) securityOf(ctx).set(h.object, img);
    return STATUS.SUCCESS;
  }),
  nt("ZwQuerySecurityObject", 5, (ctx) => {
    const h = lookupHandle(ctx.kernel, ctx.arg(0));
    if (!h) return STATUS.INVALID_HANDLE;
    const img = (h.object !== undefined ? securityOf(ctx).get(h.object) : undefined) ?? Uint8Array.of(1, 0, 0, 0x80, ...new Array<number>(16).fill(0));
    ctx.mem.setU32(ctx.arg(4), img.length);
    if (ctx.u32(3) < img.length) return STATUS.BUFFER_TOO_SMALL;
    ctx.mem.write(ctx.arg(2), img);
    return STATUS.SUCCESS;
  }),
];
