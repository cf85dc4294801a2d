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
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

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

/* Byte-wise comparison of NUL-terminated names (the terminator sorts first). */
static int cmp(const u8 *a, const u8 *b) {
  while (*a != 0 && *a == *b) {
    a++;
    b++;
  }
  return (int)*a - (int)*b;
}

typedef unsigned long long u64;

/* A name's first 8 bytes, big-endian, 0 after its end: keys compare as the names' starts do. */
static u64 keyOf(const u8 *s) {
  u64 k = 0;
  u32 i = 0;
  for (; i < 8 && s[i] != 0; i++) k = (k << 8) | s[i];
  return k << (8 * (8 - i));
}

/* Whether name a sorts before name b: by key, then (both longer than 8 bytes) by the rest. */
static int before(u32 a, u32 b, const u64 *key, const u8 *names, const u32 *start) {
  u64 ka = key[a];
  u64 kb = key[b];
  if (ka != kb) return ka < kb;
  if ((ka & 0xff) == 0) return 0;
  return cmp(names + start[a] + 8, names + start[b] + 8) < 0;
}

/* Stable merge sort of indices by name (bottom-up, between `v` and `tmp`); returns the array that holds the result. */
static u32 *sort(u32 *v, u32 *tmp, u32 n, const u64 *key, const u8 *names, const u32 *start) {
  for (u32 width = 1; width < n; width *= 2) {
    for (u32 lo = 0; lo < n; lo += 2 * width) {
      u32 mid = lo + width < n ? lo + width : n;
      u32 hi = lo + 2 * width < n ? lo + 2 * width : n;
      u32 i = lo, j = mid, k = lo;
      while (i < mid && j < hi) tmp[k++] = before(v[j], v[i], key, names, start) ? v[j++] : v[i++];
      while (i < mid) tmp[k++] = v[i++];
      while (j < hi) tmp[k++] = v[j++];
    }
    u32 *t = v;
    v = tmp;
    tmp = t;
  }
  return v;
}

static u8 *copy(u8 *p, const u8 *s, u32 len) {
  for (u32 i = 0; i < len; i++) p[i] = s[i];
  return p + len;
}

/* A NUL-terminated name with its terminator. */
static u8 *name(u8 *p, const u8 *s) {
  do *p++ = *s; while (*s++ != 0);
  return p;
}

static u8 *impName(u8 *p, const u8 *s) {
  p[0] = '_'; p[1] = '_'; p[2] = 'i'; p[3] = 'm'; p[4] = 'p'; p[5] = '_';
  return name(p + 6, s);
}

/* A text field: `s` (NUL-terminated) then spaces up to `width`. */
static u8 *field(u8 *p, const char *s, u32 len, u32 width) {
  u32 i = 0;
  for (; i < len && s[i] != 0; i++) p[i] = (u8)s[i];
  for (; i < width; i++) p[i] = ' ';
  return p + width;
}

