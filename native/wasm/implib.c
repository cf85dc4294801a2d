/*
 * The usual import library — every import a short import member, no weak-alias objects, no
 * EXPORTAS name — as WebAssembly: the sort of the symbols and the whole archive, the bytes
 * src/formats/lib/import-archive.ts (writeImportArchive) writes for the same plan. `kmdll implib`
 * runs that work once per process, before V8 has optimized any JavaScript; compiled code does it
 * in a few milliseconds from its first call. src/formats/lib/wasm-archive.ts loads it and falls
 * back to writeImportArchive without it; test/implib-wasm.test.ts compares the two.
 *
 * Layout (Microsoft "PE Format", "Archive (Library) File Format" and "Import Library Format"):
 * "!<arch>\n", the first linker member (big-endian; symbols in member order), the second linker
 * member (little-endian; member offsets, then the symbols in byte order with their member numbers),
 * the longnames member, the descriptor objects, one short import member per import; members on
 * even offsets padded with "\n" (the linker members with 0, as writeImportArchive does).
 *
 * Built by scripts/build-wasm.mjs: clang --target=wasm32 -O2 -nostdlib, no libc.
 */
#include "implib.h"

extern u8 __heap_base;
static u32 top;

/** Memory for `size` bytes (8-aligned, zeroed: memory only grows and is never reused); 0 when it cannot grow. */
__attribute__((export_name("take"))) u32 take(u32 size) {
  if (top == 0) top = (u32)&__heap_base;
  u32 at = (top + 7) & ~7u;
  u32 end = at + size;
  if (end < at) return 0;
  u32 have = (u32)__builtin_wasm_memory_size(0) * 65536u;
  if (end > have) {
    u32 pages = (end - have + 65535u) / 65536u;
    if (__builtin_wasm_memory_grow(0, pages) == (__SIZE_TYPE__)-1) return 0;
  }
  top = end;
  return at;
}

/*
 * Copies go 8 bytes at a time, and may write up to 7 bytes past the end: the archive is written
 * front to back, so those bytes are written again by what follows (the output has 8 bytes to
 * spare at its end), and every source has 8 readable bytes after it (names in the module's memory
 * with more after them). The module runs in V8's baseline compiler: byte loops and memory.copy
 * calls per name both cost more.
 */
static u8 *copy(u8 *p, const u8 *s, u32 len) {
  for (u32 i = 0; i < len; i += 8) {
    u64 v;
    __builtin_memcpy(&v, s + i, 8);
    __builtin_memcpy(p + i, &v, 8);
  }
  return p + len;
}

/* A byte at a time: for the few sources without spare bytes after them (the descriptors, the DLL name). */
static u8 *copyBytes(u8 *p, const u8 *s, u32 len) {
  for (u32 i = 0; i < len; i++) p[i] = s[i];
  return p + len;
}

static u8 *impName(u8 *p, const u8 *s, u32 len) {
  p[0] = '_'; p[1] = '_'; p[2] = 'i'; p[3] = 'm'; p[4] = 'p'; p[5] = '_';
  return copy(p + 6, s, len);
}

/* A text field: `s` (NUL-terminated) then spaces up to `width`. */
static u8 *field(u8 *p, const char *s, u32 len, u32 width) {
  u32 i = 0;
  for (; i < len && s[i] != 0; i++) p[i] = (u8)s[i];
  for (; i < width; i++) p[i] = ' ';
  return p + width;
}

/* A member header without its size: name field (16 bytes), date/uid/gid 0, mode; the size is put by header(). */
static void headerTemplate(u8 *t, const u8 *nameField, const char *mode) {
  u8 *p = copyBytes(t, nameField, 16);
  p = field(p, "0", 1, 12);
  p = field(p, "0", 1, 6);
  p = field(p, "0", 1, 6);
  p = field(p, mode, 8, 8);
  field(p, "", 0, 10);
  p[10] = '`';
  p[11] = '\n';
}

/* The 60-byte member header: the template, with the size (decimal, left-aligned in 10 bytes). */
static u8 *header(u8 *p, const u8 *templ, u32 size) {
  copy(p, templ, 60);
  char digits[10];
  u32 nd = 0;
  do {
    digits[nd++] = (char)('0' + size % 10);
    size /= 10;
  } while (size != 0);
  for (u32 i = 0; i < nd; i++) p[48 + i] = (u8)digits[nd - 1 - i];
  return p + 60;
}

