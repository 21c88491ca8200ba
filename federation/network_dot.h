// The federation's network (Federation::GetNetwork) as a Graphviz DOT graph:
// one box per hub (name, fingerprint, records held; this hub drawn thicker,
// blocked or forked hubs red), one edge per active link. Shared by
// `civhubctl network --dot` and GET /v1/network?format=dot.
#ifndef CIVHUB_FEDERATION_NETWORK_DOT_H_
#define CIVHUB_FEDERATION_NETWORK_DOT_H_

#include <string>

#include "civhub/v1/admin.pb.h"

namespace civhub::federation {

std::string NetworkDot(const v1::Network& network);

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_NETWORK_DOT_H_
