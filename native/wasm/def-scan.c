/*
 * The one-pass scanner of the plain .def form, as WebAssembly: the same decisions as
 * src/formats/def/plain-scan.ts (scanPlainDef), which stays the definition — every rule here is
 * one of its rules, in its order; test/implib-wasm.test.ts runs both over the implib tests' plain
 * files, token soups and mutations and compares what they accept. A file is taken only when the
 * full parser reads the same exports from it with no diagnostic; anything else gives -1 and the
 * caller takes the parser's road. Then `scanned_archive` writes the library of what was scanned
 * with archive() (implib.c), so the names never become JavaScript strings.
 */
#include "implib.h"

/* What the last scan read: per export its name (offset and length in the text), ordinal and attribute bits; the LIBRARY name. */
static u32 *nameAt;
static u32 *nameLen;
static u16 *ordinals;
static u8 *flags;
static u32 count;
static u32 privates;
static u32 libraryAt;
static u32 libraryLen;
static const u8 *text;

__attribute__((export_name("library_at"))) u32 library_at(void) { return libraryAt; }
__attribute__((export_name("library_len"))) u32 library_len(void) { return libraryLen; }
__attribute__((export_name("privates"))) u32 private_count(void) { return privates; }
__attribute__((export_name("flags_at"))) u32 flags_at(void) { return (u32)flags; }
__attribute__((export_name("names_at"))) u32 names_at(void) { return (u32)nameAt; }
__attribute__((export_name("lengths_at"))) u32 lengths_at(void) { return (u32)nameLen; }

/* Per byte: 1 when it ends a token (whitespace and controls, =, ;, comma, quote); 2 when the plain form never has it (controls but tab, CR and LF; above 0x7e). */
static u8 kind[256];
static int stop(u8 c) { return kind[c] & 1; }

static void kinds(void) {
  for (u32 c = 0; c < 256; c++) kind[c] = (u8)((c <= 0x20 || c == '=' || c == ';' || c == ',' || c == '"' ? 1 : 0) | ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c > 0x7e ? 2 : 0));
}

static int equals(const u8 *s, u32 len, const char *word) {
  u32 i = 0;
  for (; i < len; i++)
    if (word[i] == 0 || (u8)word[i] != s[i]) return 0;
  return word[i] == 0;
}

static int equalsIgnoreCase(const u8 *s, u32 len, const char *word) {
  u32 i = 0;
  for (; i < len; i++) {
    u8 c = s[i];
    if (c >= 'a' && c <= 'z') c -= 32;
    if (word[i] == 0 || (u8)word[i] != c) return 0;
  }
  return word[i] == 0;
}

static const char *const DIRECTIVES[] = {"LIBRARY", "NAME", "EXPORTS", "HEAPSIZE", "STACKSIZE", "VERSION", "SECTIONS", "SEGMENTS", "DESCRIPTION", "STUB", 0};
static const char *const ATTRIBUTES[] = {"NONAME", "PRIVATE", "DATA", "CONSTANT", "EXPORTAS", "BASE", 0};

/* lexer.ts's KEYWORDS: the directives and the attributes. */
static int keyword(const u8 *s, u32 len) {
  for (u32 k = 0; DIRECTIVES[k] != 0; k++)
    if (equals(s, len, DIRECTIVES[k])) return 1;
  for (u32 k = 0; ATTRIBUTES[k] != 0; k++)
    if (equals(s, len, ATTRIBUTES[k])) return 1;
  return 0;
}

/* A directive in any case (the parser warns about such names). */
static int likeDirective(const u8 *s, u32 len) {
  for (u32 k = 0; DIRECTIVES[k] != 0; k++)
    if (equalsIgnoreCase(s, len, DIRECTIVES[k])) return 1;
  return 0;
}

/* plain-scan.ts's HAS_EXTENSION, /\.[^.\\/]*$/. */
static int hasExtension(const u8 *s, u32 len) {
  for (u32 i = len; i > 0; i--) {
    u8 c = s[i - 1];
    if (c == '.') return 1;
    if (c == '\\' || c == '/') return 0;
  }
  return 0;
}

