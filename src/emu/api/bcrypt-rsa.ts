/**
 * CNG RSA keys (ksecdd.sys / cng.sys, bcrypt.h), on an "RSA" provider handle from
 * BCryptOpenAlgorithmProvider (api/bcrypt.ts). As Microsoft Learn documents them:
 * - BCryptGenerateKeyPair(hAlg, phKey, dwLength, dwFlags): 512..16384 bits in steps of 64, flags 0
 *   (else STATUS_INVALID_PARAMETER); the key is usable after BCryptFinalizeKeyPair (before: STATUS_INVALID_HANDLE).
 * - BCryptImportKeyPair(hAlg, hImportKey NULL, blob type, phKey, pbInput, cbInput, dwFlags) and
 *   BCryptExportKey(hKey, hExportKey NULL, blob type, pbOutput, cbOutput, pcbResult, dwFlags):
 *   BCRYPT_RSAPUBLIC_BLOB / RSAPRIVATEBLOB / RSAFULLPRIVATEBLOB (and PUBLICBLOB / PRIVATEBLOB):
 *   BCRYPT_RSAKEY_BLOB { Magic, BitLength, cbPublicExp, cbModulus, cbPrime1, cbPrime2 } then the
 *   big-endian numbers. A magic that does not match the blob type or a short blob:
 *   STATUS_INVALID_PARAMETER; another blob type: STATUS_NOT_SUPPORTED. Export with pbOutput NULL
 *   gives the size; a short buffer is STATUS_BUFFER_TOO_SMALL; a private blob of a public key is
 *   STATUS_INVALID_PARAMETER.
 * - BCryptEncrypt / BCryptDecrypt with BCRYPT_PAD_NONE, BCRYPT_PAD_PKCS1 or BCRYPT_PAD_OAEP
 *   (BCRYPT_OAEP_PADDING_INFO: hash algorithm, label); pbOutput NULL gives the size; a message too
 *   long for the padding, no padding flag, or a bad padding on decryption: STATUS_INVALID_PARAMETER.
 * - BCryptSignHash / BCryptVerifySignature with BCRYPT_PAD_PKCS1 (BCRYPT_PKCS1_PADDING_INFO: the
 *   hash algorithm, whose DigestInfo is prefixed; NULL: none) or BCRYPT_PAD_PSS
 *   (BCRYPT_PSS_PADDING_INFO: hash algorithm, salt length); a signature that does not verify is
 *   STATUS_INVALID_SIGNATURE.
 * - BCryptDestroyKey frees the key.
 * The arithmetic is BigInt (RFC 8017: RSAEP/RSADP, EME-PKCS1-v1_5, EME-OAEP, EMSA-PKCS1-v1_5,
 * EMSA-PSS with MGF1); hashes and primality checks are node:crypto's. Keys are generated from
 * kmdll's per-run deterministic generator, so a run is reproducible.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, q, readPtr, writePtr } from "./util.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { algName, cng, ks, nodeCrypto, object, randomBytes, TAG_CNG, type RsaKey } from "./bcrypt-common.js";

const INVALID_SIGNATURE = 0xc000a000;
/** An OAEP label longer than this is refused (kmdll's bound on what a call makes the host copy). */
const MAX_LABEL = 0x10000;
const PAD_NONE = 1, PAD_PKCS1 = 2, PAD_OAEP = 4, PAD_PSS = 8;
const MAGIC = { public: 0x31415352, private: 0x32415352, full: 0x33415352 }; // 'RSA1' 'RSA2' 'RSA3'
const HASHES: Record<string, { node: string; len: number; info: string }> = {
  MD5: { node: "md5", len: 16, info: "3020300c06082a864886f70d020505000410" },
  SHA1: { node: "sha1", len: 20, info: "3021300906052b0e03021a05000414" },
  SHA256: { node: "sha256", len: 32, info: "3031300d060960864801650304020105000420" },
  SHA384: { node: "sha384", len: 48, info: "3041300d060960864801650304020205000430" },
  SHA512: { node: "sha512", len: 64, info: "3051300d060960864801650304020305000440" },
};

