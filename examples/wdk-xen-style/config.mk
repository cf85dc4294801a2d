# Settings every sources file reads with `include ..\config.mk` (build.exe's spelling of !include).
BUILDDIR=build
TARGETPATH=$(TOPDIR)\$(BUILDDIR)
INCLUDES=$(DDK_INC_PATH);$(TOPDIR)\inc

# The WDK puts an x86 build's binaries in BUILDDIR\i386, others in BUILDDIR\amd64.
!if "$(_BUILDARCH)" == "x86"
TARGETPATH_ARCH=$(TOPDIR)\$(BUILDDIR)\i386
!else
TARGETPATH_ARCH=$(TOPDIR)\$(BUILDDIR)\amd64
!endif

MSC_WARNING_LEVEL=/W4 /WX /wd4127
C_DEFINES=-DNTSTRSAFE_LIB