/* The checks the parser makes when an export ends (0: it would report something). */
static int finish(u32 e) {
  u32 f = flags[e];
  if ((f & PLAIN_DATA) && (f & PLAIN_CONSTANT)) return 0;
  if ((f & PLAIN_NONAME) && ordinals[e] == 0) return 0;
  const u8 *s = text + nameAt[e];
  if ((equals(s, nameLen[e], "DllInitialize") || equals(s, nameLen[e], "DllUnload")) && !(f & PLAIN_PRIVATE)) return 0;
  return 1;
}

static u32 lineEnd(const u8 *t, u32 i, u32 n) {
  while (i < n && t[i] != '\n') i++;
  return i;
}

/** Scan `n` bytes at `t` (with 8 readable bytes after them): the number of exports, or -1 when the file is not in the plain form (or -5: out of memory). */
__attribute__((export_name("scan"))) int scan(const u8 *t, u32 n) {
  text = t;
  if (kind[0] == 0) kinds();
  for (u32 i = 0; i < n; i++)
    if (kind[t[i]] & 2) return -1;
  u32 cap = (n >> 1) + 1;
  nameAt = (u32 *)take(4 * cap);
  nameLen = (u32 *)take(4 * cap);
  ordinals = (u16 *)take(2 * cap);
  flags = (u8 *)take(cap);
  u8 *usedOrdinal = (u8 *)take(65536);
  if (nameAt == 0 || nameLen == 0 || ordinals == 0 || flags == 0 || usedOrdinal == 0) return -5;
  int haveLibrary = 0;
  int inExports = 0;
  u32 line = 1;
  int cur = -1;
  u32 curLine = 0;
  int afterName = 0;
  int afterOrdinal = 0;
  u32 i = 0;
  count = 0;
  privates = 0;
  for (;;) {
    /* Whitespace and comments. */
    while (i < n) {
      u8 c = t[i];
      if (c == '\n') {
        line++;
        i++;
      } else if (c == ' ' || c == '\t' || c == '\r') i++;
      else if (c == ';') i = lineEnd(t, i, n);
      else break;
    }
    if (i >= n) break;
    u32 start = i;
    u8 first = t[i];
    if (first == '"' || first == ',') return -1;
    if (first == '=') {
      /* `=internal` or `=module.name` right after the export's name (`==` is not plain). */
      if (!afterName || (i + 1 < n && t[i + 1] == '=')) return -1;
      afterName = 0;
      i++;
      while (i < n) {
        u8 c = t[i];
        if (c == '\n') {
          line++;
          i++;
        } else if (c == ' ' || c == '\t' || c == '\r') i++;
        else break;
      }
      u32 ws = i;
      while (i < n && !stop(t[i])) i++;
      if (i == ws || (i < n && (t[i] == '"' || t[i] == ','))) return -1;
      u32 len = i - ws;
      if (keyword(t + ws, len)) return -1;
      u32 dot = 0;
      while (dot < len && t[ws + dot] != '.') dot++;
      /* A forwarder needs a module and a name; `module.#N` is left to the parser. */
      if (dot < len && (dot == 0 || dot == len - 1 || t[ws + dot + 1] == '#')) return -1;
      curLine = line;
      continue;
    }
    while (i < n && !stop(t[i])) i++;
    u32 len = i - start;
    u8 c0 = first;
    afterName = 0;
    if (c0 == '@' && len > 1 && t[start + 1] >= '0' && t[start + 1] <= '9') {
      /* @ordinal: decimal 1..65535, once per export, unique. */
      if (cur < 0 || ordinals[cur] != 0 || len > 6) return -1;
      u32 v = 0;
      for (u32 k = start + 1; k < i; k++) {
        if (t[k] < '0' || t[k] > '9') return -1;
        v = v * 10 + (t[k] - '0');
      }
      if (v < 1 || v > 65535 || usedOrdinal[v]) return -1;
      usedOrdinal[v] = 1;
      ordinals[cur] = (u16)v;
      curLine = line;
      afterOrdinal = 1;
      continue;
    }
    int wasAfterOrdinal = afterOrdinal;
    afterOrdinal = 0;
    u8 last = t[i - 1];
    if (c0 >= 'A' && c0 <= 'Z' && last >= 'A' && last <= 'Z' && len >= 4 && len <= 11 && keyword(t + start, len)) {
      const u8 *w = t + start;
      u32 bit = 0;
      if (equals(w, len, "EXPORTS")) {
        if (!haveLibrary) return -1;
        inExports = 1;
        continue;
      } else if (equals(w, len, "LIBRARY")) {
        if (haveLibrary || inExports) return -1;
        /* The name: the next word, on the same line, with an extension. */
        while (i < n && (t[i] == ' ' || t[i] == '\t')) i++;
        if (i < n && t[i] == '"') {
          /* A quoted name: closed on the same line. */
          u32 close = i + 1;
          while (close < n && t[close] != '"') close++;
          u32 eol = lineEnd(t, i + 1, n);
          if (close >= n || eol < close) return -1;
          libraryAt = i + 1;
          libraryLen = close - (i + 1);
          i = close + 1;
        } else {
          u32 ns = i;
          while (i < n && !stop(t[i])) i++;
          libraryAt = ns;
          libraryLen = i - ns;
          if (keyword(t + ns, libraryLen)) return -1;
        }
        haveLibrary = 1;
        if (i < n && (t[i] == '"' || t[i] == ',')) return -1;
        if (libraryLen == 0 || !hasExtension(t + libraryAt, libraryLen)) return -1;
        continue;
      } else if (equals(w, len, "NONAME")) {
        if (!wasAfterOrdinal) return -1;
        bit = PLAIN_NONAME;
      } else if (equals(w, len, "PRIVATE")) bit = PLAIN_PRIVATE;
      else if (equals(w, len, "DATA")) bit = PLAIN_DATA;
      else if (equals(w, len, "CONSTANT")) bit = PLAIN_CONSTANT;
      else return -1;
      if (cur < 0) return -1;
      if (flags[cur] & bit) return -1;
      flags[cur] |= (u8)bit;
      curLine = line;
      continue;
    }
    /* An export's name. */
    if (!inExports || (cur >= 0 && curLine == line) || (c0 == '@' && len == 1)) return -1;
    if (cur >= 0 && !finish((u32)cur)) return -1;
    /* Names like a directive in another case get a warning. */
    if (likeDirective(t + start, len)) return -1;
    cur = (int)count;
    nameAt[count] = start;
    nameLen[count++] = len;
    curLine = line;
    afterName = 1;
  }
  if (!haveLibrary || (cur >= 0 && !finish((u32)cur))) return -1;
  for (u32 e = 0; e < count; e++) privates += (flags[e] & PLAIN_PRIVATE) != 0;
  return (int)count;
}

/**
 * The archive of what scan() read (archive()'s answer: its size, or a negative reason), with the
 * descriptor objects and DLL name archive() takes.
 */
__attribute__((export_name("scanned_archive"))) int scanned_archive(u32 h, const u8 *headSyms, const u8 *headData, const u32 *headLen, const u8 *dll, u32 dllLen, u32 machine) {
  u32 bytes = 0;
  for (u32 e = 0; e < count; e++) bytes += nameLen[e] + 1;
  u8 *names = (u8 *)take(bytes + 8);
  if (names == 0) return -5;
  u8 *p = names;
  /* 8 bytes at a time, front to back (the bytes past each name are written again by the next; the text and this buffer have 8 spare bytes). */
  for (u32 e = 0; e < count; e++) {
    const u8 *s = text + nameAt[e];
    u32 len = nameLen[e];
    for (u32 k = 0; k < len; k += 8) {
      u64 v;
      __builtin_memcpy(&v, s + k, 8);
      __builtin_memcpy(p + k, &v, 8);
    }
    p += len;
    *p++ = 0;
  }
  return archive(count, names, bytes, flags, 0, 0, ordinals, h, headSyms, headData, headLen, dll, dllLen, machine);
}
