#include "gateway/query_runner.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/hash.h"
#include "gateway/api_params.h"

namespace civhub::gateway {

std::string BodyEtag(const std::string& body) {
  return absl::StrCat(
      "\"", absl::BytesToHexString(crypto::Sha256(body).substr(0, 16)), "\"");
}

void SendApiResponse(const http::Reply& reply, http::Response response) {
  response.headers.emplace_back("access-control-allow-origin", "*");
  reply(std::move(response));
}

void RunQuery(node::CallGate* gate, absl::Duration deadline_after,
              const http::Request& request, http::Reply reply, QueryWork work) {
  const absl::Time deadline = absl::Now() + deadline_after;
  node::CallGate::Call call;
  call.client = request.client;
  call.run = [reply, work = std::move(work),
              deadline](node::CallOutcome outcome) {
    if (outcome == node::CallOutcome::kStopped) {
      SendApiResponse(reply,
                      ErrorResponse(absl::UnavailableError(
                          "the hub is shutting down; retry in a minute")));
      return;
    }
    if (outcome == node::CallOutcome::kCancelled) {
      SendApiResponse(reply, ErrorResponse(absl::CancelledError("cancelled")));
      return;
    }
    if (absl::Now() >= deadline) {
      SendApiResponse(reply,
                      ErrorResponse(absl::DeadlineExceededError(
                          "the request waited past its deadline for the hub; "
                          "retry later")));
      return;
    }
    node::QueryStop stop;
    stop.deadline = deadline;
    absl::StatusOr<http::Response> response = work(stop);
    SendApiResponse(reply, response.ok() ? *std::move(response)
                                         : ErrorResponse(response.status()));
  };
  if (absl::Status st = gate->Submit(std::move(call)); !st.ok()) {
    SendApiResponse(reply, ErrorResponse(st));
  }
}

}  // namespace civhub::gateway