/* The 60-byte member header: name field (`nameField`, 16 bytes), date/uid/gid 0, mode, size, "`\n". */
static u8 *header(u8 *p, const u8 *nameField, const char *mode, u32 size) {
  p = copy(p, nameField, 16);
  p = field(p, "0", 1, 12);
  p = field(p, "0", 1, 6);
  p = field(p, "0", 1, 6);
  p = field(p, mode, 8, 8);
  char digits[10];
  u32 nd = 0;
  do {
    digits[nd++] = (char)('0' + size % 10);
    size /= 10;
  } while (size != 0);
  for (u32 i = 0; i < 10; i++) p[i] = i < nd ? (u8)digits[nd - 1 - i] : ' ';
  p[10] = '`';
  p[11] = '\n';
  return p + 12;
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

/* .def attribute bits (src/formats/def/plain-scan.ts: PLAIN_*). */
#define PLAIN_NONAME 1
#define PLAIN_PRIVATE 2
#define PLAIN_DATA 4
#define PLAIN_CONSTANT 8

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
  if (start == 0 || order0 == 0 || tmp == 0 || imp == 0 || sortedImp == 0 || typeOf == 0 || plainOf == 0 || headSym == 0) return -5;

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
  if (key == 0) return -5;
  for (u32 i = 0; i < count; i++) {
    order0[i] = i;
    key[i] = keyOf(names + start[i]);
  }
  const u32 *order = sort(order0, tmp, count, key, names, start);
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
    while (*hs++ != 0) nameBytes++;
    nameBytes++;
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
    copy(memberField, dll, dllLen);
    memberField[dllLen] = '/';
    for (u32 i = dllLen + 1; i < 16; i++) memberField[i] = ' ';
  }
  u8 linkerField[16];
  field(linkerField, "/", 1, 16);
  u8 longField[16];
  field(longField, "//", 2, 16);

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
  u8 *out = (u8 *)take(off);
  /* The descriptors' symbols in byte order (ties in symbol order), and the plain symbols merged with them. */
  u32 *spec = (u32 *)take(4 * (h + 1));
  const u8 **mergedName = (const u8 **)take(4 * (nplain + h + 1));
  u32 *mergedMember = (u32 *)take(4 * (nplain + h + 1));
  if (out == 0 || spec == 0 || mergedName == 0 || mergedMember == 0) return -5;
  outAt = (u32)out;

  /* Magic and the first linker member. */
  u8 *p = copy(out, (const u8 *)"!<arch>\n", 8);
  p = header(p, linkerField, "0", firstSize);
  be32(p, nsym);
  p += 4;
  u8 *names1 = p + 4 * nsym;
  for (u32 m = 0; m < h; m++) {
    be32(p, memberOffset[m]);
    p += 4;
    names1 = name(names1, headSym[m]);
  }
  for (u32 x = 0; x < n; x++) {
    u32 i = imp[x];
    const u8 *s = names + start[i];
    be32(p, memberOffset[h + x]);
    p += 4;
    names1 = impName(names1, s);
    if (plainOf[i]) {
      be32(p, memberOffset[h + x]);
      p += 4;
      names1 = name(names1, s);
    }
  }
  p = names1;
  if (firstSize & 1) *p++ = 0;

  /* The second linker member. */
  p = header(p, linkerField, "0", secondSize);
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
      mergedMember[np++] = spec[sp++];
    }
    mergedName[np] = s;
    mergedMember[np++] = memberOf[i];
  }
  for (; sp < h; sp++) {
    mergedName[np] = headSym[spec[sp]];
    mergedMember[np++] = spec[sp];
  }
  /* The __imp_ symbols are one block among the plain ones, unless a plain one starts with __imp_. */
  u32 cut = 0;
  while (cut < np && cmp(mergedName[cut], (const u8 *)"__imp_") < 0) cut++;
  if (cut < np && startsWithImp(mergedName[cut])) return -2;
  u8 *names2 = p + 2 * nsym;
  for (u32 a = 0; a < cut; a++, p += 2) {
    le16(p, mergedMember[a] + 1);
    names2 = name(names2, mergedName[a]);
  }
  for (u32 y = 0; y < n; y++, p += 2) {
    u32 i = sortedImp[y];
    le16(p, memberOf[i] + 1);
    names2 = impName(names2, names + start[i]);
  }
  for (u32 a = cut; a < np; a++, p += 2) {
    le16(p, mergedMember[a] + 1);
    names2 = name(names2, mergedName[a]);
  }
  p = names2;
  if (secondSize & 1) *p++ = 0;

  /* Longnames, the descriptor objects, the short imports. */
  p = header(p, longField, "0", longLen);
  if (longNamed) {
    p = copy(p, dll, dllLen);
    *p++ = 0;
    if (longLen & 1) *p++ = '\n';
  }
  const u8 *data = headData;
  for (u32 m = 0; m < h; m++) {
    p = header(p, memberField, "644", headLen[m]);
    p = copy(p, data, headLen[m]);
    data += headLen[m];
    if (headLen[m] & 1) *p++ = '\n';
  }
  for (u32 x = 0; x < n; x++) {
    u32 i = imp[x];
    u32 len = start[i + 1] - start[i];
    u32 size = fixed + len;
    p = header(p, memberField, "644", size);
    p[0] = 0; p[1] = 0; p[2] = 0xff; p[3] = 0xff; p[4] = 0; p[5] = 0;
    le16(p + 6, machine);
    le32(p + 8, 0);
    le32(p + 12, size - 20);
    le16(p + 16, ord[i]);
    le16(p + 18, typeOf[i]);
    p = copy(p + 20, names + start[i], len);
    p = copy(p, dll, dllLen);
    *p++ = 0;
    if (size & 1) *p++ = '\n';
  }
  if ((u32)(p - out) != off) return -5;
  return (int)off;
}
