// Fuzz target: civhubctl's JSON input (`org put`, `community put`, and the
// lines of `import`), parsed into the messages it sends.
#include <cstddef>
#include <cstdint>
#include <string>

#include "admin-cli/json_input.h"
#include "civhub/v1/record.pb.h"
#include "tests/fuzz/quiet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string json(reinterpret_cast<const char*>(data), size);
  civhub::v1::PublishRequest publish;
  (void)civhub::ctl::ParseJson(json, &publish);
  civhub::v1::SignedRecord record;
  (void)civhub::ctl::ParseJson(json, &record);
  return 0;
}
