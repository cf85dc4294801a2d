/*
 * <bthddi.h>: mingw-w64 has no Bluetooth DDI header. Only the Bluetooth request block header
 * every BRB starts with, as Microsoft Learn declares it ("BRB_HEADER structure (bthddi.h)"; the
 * array sizes are the WDK's BTHPORT_CONTEXT_SIZE 4 and BTHPORT_RESERVED_FIELD_SIZE 2: 0x70 bytes
 * on x64), for code that reads a BRB's Length or Type; the BRB bodies, the BRB_TYPE values and the
 * profile-driver interfaces are not declared (such code stops at the first one it needs).
 */
#ifndef KMDLL_BTHDDI_H
#define KMDLL_BTHDDI_H
#include <bthdef.h>
#define BTHPORT_CONTEXT_SIZE 4
#define BTHPORT_RESERVED_FIELD_SIZE 2
typedef struct _BRB_HEADER {
    LIST_ENTRY ListEntry;
    ULONG Length;
    USHORT Version;
    USHORT Type;
    ULONG BthportFlags;
    NTSTATUS Status;
    BTHSTATUS BtStatus;
    PVOID Context[BTHPORT_CONTEXT_SIZE];
    PVOID ClientContext[BTHPORT_CONTEXT_SIZE];
    ULONG Reserved[BTHPORT_RESERVED_FIELD_SIZE];
} BRB_HEADER, *PBRB_HEADER;
#endif
