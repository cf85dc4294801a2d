/*
 * The Kernel Security Support Provider routines of ntifs.h that mingw-w64's copy lacks (its
 * libksecdd.a exports them): SecLookupAccountSid, SecLookupAccountName, SecLookupWellKnownSid,
 * declared as Microsoft Learn writes them (ntifs.h; KSECDDDECLSPEC = dllimport, SEC_ENTRY =
 * __stdcall). Link with $(DDK_LIB_PATH)\ksecdd.lib. KMDLL_NO_KSECDD_SHIM turns it off.
 */
#ifndef KMDLL_KSECDD_H
#define KMDLL_KSECDD_H
#if !defined(KMDLL_NO_KSECDD_SHIM)
__declspec(dllimport) NTSTATUS __stdcall SecLookupAccountSid(PSID Sid, PULONG NameSize, PUNICODE_STRING NameBuffer,
    PULONG DomainSize, PUNICODE_STRING DomainBuffer, PSID_NAME_USE NameUse);
__declspec(dllimport) NTSTATUS __stdcall SecLookupAccountName(PUNICODE_STRING Name, PULONG SidSize, PSID Sid,
    PSID_NAME_USE NameUse, PULONG DomainSize, PUNICODE_STRING ReferencedDomain);
#endif
#endif