static void be32(u8 *p, u32 v) { p[0] = (u8)(v >> 24); p[1] = (u8)(v >> 16); p[2] = (u8)(v >> 8); p[3] = (u8)v; }
static void le32(u8 *p, u32 v) { p[0] = (u8)v; p[1] = (u8)(v >> 8); p[2] = (u8)(v >> 16); p[3] = (u8)(v >> 24); }
static void le16(u8 *p, u32 v) { p[0] = (u8)v; p[1] = (u8)(v >> 8); }

static int startsWithImp(const u8 *s) {
  return s[0] == '_' && s[1] == '_' && s[2] == 'i' && s[3] == 'm' && s[4] == 'p' && s[5] == '_';
}

static u32 outAt;

/** Where the last archive() wrote its bytes. */
__attribute__((export_name("output"))) u32 output(void) { return outAt; }

/**
 * Write the archive. Inputs (all in this memory): `names`, `count` names each followed by a NUL
 * (`namesLen` bytes in all); per name either its .def attribute bits (`flags`: PRIVATE names are
 * not imported; off x86 the type field follows from NONAME, DATA and CONSTANT) or, when `flags`
 * is 0, its type field (`type`) and whether it has its plain symbol besides __imp_ (`plain`);
 * per name its ordinal/hint (`ord`); the h descriptor objects' symbols (`headSyms`,
 * NUL-terminated), data (`headData`, one after the other) and sizes (`headLen`); the DLL name
 * (`dll`, dllLen bytes) and the COFF machine number. The imports are the names not PRIVATE, in
 * their order. Returns the archive's size (its bytes at output()), or: -1 two names are equal
 * (PRIVATE ones too), -2 a plain symbol sorts among the __imp_ ones (both left to
 * writeImportArchive), -3 too many members, -4 a name with a NUL, -5 out of memory.
 */
