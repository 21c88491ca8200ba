// What the running process's memory is made of, for `civhubctl status`.
#ifndef CIVHUB_NODE_SERVER_PROCESS_MEMORY_H_
#define CIVHUB_NODE_SERVER_PROCESS_MEMORY_H_

#include "civhub/v1/admin.pb.h"

namespace civhub::server {

// Resident set size (from /proc/self/status) and the allocator's view
// (glibc's mallinfo2). store_cache_bytes is left for the caller.
v1::MemoryUsage ReadProcessMemory();

}  // namespace civhub::server

#endif  // CIVHUB_NODE_SERVER_PROCESS_MEMORY_H_
