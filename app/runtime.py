"""Process settings for the threads and processes that train and draw.

one_blas_thread(): small matrix products run faster without BLAS's thread
hand-off (bench/engine.py measures it).

keep_freed_memory(): stop glibc handing freed memory back to the kernel.
Why: a training step of the default network makes about thirty NumPy arrays
of 50–250 KB and frees them again. glibc serves blocks over its mmap
threshold (128 KB, raised only as blocks are freed) with a fresh mmap, and
returns the free top of the heap to the kernel once it passes the trim
threshold, so every step faults its pages in again: 58 page faults a step
here, each one expensive under a hypervisor. Keeping freed memory in the
heap makes a step about a third faster and a frame about twice as fast
(bench/memory.py measures both side by side). The cost is memory that stays
with the process after a peak: at most about TRIM_THRESHOLD of free heap is
kept per arena.
"""
from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 32 * 1024 * 1024   # glibc's largest: blocks above it still get their own mmap
TRIM_THRESHOLD = 256 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Set glibc's thresholds for this process; False where there is no glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def one_blas_thread():
    """Limit BLAS to one thread in this process (threadpoolctl)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def trim_freed_memory() -> bool:
    """Give the free memory of every malloc arena back to the kernel now (glibc's
    malloc_trim(0)); False where there is no glibc. keep_freed_memory() keeps what
    training frees, on purpose; a burst of large REST answers is not repeated work,
    so what it freed is handed back once the burst is over."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        malloc_trim = libc.malloc_trim
    except (OSError, AttributeError):
        return False
    malloc_trim.argtypes = (ctypes.c_size_t,)
    return bool(malloc_trim(0))