const toBig = (b: Uint8Array): bigint => (b.length ? BigInt("0x" + Buffer.from(b).toString("hex")) : 0n);
function toBytes(n: bigint, len?: number): Uint8Array {
  let h = n.toString(16);
  if (h.length % 2) h = "0" + h;
  const raw = Buffer.from(h === "00" && len !== undefined ? "" : h, "hex");
  if (len === undefined) return new Uint8Array(raw);
  const out = new Uint8Array(len);
  out.set(raw.subarray(Math.max(0, raw.length - len)), Math.max(0, len - raw.length));
  return out;
}
function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}
function modInv(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const t = r0 / r1;
    [r0, r1] = [r1, r0 - t * r1];
    [s0, s1] = [s1, s0 - t * s1];
  }
  return ((s0 % m) + m) % m;
}
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
const kLen = (k: RsaKey) => Math.ceil(k.bits / 8);
const hashOf = (alg: string, data: Uint8Array) => new Uint8Array(nodeCrypto().createHash(HASHES[alg]!.node).update(data).digest());
function mgf1(alg: string, seed: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let c = 0, at = 0; at < len; c++) {
    const h = hashOf(alg, Uint8Array.from([...seed, c >>> 24, (c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff]));
    out.set(h.subarray(0, Math.min(h.length, len - at)), at);
    at += h.length;
  }
  return out;
}
const xor = (a: Uint8Array, b: Uint8Array) => a.map((v, i) => v ^ b[i]!);

/** A prime of `bits` bits (top two set) with gcd(e, p-1) = 1, from the deterministic generator. */
function prime(ctx: ApiContext, bits: number, e: bigint): bigint {
  for (;;) {
    const b = randomBytes(ctx, bits / 8);
    b[0]! |= 0xc0;
    b[b.length - 1]! |= 1;
    const p = toBig(b);
    if (gcd(e, p - 1n) === 1n && nodeCrypto().checkPrimeSync(p, { checks: 20 })) return p;
  }
}

function generate(ctx: ApiContext, k: RsaKey): void {
  const e = 65537n;
  for (;;) {
    const p = prime(ctx, k.bits / 2, e), qq = prime(ctx, k.bits / 2, e);
    if (p === qq) continue;
    Object.assign(k, { n: p * qq, e, p, q: qq, d: modInv(e, (p - 1n) * (qq - 1n)), finalized: true });
    return;
  }
}

function key(ctx: ApiContext, h: bigint): RsaKey | undefined {
  const o = object(ctx, h);
  return o?.kind === "key" && o.finalized ? o : undefined;
}
function newKey(ctx: ApiContext, out: bigint, k: RsaKey): number {
  const h = ctx.pool.allocate(0x10, TAG_CNG, 0, true);
  cng(ctx.kernel).objects.set(h, k);
  writePtr(ctx.mem, out, h);
  return STATUS.SUCCESS;
}
const isRsaProvider = (ctx: ApiContext, h: bigint) => {
  const p = object(ctx, h);
  return p?.kind === "provider" && p.alg === "RSA";
};
/** Which kind of blob a type name asks for; null: a type the RSA provider does not support. */
function blobKind(type: string): "public" | "private" | "full" | "any-public" | "any-private" | null {
  return ({ RSAPUBLICBLOB: "public", RSAPRIVATEBLOB: "private", RSAFULLPRIVATEBLOB: "full", PUBLICBLOB: "any-public", PRIVATEBLOB: "any-private" } as const)[type] ?? null;
}

