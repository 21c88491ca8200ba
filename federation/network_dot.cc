#include "federation/network_dot.h"

#include "absl/strings/str_cat.h"

namespace civhub::federation {
namespace {

// A DOT string literal's contents: quotes and backslashes escaped.
std::string Escape(const std::string& s) {
  std::string q;
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q;
}

}  // namespace

std::string NetworkDot(const v1::Network& network) {
  std::string out = "graph civhub {\n  node [shape=box, style=rounded];\n";
  for (const v1::NetworkHub& h : network.hubs()) {
    // Parts escaped one by one, joined by DOT's line break "\n".
    const std::string& name =
        h.profile().name().empty() ? std::string("?") : h.profile().name();
    std::string label =
        absl::StrCat(Escape(name), "\\n", Escape(h.fingerprint()), "\\n",
                     h.records(), " records");
    absl::StrAppend(&out, "  \"", Escape(h.hub_id()), "\" [label=\"", label,
                    "\"", h.is_self() ? ", penwidth=2" : "",
                    h.blocked() || h.forked() ? ", color=red" : "", "];\n");
  }
  for (const v1::NetworkLink& l : network.links()) {
    absl::StrAppend(&out, "  \"", Escape(l.a()), "\" -- \"", Escape(l.b()),
                    "\";\n");
  }
  out += "}\n";
  return out;
}

}  // namespace civhub::federation
