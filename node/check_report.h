// How civhubd --check and civhubctl check print a v1::CheckReport. Apart
// from node/storage/check.h so that civhubctl needs only the protos.
#ifndef CIVHUB_NODE_CHECK_REPORT_H_
#define CIVHUB_NODE_CHECK_REPORT_H_

#include <string>

#include "civhub/v1/admin.pb.h"

namespace civhub::node {

// A summary line, then each problem listed.
std::string FormatCheckReport(const v1::CheckReport& report);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_CHECK_REPORT_H_