function exportBlob(k: RsaKey, kind: "public" | "private" | "full"): Uint8Array {
  const e = toBytes(k.e), n = toBytes(k.n, kLen(k));
  const half = Math.ceil(k.bits / 16);
  const parts = [e, n];
  if (kind !== "public") {
    const { p, q: qq, d } = k as Required<RsaKey>;
    parts.push(toBytes(p, half), toBytes(qq, half));
    if (kind === "full") parts.push(toBytes(d % (p - 1n), half), toBytes(d % (qq - 1n), half), toBytes(modInv(qq, p), half), toBytes(d, kLen(k)));
  }
  const head = new Uint32Array([MAGIC[kind], k.bits, e.length, n.length, kind === "public" ? 0 : half, kind === "public" ? 0 : half]);
  const out = new Uint8Array(24 + parts.reduce((a, x) => a + x.length, 0));
  out.set(new Uint8Array(head.buffer), 0);
  let at = 24;
  for (const x of parts) out.set(x, at), (at += x.length);
  return out;
}

function importBlob(blob: Uint8Array, kind: ReturnType<typeof blobKind>): RsaKey | null {
  if (blob.length < 24 || !kind) return null;
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.length);
  const [magic, bits, cbE, cbN, cbP, cbQ] = [0, 4, 8, 12, 16, 20].map((o) => dv.getUint32(o, true)) as [number, number, number, number, number, number];
  const want = kind === "any-public" ? [MAGIC.public] : kind === "any-private" ? [MAGIC.private, MAGIC.full] : [MAGIC[kind]];
  if (!want.includes(magic) || bits < 512 || bits > 16384 || cbN !== Math.ceil(bits / 8) || cbE === 0 || cbE > 8) return null;
  const priv = magic !== MAGIC.public;
  if (blob.length < 24 + cbE + cbN + (priv ? cbP + cbQ : 0)) return null;
  let at = 24;
  const take = (n: number) => toBig(blob.subarray(at, (at += n)));
  const k: RsaKey = { kind: "key", alg: "RSA", bits, finalized: true, e: take(cbE), n: take(cbN) };
  if (priv) {
    const p = take(cbP), qq = take(cbQ);
    if (p * qq !== k.n) return null;
    Object.assign(k, { p, q: qq, d: modInv(k.e, (p - 1n) * (qq - 1n)) });
  }
  return k;
}

/** The hash algorithm named by a padding info's first field (NULL: none). */
function padAlg(ctx: ApiContext, info: bigint): string | null | undefined {
  if (info === 0n) return undefined;
  const p = readPtr(ctx.mem, info);
  if (p === 0n) return null;
  const a = algName(ctx, p).toUpperCase();
  return HASHES[a] ? a : undefined;
}

function encode(ctx: ApiContext, k: RsaKey, m: Uint8Array, flags: number, info: bigint): Uint8Array | null {
  const len = kLen(k);
  if (flags & PAD_NONE) return m.length <= len && toBig(m) < k.n ? toBytes(toBig(m), len) : null;
  if (flags & PAD_PKCS1) {
    if (m.length > len - 11) return null;
    const ps = randomBytes(ctx, len - m.length - 3).map((b) => b || 0x5a);
    return Uint8Array.from([0, 2, ...ps, 0, ...m]);
  }
  if (flags & PAD_OAEP) {
    const alg = padAlg(ctx, info);
    if (!alg) return null;
    const h = HASHES[alg]!.len;
    if (m.length > len - 2 * h - 2) return null;
    const label = readPtr(ctx.mem, info + BigInt(ptrSize())), cbLabel = ctx.mem.u32(info + BigInt(2 * ptrSize()));
    if (cbLabel > MAX_LABEL) return null;
    const db = Uint8Array.from([...hashOf(alg, cbLabel ? ctx.mem.read(label, cbLabel) : new Uint8Array()), ...new Uint8Array(len - m.length - 2 * h - 2), 1, ...m]);
    const seed = randomBytes(ctx, h);
    const mdb = xor(db, mgf1(alg, seed, db.length));
    return Uint8Array.from([0, ...xor(seed, mgf1(alg, mdb, h)), ...mdb]);
  }
  return null;
}

