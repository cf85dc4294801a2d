/* vmlib.h: the routines vmlib.sys exports, for its importers. */
#ifndef VMLIB_H
#define VMLIB_H

#ifdef VMLIB_EXPORTS
#define VMLIBAPI __declspec(dllexport)
#else
#define VMLIBAPI DECLSPEC_IMPORT
#endif

EXTERN_C VMLIBAPI int VmlibAdd(int a, int b);
EXTERN_C VMLIBAPI ULONG VmlibVersion(void);

#define VMLIB_VERSION 0x00010002

#endif
