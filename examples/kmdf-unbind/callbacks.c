/* kmdfunbd: the callbacks that show WdfVersionUnbind deleting the WDFDRIVER. */
#include "kmdfunbd.h"

VOID KmdfUnbdDriverCleanup(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    DbgPrint("kmdfunbd: driver cleanup\n");
}

VOID KmdfUnbdDriverDestroy(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    DbgPrint("kmdfunbd: driver destroy\n");
}

VOID KmdfUnbdCollectionCleanup(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    DbgPrint("kmdfunbd: collection cleanup\n");
}

VOID KmdfUnbdCollectionDestroy(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    DbgPrint("kmdfunbd: collection destroy\n");
}

VOID KmdfUnbdKeyCleanup(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    DbgPrint("kmdfunbd: parameters key cleanup\n");
}