function decode(ctx: ApiContext, k: RsaKey, em: Uint8Array, flags: number, info: bigint): Uint8Array | null {
  if (flags & PAD_NONE) return em;
  if (flags & PAD_PKCS1) {
    const z = em.indexOf(0, 2);
    return em[0] === 0 && em[1] === 2 && z >= 10 ? em.subarray(z + 1) : null;
  }
  if (flags & PAD_OAEP) {
    const alg = padAlg(ctx, info);
    if (!alg) return null;
    const h = HASHES[alg]!.len;
    const mdb = em.subarray(1 + h), seed = xor(em.subarray(1, 1 + h), mgf1(alg, mdb, h));
    const db = xor(mdb, mgf1(alg, seed, mdb.length));
    const label = readPtr(ctx.mem, info + BigInt(ptrSize())), cbLabel = ctx.mem.u32(info + BigInt(2 * ptrSize()));
    if (cbLabel > MAX_LABEL) return null;
    const lh = hashOf(alg, cbLabel ? ctx.mem.read(label, cbLabel) : new Uint8Array());
    const one = db.indexOf(1, h);
    if (em[0] !== 0 || one < 0 || db.subarray(0, h).some((b, i) => b !== lh[i]) || db.subarray(h, one).some((b) => b !== 0)) return null;
    return db.subarray(one + 1);
  }
  return null;
}

/** EMSA-PKCS1-v1_5 or EMSA-PSS encoding check / production for a hash; null when the arguments are not valid. */
function pkcs1Em(k: RsaKey, alg: string | null, hash: Uint8Array): Uint8Array | null {
  const t = Uint8Array.from([...(alg ? Buffer.from(HASHES[alg]!.info, "hex") : []), ...hash]);
  if (alg && hash.length !== HASHES[alg]!.len) return null;
  const len = kLen(k);
  if (t.length > len - 11) return null;
  return Uint8Array.from([0, 1, ...new Uint8Array(len - t.length - 3).fill(0xff), 0, ...t]);
}
function pssEm(k: RsaKey, alg: string, hash: Uint8Array, salt: Uint8Array): Uint8Array {
  const emBits = k.bits - 1, emLen = Math.ceil(emBits / 8), h = HASHES[alg]!.len;
  const hh = hashOf(alg, Uint8Array.from([...new Uint8Array(8), ...hash, ...salt]));
  const db = Uint8Array.from([...new Uint8Array(emLen - salt.length - h - 2), 1, ...salt]);
  const mdb = xor(db, mgf1(alg, hh, db.length));
  mdb[0]! &= 0xff >> (8 * emLen - emBits);
  return Uint8Array.from([...mdb, ...hh, 0xbc]);
}
function pssVerify(k: RsaKey, alg: string, hash: Uint8Array, em: Uint8Array, sLen: number): boolean {
  const emBits = k.bits - 1, emLen = Math.ceil(emBits / 8), h = HASHES[alg]!.len;
  em = em.subarray(em.length - emLen);
  if (em[emLen - 1] !== 0xbc || emLen < h + sLen + 2) return false;
  const mdb = em.subarray(0, emLen - h - 1), hh = em.subarray(emLen - h - 1, emLen - 1);
  const db = xor(mdb, mgf1(alg, hh, mdb.length));
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const ps = emLen - h - sLen - 2;
  if (db.subarray(0, ps).some((b) => b !== 0) || db[ps] !== 1) return false;
  const again = hashOf(alg, Uint8Array.from([...new Uint8Array(8), ...hash, ...db.subarray(ps + 1)]));
  return again.every((b, i) => b === hh[i]);
}

const out = (ctx: ApiContext, data: Uint8Array, buf: bigint, cb: number, result: bigint): number => {
  if (result === 0n) return STATUS.INVALID_PARAMETER;
  ctx.mem.setU32(result, data.length);
  if (buf === 0n) return STATUS.SUCCESS;
  if (cb < data.length) return STATUS.BUFFER_TOO_SMALL;
  ctx.mem.write(buf, data);
  return STATUS.SUCCESS;
};