__attribute__((export_name("archive"))) int archive(u32 count, const u8 *names, u32 namesLen, const u8 *flags, const u8 *type, const u8 *plain, const u16 *ord,
                                                     u32 h, const u8 *headSyms, const u8 *headData, const u32 *headLen, const u8 *dll, u32 dllLen, u32 machine) {
  u32 *start = (u32 *)take(4 * (count + 1));
  u32 *order0 = (u32 *)take(4 * (count + 1));
  u32 *tmp = (u32 *)take(4 * (count + 1));
  u32 *imp = (u32 *)take(4 * (count + 1));
  u32 *sortedImp = (u32 *)take(4 * (count + 1));
  u8 *typeOf = (u8 *)take(count + 1);
  u8 *plainOf = (u8 *)take(count + 1);
  const u8 **headSym = (const u8 **)take(4 * (h + 1));
  u32 *headSymLen = (u32 *)take(4 * (h + 1));
  if (start == 0 || order0 == 0 || tmp == 0 || imp == 0 || sortedImp == 0 || typeOf == 0 || plainOf == 0 || headSym == 0 || headSymLen == 0) return -5;

  /* The names: where each starts; a NUL inside one would shift them all. */
  u32 k = 0;
  start[0] = 0;
  for (u32 i = 0; i < namesLen; i++) {
    if (names[i] == 0) {
      if (++k > count) return -4;
      start[k] = i + 1;
    }
  }
  if (k != count) return -4;
  u64 *key = (u64 *)take(8 * (count + 1));
  u64 *keyTmp = (u64 *)take(8 * (count + 1));
  if (key == 0 || keyTmp == 0) return -5;
  for (u32 i = 0; i < count; i++) order0[i] = i;
  sortNames(order0, key, tmp, keyTmp, count, 0, names, start);
  const u32 *order = order0;
  for (u32 i = 1; i < count; i++)
    if (cmp(names + start[order[i - 1]], names + start[order[i]]) == 0) return -1;

  /* The imports, in member order and in symbol order. */
  u32 n = 0;
  for (u32 i = 0; i < count; i++) {
    if (flags != 0) {
      u32 f = flags[i];
      if (f & PLAIN_PRIVATE) continue;
      u32 t = (f & PLAIN_CONSTANT) ? 2 : (f & PLAIN_DATA) ? 1 : 0;
      typeOf[i] = (u8)(((f & PLAIN_NONAME) ? 0 : 4) | t);
      plainOf[i] = t != 1;
    } else {
      typeOf[i] = type[i];
      plainOf[i] = plain[i] != 0;
    }
    imp[n++] = i;
  }
  for (u32 i = 0, j = 0; i < count; i++)
    if (flags == 0 || !(flags[order[i]] & PLAIN_PRIVATE)) sortedImp[j++] = order[i];
  u32 members = h + n;
  if (members > 65535) return -3;
  u32 *memberOf = (u32 *)take(4 * (count + 1));
  if (memberOf == 0) return -5;
  for (u32 x = 0; x < n; x++) memberOf[imp[x]] = h + x;
  u32 *memberOffset = (u32 *)take(4 * (members + 1));
  if (memberOffset == 0) return -5;

  /* Sizes. */
  u32 nplain = 0;
  for (u32 x = 0; x < n; x++) nplain += plainOf[imp[x]];
  u32 nsym = h + n + nplain;
  u32 nameBytes = 0;
  const u8 *hs = headSyms;
  for (u32 m = 0; m < h; m++) {
    headSym[m] = hs;
    u32 len = 1;
    while (*hs++ != 0) len++;
    headSymLen[m] = len;
    nameBytes += len;
  }
  for (u32 x = 0; x < n; x++) {
    u32 i = imp[x];
    u32 len = start[i + 1] - start[i];
    nameBytes += len + 6 + (plainOf[i] ? len : 0);
  }
  u32 firstSize = 4 + 4 * nsym + nameBytes;
  u32 secondSize = 4 + 4 * members + 4 + 2 * nsym + nameBytes;
  int longNamed = dllLen > 15;
  for (u32 i = 0; i < dllLen; i++) longNamed |= dll[i] == '/';
  u32 longLen = longNamed ? dllLen + 1 : 0;
  u8 memberField[16];
  if (longNamed) field(memberField, "/0", 2, 16);
  else {
    copyBytes(memberField, dll, dllLen);
    memberField[dllLen] = '/';
    for (u32 i = dllLen + 1; i < 16; i++) memberField[i] = ' ';
  }
  u8 linkerField[16];
  field(linkerField, "/", 1, 16);
  u8 longField[16];
  field(longField, "//", 2, 16);
  u8 linkerHeader[64], longHeader[64], memberHeader[64];
  /* The DLL name with spare bytes after it, for copy(). */
  u8 *dllPadded = (u8 *)take(dllLen + 8);
  if (dllPadded == 0) return -5;
  copyBytes(dllPadded, dll, dllLen);
  headerTemplate(linkerHeader, linkerField, "0");
  headerTemplate(longHeader, longField, "0");
  headerTemplate(memberHeader, memberField, "644");

  u32 off = 8 + 60 + firstSize + (firstSize & 1) + 60 + secondSize + (secondSize & 1) + 60 + longLen + (longLen & 1);
  for (u32 m = 0; m < h; m++) {
    memberOffset[m] = off;
    off += 60 + headLen[m] + (headLen[m] & 1);
  }
  u32 fixed = 20 + dllLen + 1;
  for (u32 x = 0; x < n; x++) {
    memberOffset[h + x] = off;
    u32 size = fixed + (start[imp[x] + 1] - start[imp[x]]);
    off += 60 + size + (size & 1);
  }
  u8 *out = (u8 *)take(off + 8);
  /* The descriptors' symbols in byte order (ties in symbol order), and the plain symbols merged with them. */
  u32 *spec = (u32 *)take(4 * (h + 1));
  const u8 **mergedName = (const u8 **)take(4 * (nplain + h + 1));
  u32 *mergedLen = (u32 *)take(4 * (nplain + h + 1));
  u32 *mergedMember = (u32 *)take(4 * (nplain + h + 1));
  if (out == 0 || spec == 0 || mergedName == 0 || mergedLen == 0 || mergedMember == 0) return -5;
  outAt = (u32)out;

  /* Magic and the first linker member. */
  u8 *p = copy(out, (const u8 *)"!<arch>\n", 8);
  p = header(p, linkerHeader, firstSize);
  be32(p, nsym);
  p += 4;
  u8 *names1 = p + 4 * nsym;
  for (u32 m = 0; m < h; m++) {
    be32(p, memberOffset[m]);
    p += 4;
    names1 = copyBytes(names1, headSym[m], headSymLen[m]);
  }
  for (u32 x = 0; x < n; x++) {
    u32 i = imp[x];
    const u8 *s = names + start[i];
    u32 len = start[i + 1] - start[i];
    be32(p, memberOffset[h + x]);
    p += 4;
    names1 = impName(names1, s, len);
    if (plainOf[i]) {
      be32(p, memberOffset[h + x]);
      p += 4;
      names1 = copy(names1, s, len);
    }
  }
  p = names1;
  if (firstSize & 1) *p++ = 0;

  /* The second linker member. */
  p = header(p, linkerHeader, secondSize);
  le32(p, members);
  p += 4;
  for (u32 m = 0; m < members; m++, p += 4) le32(p, memberOffset[m]);
  le32(p, nsym);
  p += 4;
  for (u32 m = 0; m < h; m++) {
    u32 j = m;
    while (j > 0 && cmp(headSym[spec[j - 1]], headSym[m]) > 0) {
      spec[j] = spec[j - 1];
      j--;
    }
    spec[j] = m;
  }
  u32 np = 0;
  u32 sp = 0;
  for (u32 y = 0; y < n; y++) {
    u32 i = sortedImp[y];
    if (!plainOf[i]) continue;
    const u8 *s = names + start[i];
    /* A descriptor's symbol goes before an equal import symbol (its number is lower). */
    while (sp < h && cmp(headSym[spec[sp]], s) <= 0) {
      mergedName[np] = headSym[spec[sp]];
      mergedLen[np] = headSymLen[spec[sp]];
      mergedMember[np++] = spec[sp++];
    }
    mergedName[np] = s;
    mergedLen[np] = start[i + 1] - start[i];
    mergedMember[np++] = memberOf[i];
  }
  for (; sp < h; sp++) {
    mergedName[np] = headSym[spec[sp]];
    mergedLen[np] = headSymLen[spec[sp]];
    mergedMember[np++] = spec[sp];
  }
  /* The __imp_ symbols are one block among the plain ones, unless a plain one starts with __imp_. */
  u32 cut = 0;
  for (u32 hi = np; cut < hi;) {
    u32 mid = (cut + hi) / 2;
    if (cmp(mergedName[mid], (const u8 *)"__imp_") < 0) cut = mid + 1;
    else hi = mid;
  }
  if (cut < np && startsWithImp(mergedName[cut])) return -2;
  u8 *names2 = p + 2 * nsym;
  for (u32 a = 0; a < cut; a++, p += 2) {
    le16(p, mergedMember[a] + 1);
    names2 = mergedMember[a] < h ? copyBytes(names2, mergedName[a], mergedLen[a]) : copy(names2, mergedName[a], mergedLen[a]);
  }
  for (u32 y = 0; y < n; y++, p += 2) {
    u32 i = sortedImp[y];
    le16(p, memberOf[i] + 1);
    names2 = impName(names2, names + start[i], start[i + 1] - start[i]);
  }
  for (u32 a = cut; a < np; a++, p += 2) {
    le16(p, mergedMember[a] + 1);
    names2 = mergedMember[a] < h ? copyBytes(names2, mergedName[a], mergedLen[a]) : copy(names2, mergedName[a], mergedLen[a]);
  }
  p = names2;
  if (secondSize & 1) *p++ = 0;

  /* Longnames, the descriptor objects, the short imports. */
  p = header(p, longHeader, longLen);
  if (longNamed) {
    p = copyBytes(p, dll, dllLen);
    *p++ = 0;
    if (longLen & 1) *p++ = '\n';
  }
  const u8 *data = headData;
  for (u32 m = 0; m < h; m++) {
    p = header(p, memberHeader, headLen[m]);
    p = copyBytes(p, data, headLen[m]);
    data += headLen[m];
    if (headLen[m] & 1) *p++ = '\n';
  }
  for (u32 x = 0; x < n; x++) {
    u32 i = imp[x];
    u32 len = start[i + 1] - start[i];
    u32 size = fixed + len;
    p = header(p, memberHeader, size);
    p[0] = 0; p[1] = 0; p[2] = 0xff; p[3] = 0xff; p[4] = 0; p[5] = 0;
    le16(p + 6, machine);
    le32(p + 8, 0);
    le32(p + 12, size - 20);
    le16(p + 16, ord[i]);
    le16(p + 18, typeOf[i]);
    p = copy(p + 20, names + start[i], len);
    p = copy(p, dllPadded, dllLen);
    *p++ = 0;
    if (size & 1) *p++ = '\n';
  }
  if ((u32)(p - out) != off) return -5;
  return (int)off;
}
