/**
 * ksecdd.sys, the Kernel Security Support Provider: the CNG routines kernel drivers import from
 * it (BCryptGenRandom, algorithm providers, hashing). ksecdd.sys is a built-in module (its export
 * list is the kernel export database's, from mingw-w64's libksecdd.a); the routines below have
 * handlers, the others resolve and are `unimplemented-api` reports when called.
 *
 * Rules (Microsoft Learn, bcrypt.h): BCryptGenRandom with BCRYPT_USE_SYSTEM_PREFERRED_RNG (2)
 * takes a NULL algorithm handle (at IRQL <= DISPATCH_LEVEL), otherwise an RNG provider handle
 * (STATUS_INVALID_HANDLE); a NULL buffer with a non-zero length is STATUS_INVALID_PARAMETER.
 * BCryptOpenAlgorithmProvider knows "RNG", "MD5", "SHA1", "SHA256", "SHA384", "SHA512", "RSA"
 * (its keys: api/bcrypt-rsa.ts)
 * (another algorithm Windows provides — AES, ECDH, ... — is an `unimplemented-api` report, an
 * unknown name STATUS_NOT_FOUND; BCRYPT_ALG_HANDLE_HMAC_FLAG is not modelled: STATUS_NOT_SUPPORTED).
 * BCryptGetProperty answers "ObjectLength", "HashDigestLength", "BlockLength" (DWORD) and
 * "AlgorithmName"; a NULL output buffer only sets *pcbResult; a short one is
 * STATUS_BUFFER_TOO_SMALL. BCryptCreateHash takes the caller's hash object (at least
 * ObjectLength bytes, else STATUS_BUFFER_TOO_SMALL) or NULL (the provider allocates it);
 * BCryptFinishHash needs cbOutput equal to the digest length (STATUS_INVALID_PARAMETER) and ends
 * the hash (a later BCryptHashData/BCryptFinishHash is STATUS_INVALID_HANDLE here). A handle
 * that is not one of these objects is STATUS_INVALID_HANDLE.
 *
 * Random bytes come from a deterministic generator seeded per run (the emulation is
 * reproducible); digests are computed with node:crypto. x64 and x86 (stdcall, as bcrypt.h's
 * WINAPI; handles are pointer-sized): x86 kprocesshacker.sys hashes with them at start.
 */
import type { ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, q, writePtr } from "./util.js";
import { algName, cng, ks, nodeCrypto, object, randomBytes, TAG_CNG } from "./bcrypt-common.js";
import { rsaApis } from "./bcrypt-rsa.js";

export { KSECDD } from "./bcrypt-common.js";

const BCRYPT_USE_SYSTEM_PREFERRED_RNG = 2;
const BCRYPT_ALG_HANDLE_HMAC_FLAG = 8;
/** Size kmdll asks for as a hash object ("ObjectLength"). */
const HASH_OBJECT_LENGTH = 0x40;

/**
 * The algorithm identifiers Windows's primitive providers know (bcrypt.h BCRYPT_*_ALGORITHM): one
 * kmdll does not model is an emulator gap (`unimplemented-api`), not STATUS_NOT_FOUND.
 */
const WINDOWS_ALGORITHMS = new Set(
  ("RSA RSA_SIGN DH DSA RC2 RC4 AES DES DESX 3DES 3DES_112 MD2 MD4 AES-GMAC AES-CMAC ECDSA_P256 ECDSA_P384 ECDSA_P521 ECDH_P256 ECDH_P384 ECDH_P521 " +
    "ECDSA ECDH FIPS186DSARNG DUALECRNG SP800_108_CTR_HMAC SP800_56A_CONCAT PBKDF2 CAPI_KDF TLS1_1_KDF TLS1_2_KDF XTS-AES HKDF CHACHA20_POLY1305 SHA3-256 SHA3-384 SHA3-512").split(" "),
);
const ALGORITHMS: Record<string, { node: string | null; digest: number; block: number }> = {
  RNG: { node: null, digest: 0, block: 0 },
  MD5: { node: "md5", digest: 16, block: 64 },
  SHA1: { node: "sha1", digest: 20, block: 64 },
  SHA256: { node: "sha256", digest: 32, block: 64 },
  SHA384: { node: "sha384", digest: 48, block: 128 },
  SHA512: { node: "sha512", digest: 64, block: 128 },
  RSA: { node: null, digest: 0, block: 0 },
};

