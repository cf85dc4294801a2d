/*
 * PROCESSINFOCLASS values newer than mingw-w64's enumeration, which stops at
 * ProcessWindowInformation (50, MaxProcessInfoClass = 51). The WDK 10 ntddk.h goes on; the values
 * kernel code passes to ZwQueryInformationProcess are given here as constants of the enum type
 * (an enumeration cannot be extended). Numbers: the WDK's ntddk.h order, as the public phnt
 * headers (ntpsapi.h) annotate it ("ProcessCommandLineInformation, // q: UNICODE_STRING // 60").
 */
#ifndef KMDLL_PROCESS_INFO_H
#define KMDLL_PROCESS_INFO_H
#if !defined(KMDLL_NO_PROCESS_INFO_SHIM) && (defined(_NTDDK_) || defined(_NTIFS_))
#define ProcessHandleInformation      ((PROCESSINFOCLASS)51)
#define ProcessMitigationPolicy       ((PROCESSINFOCLASS)52)
#define ProcessCommandLineInformation ((PROCESSINFOCLASS)60)
#define ProcessProtectionInformation  ((PROCESSINFOCLASS)61)
#endif
#endif
