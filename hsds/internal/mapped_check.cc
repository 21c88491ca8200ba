#include "hsds/internal/mapped_check.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "crypto/keys.h"
#include "hsds/from_hsds.h"
#include "node/records/record_kinds.h"
#include "node/records/validate.h"

namespace civhub::hsds::internal {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// The placeholder hub that validation runs as: a fixed key.
const crypto::PublicKey& PlaceholderHub() {
  static const crypto::PublicKey* key = [] {
    absl::StatusOr<crypto::PrivateKey> k =
        crypto::PrivateKey::FromSeed(std::string(32, 'h'));
    return new crypto::PublicKey(k->public_key());
  }();
  return *key;
}

// PlaceholderHub().HubId(), made once: encoding it is not free.
const std::string& PlaceholderHubId() {
  static const std::string* id = new std::string(PlaceholderHub().HubId());
  return *id;
}

// A reference's origin is to be filled in before `mapped` is checked.
bool LacksOrigins(const v1::PublishRequest& mapped) {
  return (mapped.has_organization() && mapped.organization().has_parent() &&
          mapped.organization().parent().origin().empty()) ||
         (mapped.has_service() &&
          mapped.service().organization().origin().empty());
}

}  // namespace

absl::Status ValidateAsPublished(v1::PublishRequest* mapped) {
  if (LacksOrigins(*mapped)) {
    return ValidateAsPublished(static_cast<const v1::PublishRequest&>(*mapped));
  }
  v1::RecordBody body;
  if (absl::Status s = node::SwapPublishedPayload(mapped, &body); !s.ok()) {
    return s;
  }
  absl::Status s = node::ValidateAsPublishedNow(&body, PlaceholderHub().bytes(),
                                                mapped->record_id());
  (void)node::SwapPublishedPayload(mapped, &body);  // Back in place.
  return s;
}

absl::Status ValidateAsPublished(const v1::PublishRequest& mapped) {
  // A copy only if a reference's origin is to be filled in.
  std::optional<v1::PublishRequest> filled;
  if (LacksOrigins(mapped)) {
    filled = mapped;
    FillOrigins(PlaceholderHubId(), &*filled);
  }
  const v1::PublishRequest& request = filled ? *filled : mapped;
  v1::RecordBody body;
  if (absl::Status s = node::CopyPublishedPayload(request, &body); !s.ok())
    return s;
  return node::ValidateAsPublishedNow(std::move(body), PlaceholderHub().bytes(),
                                      request.record_id());
}

bool RemoveAtPath(absl::string_view path, v1::PublishRequest* request,
                  std::string* value) {
  Message* message = request;
  Message* list_owner = nullptr;
  const FieldDescriptor* list_field = nullptr;
  int list_index = -1;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t k = 0; k < parts.size(); ++k) {
    absl::string_view part = parts[k];
    int index = -1;
    if (size_t open = part.find('['); open != absl::string_view::npos) {
      if (!absl::SimpleAtoi(part.substr(open + 1, part.size() - open - 2),
                            &index)) {
        return false;
      }
      part = part.substr(0, open);
    }
    const FieldDescriptor* f =
        message->GetDescriptor()->FindFieldByName(std::string(part));
    if (f == nullptr) return false;
    const Reflection* r = message->GetReflection();
    if (f->is_repeated()) {
      if (index < 0 || index >= r->FieldSize(*message, f)) {
        if (k + 1 == parts.size()) {  // The whole list.
          r->ClearField(message, f);
          return true;
        }
        return false;
      }
      list_owner = message;
      list_field = f;
      list_index = index;
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        *value = r->GetRepeatedString(*message, f, index);
        break;
      }
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) break;
      message = r->MutableRepeatedMessage(message, f, index);
      continue;
    }
    if (k + 1 == parts.size() ||
        f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        *value = r->GetString(*message, f);
      }
      if (list_owner == nullptr) {
        if (!r->HasField(*message, f) &&
            f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
          return false;  // Nothing to remove: a required value is missing.
        }
        r->ClearField(message, f);
        return true;
      }
      break;
    }
    message = r->MutableMessage(message, f);
  }
  if (list_owner == nullptr) return false;
  const Reflection* r = list_owner->GetReflection();
  const int size = r->FieldSize(*list_owner, list_field);
  for (int i = list_index; i + 1 < size; ++i) {
    r->SwapElements(list_owner, list_field, i, i + 1);
  }
  r->RemoveLast(list_owner, list_field);
  return true;
}

}  // namespace civhub::hsds::internal
