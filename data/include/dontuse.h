/*
 * The WDK's dontuse.h marks string routines it wants replaced by ntstrsafe.h's as deprecated
 * (#pragma deprecated); mingw-w64 has no such header. It changes no code, only warnings: kmdll's
 * is empty, so the many WDK samples that include it build (general/event, general/cancel).
 */
#ifndef KMDLL_DONTUSE_H
#define KMDLL_DONTUSE_H
#endif
