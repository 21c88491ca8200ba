// civhubctl: administers a civhub hub through its unix socket.
#include <iostream>

#include "admin-cli/ctl.h"

// jemalloc's options (CMakeLists.txt, civhub_use_jemalloc), read when it
// starts: transparent huge pages for the heap and jemalloc's own metadata.
// An HSDS import of 100,000 organizations holds its rows and records in
// ~500 MB, and with 4 KB pages a third of civhubctl's CPU went to page
// faults and TLB misses (docs/performance.md, "HSDS import"). The
// MALLOC_CONF environment variable still overrides it. Unused without
// jemalloc (sanitizer builds).
extern "C" {
// NOLINTNEXTLINE: the name jemalloc looks for.
const char* malloc_conf = "thp:always,metadata_thp:always";
}

int main(int argc, char** argv) {
  return civhub::ctl::RunCtl(argc, argv, std::cout, std::cerr);
}
