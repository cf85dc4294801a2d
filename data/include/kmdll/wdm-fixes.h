/*
 * Two gaps of mingw-w64's wdm.h that WDK code runs into (OpenXT's xenutil):
 *  - KeInitializeCallbackRecord(r) expands to `r->State = BufferEmpty`, without parentheses around
 *    the argument, so `KeInitializeCallbackRecord(&Record)` does not compile (`&Record->State`).
 *    The WDK's macro parenthesizes it; so does this one.
 *  - KEY_NAME_INFORMATION, what ZwQueryKey returns for KeyNameInformation (the enumerator is in
 *    mingw-w64's KEY_INFORMATION_CLASS, the structure is not): ULONG NameLength (bytes) and the
 *    key's full name (WDK wdm.h; "KEY_NAME_INFORMATION structure", Microsoft Learn).
 *  - ReadTimeStampCounter() and InterlockedCompareExchange16, which the WDK's wdm.h defines as
 *    the compiler intrinsics __rdtsc and _InterlockedCompareExchange16 (x86 and x64).
 */
#ifndef KMDLL_WDM_FIXES_H
#define KMDLL_WDM_FIXES_H
#undef KeInitializeCallbackRecord
#define KeInitializeCallbackRecord(CallbackRecord) (CallbackRecord)->State = BufferEmpty
#ifndef KMDLL_NO_KEY_NAME_INFORMATION
typedef struct _KEY_NAME_INFORMATION {
  ULONG NameLength;
  WCHAR Name[1];
} KEY_NAME_INFORMATION, *PKEY_NAME_INFORMATION;
#endif
#if defined(__x86_64__) || defined(__i386__)
#ifndef ReadTimeStampCounter
#define ReadTimeStampCounter() __rdtsc()
#endif
#ifndef InterlockedCompareExchange16
#define InterlockedCompareExchange16 _InterlockedCompareExchange16
#endif
#endif
#endif