export const rsaApis: ApiDefinition[] = [
  ks("BCryptGenerateKeyPair", 4, (ctx) => {
    const [h, ph, bits, flags] = [ctx.arg(0), ctx.arg(1), ctx.u32(2), ctx.u32(3)];
    ctx.describe([hex(h), hex(ph), String(bits), hex(flags)]);
    if (!isRsaProvider(ctx, h)) return STATUS.INVALID_HANDLE;
    if (ph === 0n || flags !== 0 || bits < 512 || bits > 16384 || bits % 64 !== 0) return STATUS.INVALID_PARAMETER;
    return newKey(ctx, ph, { kind: "key", alg: "RSA", bits, finalized: false, n: 0n, e: 0n });
  }),
  ks("BCryptFinalizeKeyPair", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.u32(1))]);
    const o = object(ctx, ctx.arg(0));
    if (o?.kind !== "key" || o.finalized) return STATUS.INVALID_HANDLE;
    if (ctx.u32(1) !== 0) return STATUS.INVALID_PARAMETER;
    generate(ctx, o);
    return STATUS.SUCCESS;
  }),
  ks("BCryptImportKeyPair", 7, (ctx) => {
    const [h, imp, type, ph, input, cb] = [ctx.arg(0), ctx.arg(1), algName(ctx, ctx.arg(2)), ctx.arg(3), ctx.arg(4), ctx.u32(5)];
    ctx.describe([hex(h), hex(imp), q(type), hex(ph), hex(input), String(cb), hex(ctx.u32(6))]);
    if (!isRsaProvider(ctx, h)) return STATUS.INVALID_HANDLE;
    if (imp !== 0n || ph === 0n || input === 0n) return STATUS.INVALID_PARAMETER;
    const kind = blobKind(type);
    if (!kind) return STATUS.NOT_SUPPORTED;
    const k = importBlob(ctx.mem.read(input, Math.min(cb, 0x10000)), kind);
    return k ? newKey(ctx, ph, k) : STATUS.INVALID_PARAMETER;
  }),
  ks("BCryptExportKey", 7, (ctx) => {
    const [h, exp, type, buf, cb, result] = [ctx.arg(0), ctx.arg(1), algName(ctx, ctx.arg(2)), ctx.arg(3), ctx.u32(4), ctx.arg(5)];
    ctx.describe([hex(h), hex(exp), q(type), hex(buf), String(cb), hex(result), hex(ctx.u32(6))]);
    const k = key(ctx, h);
    if (!k) return STATUS.INVALID_HANDLE;
    if (exp !== 0n) return STATUS.INVALID_PARAMETER;
    const kind = blobKind(type);
    if (!kind) return STATUS.NOT_SUPPORTED;
    const want = kind === "any-public" ? "public" : kind === "any-private" ? "private" : kind;
    if (want !== "public" && k.d === undefined) return STATUS.INVALID_PARAMETER;
    return out(ctx, exportBlob(k, want), buf, cb, result);
  }),
  ...(["BCryptEncrypt", "BCryptDecrypt"] as const).map((name) =>
    ks(name, 10, (ctx) => {
      const [h, input, cbIn, info, iv, , buf, cbOut, result, flags] = Array.from({ length: 10 }, (_, i) => (i === 2 || i === 5 || i === 7 || i === 9 ? BigInt(ctx.u32(i)) : ctx.arg(i))) as bigint[];
      ctx.describe([hex(h!), hex(input!), String(cbIn), hex(info!), hex(iv!), String(ctx.u32(5)), hex(buf!), String(cbOut), hex(result!), hex(flags!)]);
      const k = key(ctx, h!);
      if (!k) return STATUS.INVALID_HANDLE;
      const f = Number(flags);
      if (iv !== 0n || (f & (PAD_NONE | PAD_PKCS1 | PAD_OAEP)) === 0 || (input === 0n && cbIn !== 0n)) return STATUS.INVALID_PARAMETER;
      if (name === "BCryptDecrypt" && k.d === undefined) return STATUS.INVALID_PARAMETER;
      const len = kLen(k);
      if (buf === 0n && name === "BCryptEncrypt") return out(ctx, new Uint8Array(len), 0n, 0, result!);
      if (cbIn! > BigInt(len)) return STATUS.INVALID_PARAMETER;
      const m = ctx.mem.read(input!, Number(cbIn));
      if (name === "BCryptEncrypt") {
        const em = encode(ctx, k, m, f, info!);
        return em ? out(ctx, toBytes(modPow(toBig(em), k.e, k.n), len), buf!, Number(cbOut), result!) : STATUS.INVALID_PARAMETER;
      }
      if (m.length !== len || toBig(m) >= k.n) return STATUS.INVALID_PARAMETER;
      const plain = decode(ctx, k, toBytes(modPow(toBig(m), k.d!, k.n), len), f, info!);
      return plain ? out(ctx, plain, buf!, Number(cbOut), result!) : STATUS.INVALID_PARAMETER;
    }),
  ),
  ks("BCryptSignHash", 8, (ctx) => {
    const [h, info, hash, cbHash, buf, cb, result, flags] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.u32(5), ctx.arg(6), ctx.u32(7)];
    ctx.describe([hex(h), hex(info), hex(hash), String(cbHash), hex(buf), String(cb), hex(result), hex(flags)]);
    const k = key(ctx, h);
    if (!k) return STATUS.INVALID_HANDLE;
    if (k.d === undefined || hash === 0n || info === 0n || cbHash > kLen(k)) return STATUS.INVALID_PARAMETER;
    if (buf === 0n) return out(ctx, new Uint8Array(kLen(k)), 0n, 0, result);
    const alg = padAlg(ctx, info), data = ctx.mem.read(hash, cbHash);
    let em: Uint8Array | null = null;
    if (flags & PAD_PKCS1 && alg !== undefined) em = pkcs1Em(k, alg, data);
    else if (flags & PAD_PSS && alg) {
      const salt = ctx.mem.u32(info + BigInt(ptrSize()));
      const room = Math.ceil((k.bits - 1) / 8) - HASHES[alg]!.len - 2;
      em = data.length === HASHES[alg]!.len && salt <= room ? pssEm(k, alg, data, randomBytes(ctx, salt)) : null;
    }
    return em ? out(ctx, toBytes(modPow(toBig(em), k.d, k.n), kLen(k)), buf, cb, result) : STATUS.INVALID_PARAMETER;
  }),
  ks("BCryptVerifySignature", 7, (ctx) => {
    const [h, info, hash, cbHash, sig, cbSig, flags] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.u32(5), ctx.u32(6)];
    ctx.describe([hex(h), hex(info), hex(hash), String(cbHash), hex(sig), String(cbSig), hex(flags)]);
    const k = key(ctx, h);
    if (!k) return STATUS.INVALID_HANDLE;
    if (hash === 0n || sig === 0n || info === 0n || cbHash > kLen(k) || (flags & (PAD_PKCS1 | PAD_PSS)) === 0) return STATUS.INVALID_PARAMETER;
    const alg = padAlg(ctx, info), data = ctx.mem.read(hash, cbHash);
    if (alg === undefined || (flags & PAD_PSS && alg === null)) return STATUS.INVALID_PARAMETER;
    if (cbSig !== kLen(k)) return INVALID_SIGNATURE; // (read only when it has the modulus's size)
    const s = toBig(ctx.mem.read(sig, cbSig));
    if (s >= k.n) return INVALID_SIGNATURE;
    const em = toBytes(modPow(s, k.e, k.n), kLen(k));
    if (flags & PAD_PKCS1) {
      const want = pkcs1Em(k, alg, data);
      return want && want.every((b, i) => b === em[i]) ? STATUS.SUCCESS : INVALID_SIGNATURE;
    }
    return pssVerify(k, alg!, data, em, ctx.mem.u32(info + BigInt(ptrSize()))) ? STATUS.SUCCESS : INVALID_SIGNATURE;
  }),
  ks("BCryptDestroyKey", 1, (ctx) => {
    const h = ctx.arg(0);
    ctx.describe([hex(h)]);
    if (object(ctx, h)?.kind !== "key") return STATUS.INVALID_HANDLE;
    cng(ctx.kernel).objects.delete(h);
    ctx.pool.free(h, null);
    return STATUS.SUCCESS;
  }),
];
