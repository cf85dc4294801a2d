/*
 * KeMemoryBarrier / KeMemoryBarrierWithoutFence: mingw-w64's wdm.h defines KeMemoryBarrier only
 * in its x86 section. On x64 the WDK makes it a full fence (FastFence: a locked or on the stack)
 * and KeMemoryBarrierWithoutFence a compiler barrier (_ReadWriteBarrier).
 */
#ifndef KMDLL_MEMORY_BARRIER_H
#define KMDLL_MEMORY_BARRIER_H
#if defined(_M_AMD64) || defined(__x86_64__)
#ifndef KeMemoryBarrier
#define KeMemoryBarrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#endif
#ifndef KeMemoryBarrierWithoutFence
#define KeMemoryBarrierWithoutFence() __asm__ __volatile__("" ::: "memory")
#endif
#endif
