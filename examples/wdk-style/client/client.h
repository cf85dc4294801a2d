/* client.h: shared by client.c and report.c. */
#ifndef CLIENT_H
#define CLIENT_H
#include <ntddk.h>
#include "..\Common\VmLib.h"

VOID ClientReport(int Sum, ULONG Version);
extern int ClientLastSum;
#endif
