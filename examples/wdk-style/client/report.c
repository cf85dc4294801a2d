/* report.c */
#include "client.h"

VOID ClientReport(int Sum, ULONG Version)
{
    DbgPrint("vmclient: VmlibAdd(40, 2) = %d, vmlib version %08lx (%s)\n", Sum, Version, VMLIB_ARCH_NAME);
}