const ksecddApis: ApiDefinition[] = [
  ks("BCryptGenRandom", 4, (ctx) => {
    const h = ctx.arg(0);
    const buf = ctx.arg(1);
    const len = ctx.u32(2);
    const flags = ctx.u32(3);
    ctx.describe([hex(h), hex(buf), String(len), hex(flags)]);
    if (flags & BCRYPT_USE_SYSTEM_PREFERRED_RNG) {
      if (h !== 0n) return STATUS.INVALID_PARAMETER;
      if (ctx.kernel.irql > 2) ctx.fault("bugcheck", "BCryptGenRandom above DISPATCH_LEVEL (IRQL_NOT_LESS_OR_EQUAL)", { code: "0x0000000A" });
    } else {
      const p = object(ctx, h);
      if (!p || p.kind !== "provider" || p.alg !== "RNG") return STATUS.INVALID_HANDLE;
    }
    if (len === 0) return STATUS.SUCCESS;
    if (buf === 0n) return STATUS.INVALID_PARAMETER;
    ctx.mem.write(buf, randomBytes(ctx, len));
    return STATUS.SUCCESS;
  }),
  ks("BCryptOpenAlgorithmProvider", 4, (ctx) => {
    const out = ctx.arg(0);
    const id = algName(ctx, ctx.arg(1));
    const flags = ctx.u32(3);
    ctx.describe([hex(out), q(id), hex(ctx.arg(2)), hex(flags)]);
    if (out === 0n || ctx.arg(1) === 0n) return STATUS.INVALID_PARAMETER;
    const alg = Object.keys(ALGORITHMS).find((a) => a === id.toUpperCase());
    if (!alg && WINDOWS_ALGORITHMS.has(id.toUpperCase()))
      ctx.fault("unimplemented-api", `for the CNG algorithm ${q(id)}, which Windows provides and kmdll does not model (it models ${Object.keys(ALGORITHMS).join(", ")})`, { api: ctx.api });
    if (!alg) return STATUS.NOT_FOUND;
    if (flags & BCRYPT_ALG_HANDLE_HMAC_FLAG) {
      ctx.warn(`BCryptOpenAlgorithmProvider(${q(id)}): HMAC providers are not modelled`);
      return STATUS.NOT_SUPPORTED;
    }
    const h = ctx.pool.allocate(0x10, TAG_CNG, 0, true);
    cng(ctx.kernel).objects.set(h, { kind: "provider", alg });
    writePtr(ctx.mem, out, h);
    return STATUS.SUCCESS;
  }),
  ks("BCryptCloseAlgorithmProvider", 2, (ctx) => {
    const h = ctx.arg(0);
    ctx.describe([hex(h), hex(ctx.u32(1))]);
    const p = object(ctx, h);
    if (!p || p.kind !== "provider") return STATUS.INVALID_HANDLE;
    cng(ctx.kernel).objects.delete(h);
    ctx.pool.free(h, null);
    return STATUS.SUCCESS;
  }),
  ks("BCryptGetProperty", 6, (ctx) => {
    const h = ctx.arg(0);
    const prop = algName(ctx, ctx.arg(1));
    const out = ctx.arg(2);
    const len = ctx.u32(3);
    const result = ctx.arg(4);
    ctx.describe([hex(h), q(prop), hex(out), String(len), hex(result)]);
    const o = object(ctx, h);
    if (!o) return STATUS.INVALID_HANDLE;
    if (result === 0n) return STATUS.INVALID_PARAMETER;
    const a = ALGORITHMS[o.alg]!;
    let value: Uint8Array;
    const dword = (n: number) => Uint8Array.of(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24);
    if (prop === "ObjectLength" && a.node) value = dword(HASH_OBJECT_LENGTH);
    else if (prop === "HashDigestLength" && a.node) value = dword(a.digest);
    else if (prop === "BlockLength" && a.node) value = dword(a.block);
    else if (prop === "AlgorithmName") {
      value = new Uint8Array((o.alg.length + 1) * 2);
      for (let i = 0; i < o.alg.length; i++) value[2 * i] = o.alg.charCodeAt(i);
    } else return STATUS.NOT_SUPPORTED;
    ctx.mem.setU32(result, value.length);
    if (out === 0n) return STATUS.SUCCESS;
    if (len < value.length) return STATUS.BUFFER_TOO_SMALL;
    ctx.mem.write(out, value);
    return STATUS.SUCCESS;
  }),
  ks("BCryptCreateHash", 7, (ctx) => {
    const h = ctx.arg(0);
    const out = ctx.arg(1);
    const obj = ctx.arg(2);
    const objLen = ctx.u32(3);
    ctx.describe([hex(h), hex(out), hex(obj), String(objLen), hex(ctx.arg(4)), String(ctx.u32(5)), hex(ctx.u32(6))]);
    const p = object(ctx, h);
    if (!p || p.kind !== "provider" || !ALGORITHMS[p.alg]!.node) return STATUS.INVALID_HANDLE;
    if (out === 0n) return STATUS.INVALID_PARAMETER;
    if (ctx.u32(5) !== 0) {
      ctx.warn("BCryptCreateHash: a secret (HMAC key) is not modelled");
      return STATUS.NOT_SUPPORTED;
    }
    let handle = obj;
    if (obj === 0n) handle = ctx.pool.allocate(HASH_OBJECT_LENGTH, TAG_CNG, 0, true);
    else {
      if (objLen < HASH_OBJECT_LENGTH) return STATUS.BUFFER_TOO_SMALL;
      ctx.mem.write(obj, new Uint8Array(HASH_OBJECT_LENGTH));
    }
    cng(ctx.kernel).objects.set(handle, { kind: "hash", alg: p.alg, hash: nodeCrypto().createHash(ALGORITHMS[p.alg]!.node!), owned: obj === 0n });
    writePtr(ctx.mem, out, handle);
    return STATUS.SUCCESS;
  }),
  ks("BCryptHashData", 4, (ctx) => {
    const h = ctx.arg(0);
    const buf = ctx.arg(1);
    const len = ctx.u32(2);
    ctx.describe([hex(h), hex(buf), String(len)]);
    const o = object(ctx, h);
    if (!o || o.kind !== "hash" || !o.hash) return STATUS.INVALID_HANDLE;
    if (len > 0) {
      if (buf === 0n) return STATUS.INVALID_PARAMETER;
      o.hash.update(ctx.mem.read(buf, len));
    }
    return STATUS.SUCCESS;
  }),
  ks("BCryptFinishHash", 4, (ctx) => {
    const h = ctx.arg(0);
    const out = ctx.arg(1);
    const len = ctx.u32(2);
    ctx.describe([hex(h), hex(out), String(len)]);
    const o = object(ctx, h);
    if (!o || o.kind !== "hash" || !o.hash) return STATUS.INVALID_HANDLE;
    if (out === 0n || len !== ALGORITHMS[o.alg]!.digest) return STATUS.INVALID_PARAMETER;
    ctx.mem.write(out, new Uint8Array(o.hash.digest()));
    o.hash = null;
    return STATUS.SUCCESS;
  }),
  ks("BCryptDestroyHash", 1, (ctx) => {
    const h = ctx.arg(0);
    ctx.describe([hex(h)]);
    const o = object(ctx, h);
    if (!o || o.kind !== "hash") return STATUS.INVALID_HANDLE;
    cng(ctx.kernel).objects.delete(h);
    if (o.owned) ctx.pool.free(h, null);
    return STATUS.SUCCESS;
  }),
];

/**
 * cng.sys, the kernel CNG driver, exports the same BCrypt* routines (the WDK's cng.lib binds
 * them to CNG.SYS; ksecdd.sys's are the same primitives): one handler serves both modules.
 */
export const CNG = "cng.sys";
const all = [...ksecddApis, ...rsaApis];
export const apis: ApiDefinition[] = [...all, ...all.map((a) => ({ ...a, module: CNG }))];

