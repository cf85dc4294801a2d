/*
 * fwdshim.h — the interface of fwdshim.sys, a compatibility shim: it keeps an old export name
 * (ShimDouble) alive by forwarding it to the driver that now implements it (chainc.sys!ChainC),
 * and adds one routine of its own.
 */
#pragma once
#include <ntddk.h>

#ifdef FWDSHIM_EXPORTS
#define FWDSHIM_API
#else
#define FWDSHIM_API DECLSPEC_IMPORT
#endif

EXTERN_C FWDSHIM_API int NTAPI ShimDouble(int x);   /* forwarded: chainc.ChainC */
EXTERN_C FWDSHIM_API int NTAPI ShimVersion(void);
