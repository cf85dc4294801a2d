/**
 * State and helpers the CNG routines share (api/bcrypt.ts: RNG, providers, hashing;
 * api/bcrypt-rsa.ts: RSA keys): the handle table, the deterministic random generator and
 * node:crypto, loaded on first use.
 */
import type { Hash } from "node:crypto";
import { createRequire } from "node:module";
import type { ApiContext, ApiDefinition } from "./types.js";
import { api } from "./util.js";
import { componentState } from "./state.js";

/** node:crypto, loaded when a driver first hashes (it costs every emulator start a few ms otherwise). */
let cryptoModule: typeof import("node:crypto") | undefined;
export const nodeCrypto = (): typeof import("node:crypto") => (cryptoModule ??= createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto"));

export const KSECDD = "ksecdd.sys";
export const ks = (name: string, argc: number, h: ApiDefinition["handler"]) => api(KSECDD, name, argc, h);
export const TAG_CNG = 0x20474e43; // 'CNG '

export interface Provider {
  kind: "provider";
  alg: string;
}
export interface HashObject {
  kind: "hash";
  alg: string;
  hash: Hash | null;
  /** Pool block kmdll allocated for it (NULL pbHashObject), freed by BCryptDestroyHash. */
  owned: boolean;
}
/** An RSA key (api/bcrypt-rsa.ts): big-endian numbers as BigInt; private parts absent for a public key. */
export interface RsaKey {
  kind: "key";
  alg: "RSA";
  bits: number;
  /** BCryptGenerateKeyPair's key is unusable until BCryptFinalizeKeyPair. */
  finalized: boolean;
  n: bigint;
  e: bigint;
  p?: bigint;
  q?: bigint;
  d?: bigint;
}
export type CngObject = Provider | HashObject | RsaKey;

export const cng = componentState("ksecdd-cng", () => ({ objects: new Map<bigint, CngObject>(), seed: 0x2545f491 }));

/** xorshift32: deterministic bytes. */
export function randomBytes(ctx: ApiContext, n: number): Uint8Array {
  const st = cng(ctx.kernel);
  const out = new Uint8Array(n);
  let x = st.seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  st.seed = x || 1;
  return out;
}

export function object(ctx: ApiContext, h: bigint): CngObject | undefined {
  return cng(ctx.kernel).objects.get(h);
}

/** A NUL-terminated UTF-16 name (algorithm, property or blob type), "" for NULL. */
export function algName(ctx: ApiContext, p: bigint): string {
  return p === 0n ? "" : ctx.mem.wstring(p, 64);
}
