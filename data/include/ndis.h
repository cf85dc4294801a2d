/*
 * kmdll compatibility layer over mingw-w64's <ndis.h> (see docs/build.md, "Compatibility
 * headers"). mingw-w64's ndis.h does not compile: it defines `enum _NDIS_REQUEST_TYPE`
 * (NDIS_REQUEST_TYPE, NdisRequestQueryInformation, ...) again after ntddndis.h, which it
 * includes, defined it with the same enumerators. Here ntddndis.h is read first (after what
 * ndis.h reads before it), and ndis.h's second copy gets private names; code sees ntddndis.h's,
 * whose values are the same, so NDIS_REQUEST.RequestType and the prototypes take them unchanged.
 * Also: its NdisMWanIndicateReceiveComplete prototype lacks the comma between its two parameters;
 * a macro of that name (for the length of the header) writes the declaration as the WDK does.
 */
#ifndef KMDLL_COMPAT_NDIS_H
#define KMDLL_COMPAT_NDIS_H
#ifndef NDIS_WDM
#define NDIS_WDM 0
#endif
#include <ntddk.h>
#include <netpnp.h>
#include <ntstatus.h>
#include <netevent.h>
#include <qos.h>
typedef int NDIS_STATUS, *PNDIS_STATUS;
#include <ntddndis.h>
#define NdisRequestQueryInformation kmdll_ndis_h_NdisRequestQueryInformation
#define NdisRequestSetInformation kmdll_ndis_h_NdisRequestSetInformation
#define NdisRequestQueryStatistics kmdll_ndis_h_NdisRequestQueryStatistics
#define NdisRequestOpen kmdll_ndis_h_NdisRequestOpen
#define NdisRequestClose kmdll_ndis_h_NdisRequestClose
#define NdisRequestSend kmdll_ndis_h_NdisRequestSend
#define NdisRequestTransferData kmdll_ndis_h_NdisRequestTransferData
#define NdisRequestReset kmdll_ndis_h_NdisRequestReset
#define NdisRequestGeneric1 kmdll_ndis_h_NdisRequestGeneric1
#define NdisRequestGeneric2 kmdll_ndis_h_NdisRequestGeneric2
#define NdisRequestGeneric3 kmdll_ndis_h_NdisRequestGeneric3
#define NdisRequestGeneric4 kmdll_ndis_h_NdisRequestGeneric4
#define NdisRequestMethod kmdll_ndis_h_NdisRequestMethod
#define _NDIS_REQUEST_TYPE kmdll_ndis_h__NDIS_REQUEST_TYPE
#define NDIS_REQUEST_TYPE kmdll_ndis_h_NDIS_REQUEST_TYPE
#define PNDIS_REQUEST_TYPE kmdll_ndis_h_PNDIS_REQUEST_TYPE
#define NdisMWanIndicateReceiveComplete(params) NdisMWanIndicateReceiveComplete(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE NdisLinkContext)
#include_next <ndis.h>
#undef NdisMWanIndicateReceiveComplete
#undef NdisRequestQueryInformation
#undef NdisRequestSetInformation
#undef NdisRequestQueryStatistics
#undef NdisRequestOpen
#undef NdisRequestClose
#undef NdisRequestSend
#undef NdisRequestTransferData
#undef NdisRequestReset
#undef NdisRequestGeneric1
#undef NdisRequestGeneric2
#undef NdisRequestGeneric3
#undef NdisRequestGeneric4
#undef NdisRequestMethod
#undef _NDIS_REQUEST_TYPE
#undef NDIS_REQUEST_TYPE
#undef PNDIS_REQUEST_TYPE
#endif
