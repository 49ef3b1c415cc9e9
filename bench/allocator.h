// The process's memory allocator: tuned once at start-up, and described for the provenance.
//
// glibc's malloc serves every block above its mmap threshold (128 KiB, rising only as far as a
// freed block's size) with a fresh mmap and returns it to the kernel on free; memory at the top of
// the heap beyond the trim threshold goes back too. A training step frees and reallocates the same
// large tensors (activations, gradients, batch copies) every step, so each step page-faults them
// in again: CLIF on yeast spent 5 of its 20 CPU-minutes in the kernel. tune_allocator() raises both
// thresholds with mallopt (mmap: glibc's ceiling of 32 MiB; trim: 1 GiB), so freed blocks stay in
// the heap and are reused. Measured against jemalloc and tcmalloc (LD_PRELOAD) in the README's
// "Allocator" table; the tuned glibc was kept: as fast, and no extra library.
//
// A process that runs under another allocator (LD_PRELOAD=libjemalloc.so.2, ...) is left alone;
// D2ACE_MALLOC=default skips the tuning (for measuring what it buys).
#pragma once

#include <string>

namespace d2ace {

// Call first thing in main(), before any large allocation. Idempotent.
void tune_allocator();

// "glibc (tuned: mmap_threshold=33554432, trim_threshold=1073741824)", "glibc (default)",
// "jemalloc (/usr/lib/.../libjemalloc.so.2)", "tcmalloc (...)".
std::string allocator_description();

}  // namespace d2ace
