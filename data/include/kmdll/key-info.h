/*
 * KEY_CACHED_INFORMATION: mingw-w64's wdm.h has KeyCachedInformation in KEY_INFORMATION_CLASS but
 * not the structure ZwQueryKey returns for it. Layout from Microsoft Learn, "KEY_CACHED_INFORMATION
 * structure (wdm.h)". Registry filters (IRPMon's kbase) adjust its value counts in post-callbacks.
 */
#ifndef KMDLL_KEY_INFO_H
#define KMDLL_KEY_INFO_H
#if !defined(KMDLL_NO_KEY_INFO_SHIM)
typedef struct _KEY_CACHED_INFORMATION {
    LARGE_INTEGER LastWriteTime;
    ULONG TitleIndex;
    ULONG SubKeys;
    ULONG MaxNameLen;
    ULONG Values;
    ULONG MaxValueNameLen;
    ULONG MaxValueDataLen;
    ULONG NameLength;
} KEY_CACHED_INFORMATION, *PKEY_CACHED_INFORMATION;
#endif
#endif
