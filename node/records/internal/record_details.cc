#include "node/records/internal/record_details.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace civhub::node::internal {

std::string PlaceOf(const v1::Location& l) {
  std::vector<std::string> parts;
  if (!l.city().empty()) parts.push_back(l.city());
  parts.push_back(l.region().empty() ? l.country() : l.region());
  return absl::StrJoin(parts, ", ");
}

std::string LocationLine(const v1::Location& l) {
  std::vector<std::string> parts;
  for (const std::string* p :
       {&l.address(), &l.city(), &l.region(), &l.country()}) {
    if (!p->empty()) parts.push_back(*p);
  }
  std::string where = absl::StrJoin(parts, ", ");
  if (!l.name().empty()) where = absl::StrCat(l.name(), ": ", where);
  if (l.has_latitude()) {
    absl::StrAppend(
        &where, absl::StrFormat(" (%.4f, %.4f)", l.latitude(), l.longitude()));
  }
  return where;
}

void Add(absl::string_view label, std::string value,
         std::vector<RecordDetail>* out) {
  RecordDetail d{std::string(label), {}};
  if (!value.empty()) d.lines.push_back(std::move(value));
  out->push_back(std::move(d));
}

void AddLocalized(
    absl::string_view label,
    const google::protobuf::RepeatedPtrField<v1::LocalizedText>& texts,
    std::vector<RecordDetail>* out) {
  RecordDetail d{std::string(label), {}};
  for (const v1::LocalizedText& t : texts) {
    d.lines.push_back(absl::StrCat("[", t.lang(), "] ", t.text()));
  }
  out->push_back(std::move(d));
}

}  // namespace civhub::node::internal
