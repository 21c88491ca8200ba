// Fuzz targets feed malformed protobufs on purpose: protobuf's log lines
// about them (invalid UTF-8 in string fields) would drown libFuzzer's.
#ifndef CIVHUB_TESTS_FUZZ_QUIET_H_
#define CIVHUB_TESTS_FUZZ_QUIET_H_

#include "google/protobuf/stubs/logging.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

#endif  // CIVHUB_TESTS_FUZZ_QUIET_H_
