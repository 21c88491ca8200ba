// What the running process's memory is made of, for `civhubctl status`.
#ifndef CIVHUB_SERVER_PROCESS_MEMORY_H_
#define CIVHUB_SERVER_PROCESS_MEMORY_H_

#include "civhub/v1/admin.pb.h"

namespace civhub::server {

// Resident set size (from /proc/self/status) and the allocator's view
// (glibc's mallinfo2). store_cache_bytes is left for the caller.
v1::MemoryUsage ReadProcessMemory();

// Caps glibc's malloc arenas at one per core (at least 2) instead of its
// default of eight per core. Each arena keeps the memory freed into it for
// its own reuse, so with many of them the memory held grows well past the
// memory in use (docs/reliability.md, "Where the memory goes"). Leaves the
// allocator alone if the operator set MALLOC_ARENA_MAX or a
// glibc.malloc.arena_max tunable. Call first thing in main(), before any
// thread starts. Returns the cap set; 0 if it set none.
int LimitMallocArenas();

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_PROCESS_MEMORY_H_
