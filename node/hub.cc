#include "node/hub.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <optional>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/record_signing.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/message_differencer.h"
#include "node/record_metrics.h"
#include "node/records/record_kinds.h"
#include "node/records/references.h"
#include "node/records/validate.h"

namespace civhub::node {
namespace {

std::string SerializeDeterministic(const v1::RecordBody& body) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  body.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

// True when `a` and `b` say the same, whatever their header (origin,
// version, sequence, issued_at).
bool SamePayload(const v1::RecordBody& a, const v1::RecordBody& b) {
  v1::RecordBody x = a, y = b;
  for (v1::RecordBody* m : {&x, &y}) {
    m->clear_origin();
    m->clear_version();
    m->clear_sequence();
    m->clear_issued_at();
  }
  return google::protobuf::util::MessageDifferencer::Equals(x, y);
}

// The repeated fields of `before`'s payload message that `after` (a body of
// the same kind) leaves empty, by name.
std::vector<std::string> EmptiedLists(const v1::RecordBody& before,
                                      const v1::RecordBody& after) {
  std::vector<std::string> out;
  const google::protobuf::Reflection* r = before.GetReflection();
  const google::protobuf::OneofDescriptor* payload =
      before.GetDescriptor()->FindOneofByName("payload");
  const google::protobuf::FieldDescriptor* kind =
      r->GetOneofFieldDescriptor(before, payload);
  if (kind == nullptr || kind != r->GetOneofFieldDescriptor(after, payload) ||
      kind->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
    return out;
  }
  const google::protobuf::Message& old_kind = r->GetMessage(before, kind);
  const google::protobuf::Message& new_kind = r->GetMessage(after, kind);
  const google::protobuf::Reflection* kr = old_kind.GetReflection();
  const google::protobuf::Descriptor* d = old_kind.GetDescriptor();
  for (int f = 0; f < d->field_count(); ++f) {
    const google::protobuf::FieldDescriptor* field = d->field(f);
    if (field->is_repeated() && kr->FieldSize(old_kind, field) > 0 &&
        kr->FieldSize(new_kind, field) == 0) {
      out.push_back(field->name());
    }
  }
  return out;
}

void SetIssuedAt(absl::Time now, v1::RecordBody* body) {
  const int64_t micros = absl::ToUnixMicros(now);
  body->mutable_issued_at()->set_seconds(micros / 1000000);
  body->mutable_issued_at()->set_nanos(static_cast<int32_t>(micros % 1000000) *
                                       1000);
}

}  // namespace

absl::Status OwnOriginOnly::Admit(const crypto::VerifiedRecord& record) const {
  if (record.origin == self_) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "origin ", record.origin.HubId(),
      " is not part of this hub's network (this hub accepts only its own "
      "records until it is linked to peers)"));
}

Hub::Hub(crypto::PrivateKey key, Store* store, Clock* clock,
         const OriginPolicy* policy, Executor* executor)
    : key_(std::move(key)),
      store_(store),
      clock_(clock),
      own_only_(key_.public_key()),
      policy_(policy != nullptr ? policy : &own_only_),
      executor_(executor != nullptr ? executor : DefaultExecutor()),
      directory_(store, clock) {
  ExportRecordMetrics();
}

absl::StatusOr<PublishResult> Hub::Publish(const v1::PublishRequest& request) {
  if (absl::Status s = ValidateRecordId(request.record_id(), "record_id");
      !s.ok()) {
    return Notify(s);
  }
  v1::RecordBody body;
  if (absl::Status s = CopyPublishedPayload(request, &body); !s.ok()) {
    return Notify(s);
  }
  body.set_record_id(request.record_id());
  return Notify(
      Locked([&] { return PublishBody(std::move(body), /*strict=*/true); }));
}

void Hub::ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  const size_t threads = std::min<size_t>(
      static_cast<size_t>(executor_->parallelism()), (n + 15) / 16);
  executor_->RunWithHelpers(threads > 1 ? static_cast<int>(threads - 1) : 0,
                            work, work);
}

std::vector<absl::StatusOr<PublishResult>> Hub::PublishMany(
    const google::protobuf::RepeatedPtrField<v1::PublishRequest>& requests) {
  google::protobuf::RepeatedPtrField<v1::PublishRequest> copy = requests;
  return PublishMany(&copy);
}

std::vector<absl::StatusOr<PublishResult>> Hub::PublishMany(
    google::protobuf::RepeatedPtrField<v1::PublishRequest>* requests) {
  std::vector<absl::StatusOr<PublishResult>> results(
      static_cast<size_t>(requests->size()),
      absl::InternalError("not published"));
  StoredBatch batch;
  {
    absl::MutexLock lock(&publish_mu_);
    batch = PublishManyLocked(requests, &results, /*dry_run=*/false);
    // Taken before publish_mu_ is let go, so that batches apply in the
    // order they took their sequences; once it is held, the batch before
    // this one is applied (or failed).
    apply_mu_.Lock();
    applying_.reset();
    // Its sequences follow the last one stored, unless the batch before it
    // (whose sequences it followed) failed to be stored: then it fails too,
    // as the rest of a batch does after a failed record, rather than leave
    // a gap; and the next batch follows what is stored, not this one.
    if (absl::Status s = FollowsStored(batch); !s.ok()) {
      for (size_t i : batch.to_apply) {
        if (batch.checked[i].has_value()) results[i] = s;
      }
      batch.to_apply.clear();
    }
    if (!batch.to_apply.empty()) {
      Applying& applying = applying_.emplace();
      applying.last_sequence = batch.last_sequence;
      for (size_t i : batch.to_apply) {
        applying.record_ids.insert(batch.checked[i]->record.body.record_id());
      }
    }
  }
  // The next batch checks and signs while this one applies, and applies
  // while this one syncs; its own sync then covers both. Observers hear of
  // records only once synced: a record announced to peers must survive a
  // crash, or its sequence could be reused.
  ApplyBatch(&batch, &results);
  apply_mu_.Unlock();
  FinishBatch(std::move(batch), &results);
  for (absl::StatusOr<PublishResult>& result : results) {
    result = Notify(std::move(result));
  }
  return results;
}

absl::Status Hub::FollowsStored(const StoredBatch& batch) const {
  if (batch.to_apply.empty()) return absl::OkStatus();
  absl::StatusOr<storage::OriginState> state =
      store_->GetOriginState(id().bytes());
  if (!state.ok()) return state.status();
  if (state->max_sequence() + 1 == batch.first_sequence) {
    return absl::OkStatus();
  }
  if (absl::Status s = store_->Writable(); !s.ok()) return s;
  return absl::AbortedError(absl::StrCat(
      "not published: the batch published before this one failed to be "
      "stored (the last sequence stored is ",
      state->max_sequence(), ", this batch's first is ", batch.first_sequence,
      "); publish again"));
}

void Hub::SettleLocked() {
  if (!applying_.has_value()) return;
  absl::MutexLock wait(&apply_mu_);  // Until the batch in hand is applied.
  applying_.reset();
}

std::vector<absl::StatusOr<PublishResult>> Hub::CheckMany(
    const google::protobuf::RepeatedPtrField<v1::PublishRequest>& requests) {
  std::vector<absl::StatusOr<PublishResult>> results(
      static_cast<size_t>(requests.size()), absl::InternalError("not checked"));
  google::protobuf::RepeatedPtrField<v1::PublishRequest> copy = requests;
  StoredBatch batch;
  {
    absl::MutexLock lock(&publish_mu_);
    SettleLocked();
    batch = PublishManyLocked(&copy, &results, /*dry_run=*/true);
  }
  FinishBatch(std::move(batch), &results);  // Nothing to sync: the repeats.
  return results;
}

Hub::StoredBatch Hub::PublishManyLocked(
    google::protobuf::RepeatedPtrField<v1::PublishRequest>* requests,
    std::vector<absl::StatusOr<PublishResult>>* results, bool dry_run) {
  const size_t n = results->size();
  StoredBatch out;
  const std::string& origin = id().bytes();
  const absl::Time now = clock_->Now();
  std::vector<std::optional<v1::RecordBody>> bodies(n);

  // 1. Build and validate each body on its own (in parallel), with the
  // largest version and sequence there are, so that the size checked here
  // bounds the size signed below: a record that passes takes a sequence and
  // keeps it. As in Publish, a record equal to its current version is
  // unchanged even if it would not pass now (step 2 decides): invalid[i]
  // holds why body i may not be published.
  std::vector<absl::Status> invalid(n);
  // existing[i]: the store's current version of body i's record, read here
  // on every thread rather than one by one in step 2. Local writes of this
  // hub's records all hold publish_mu_, so they stay current (a restore
  // from peers, which ingests them without it, raced the read in step 2
  // alike).
  std::vector<absl::StatusOr<std::optional<StoredView>>> existing(n,
                                                                  std::nullopt);
  ParallelFor(n, [&](size_t i) {
    v1::PublishRequest& request = (*requests)[static_cast<int>(i)];
    absl::StatusOr<PublishResult>& result = (*results)[i];
    if (absl::Status s = ValidateRecordId(request.record_id(), "record_id");
        !s.ok()) {
      result = s;
      return;
    }
    v1::RecordBody body;
    if (absl::Status s = SwapPublishedPayload(&request, &body); !s.ok()) {
      result = s;
      return;
    }
    body.set_record_id(request.record_id());
    body.set_origin(origin);
    body.set_version(std::numeric_limits<uint64_t>::max());
    body.set_sequence(std::numeric_limits<uint64_t>::max());
    SetIssuedAt(now, &body);
    invalid[i] = ValidateRecordBody(body, ValidationOptions{now, true});
    if (size_t size = body.ByteSizeLong();
        invalid[i].ok() && size > crypto::kMaxBodyBytes) {
      invalid[i] = absl::InvalidArgumentError(
          absl::StrCat("record is ", size, " bytes when signed; the limit is ",
                       crypto::kMaxBodyBytes));
    }
    existing[i] = store_->Get(origin, body.record_id());
    bodies[i] = std::move(body);
  });

  // The batch before this one may still be applying (PublishMany). Its
  // records are not read until it is applied: a record of it, or one a
  // record here refers to, is read again once it is.
  if (applying_.has_value()) {
    const std::string self = crypto::HubIdOf(origin);
    auto in_hand = [&](const v1::RecordBody& body) {
      if (applying_->record_ids.contains(body.record_id())) return true;
      for (const KindedReference& r : CheckedReferences(body)) {
        if (r.ref->origin() == self &&
            applying_->record_ids.contains(r.ref->record_id())) {
          return true;
        }
      }
      return false;
    };
    if (std::any_of(bodies.begin(), bodies.end(), [&](const auto& body) {
          return body.has_value() && in_hand(*body);
        })) {
      const absl::flat_hash_set<std::string> ids =
          std::move(applying_->record_ids);
      SettleLocked();
      for (size_t i = 0; i < n; ++i) {
        if (bodies[i].has_value() && ids.contains(bodies[i]->record_id())) {
          existing[i] = store_->Get(origin, bodies[i]->record_id());
        }
      }
    }
  }

  // 2. In request order: unchanged, or the next version and sequence. A
  // record given twice compares with (and follows) its earlier entry.
  absl::StatusOr<storage::OriginState> state = store_->GetOriginState(origin);
  if (!state.ok()) {
    for (auto& result : *results) result = state.status();
    return out;
  }
  uint64_t sequence = state->max_sequence();
  if (applying_.has_value()) {
    sequence = std::max(sequence, applying_->last_sequence);
  }
  out.first_sequence = sequence + 1;
  // Per record id: the request that last published it in this batch.
  absl::flat_hash_map<std::string, size_t> in_batch;
  std::vector<std::optional<size_t>>& same_as = out.same_as;
  same_as.resize(n);
  out.emptied.resize(n);
  std::vector<size_t> to_sign;
  for (size_t i = 0; i < n; ++i) {
    if (!bodies[i].has_value()) continue;
    v1::RecordBody& body = *bodies[i];
    uint64_t previous = 0;
    if (auto it = in_batch.find(body.record_id()); it != in_batch.end()) {
      const v1::RecordBody& earlier = *bodies[it->second];
      if (SamePayload(earlier, body)) {
        same_as[i] = it->second;
        bodies[i].reset();
        continue;
      }
      previous = earlier.version();
    } else {
      const absl::StatusOr<std::optional<StoredView>>& stored = existing[i];
      if (!stored.ok()) {
        (*results)[i] = stored.status();
        bodies[i].reset();
        continue;
      }
      if (stored->has_value()) {
        if (SamePayload((*stored)->body, body)) {
          (*results)[i] =
              PublishResult{Directory::ToRecord(**stored), true, {}};
          bodies[i].reset();
          continue;
        }
        previous = (*stored)->body.version();
        out.emptied[i] = EmptiedLists((*stored)->body, body);
      }
    }
    if (invalid[i].ok()) {
      invalid[i] = CheckOwnReferences(body, [&](absl::string_view id) {
        auto it = in_batch.find(id);
        return it == in_batch.end() ? nullptr : &*bodies[it->second];
      });
    }
    if (!invalid[i].ok()) {
      (*results)[i] = invalid[i];
      bodies[i].reset();
      continue;
    }
    body.set_version(previous + 1);
    body.set_sequence(++sequence);
    in_batch[body.record_id()] = i;
    to_sign.push_back(i);
  }
  if (dry_run) {
    for (size_t i : to_sign) {
      StoredView view;
      view.body = *std::move(bodies[i]);
      (*results)[i] = PublishResult{Directory::ToRecord(view), false,
                                    std::move(out.emptied[i])};
    }
    return out;
  }

  // 3. Serialize, sign and derive the index entries, on the executor's
  // threads and this one. ApplyBatch applies them, after the lock.
  out.last_sequence = sequence;
  out.to_apply = std::move(to_sign);
  const std::vector<size_t>& to_apply = out.to_apply;
  const size_t m = to_apply.size();
  std::vector<std::optional<Checked>>& checked = out.checked;
  checked.resize(n);
  std::atomic<size_t> next{0};
  auto sign = [&] {
    for (size_t k = next++; k < m; k = next++) {
      const size_t i = to_apply[k];
      absl::StatusOr<v1::SignedRecord> signed_record =
          crypto::SignRecord(key_, SerializeDeterministic(*bodies[i]));
      if (!signed_record.ok()) {
        (*results)[i] = signed_record.status();
        continue;
      }
      crypto::VerifiedRecord record{id(), *std::move(bodies[i]),
                                    *std::move(signed_record)};
      Store::ApplyPlan plan = Store::Plan(record);
      checked[i] = Checked{std::move(record), std::move(plan)};
    }
  };
  const size_t threads = std::min<size_t>(
      static_cast<size_t>(executor_->parallelism()), (m + 15) / 16);
  executor_->RunWithHelpers(threads > 1 ? static_cast<int>(threads - 1) : 0,
                            sign, sign);
  return out;
}

void Hub::ApplyBatch(StoredBatch* batch,
                     std::vector<absl::StatusOr<PublishResult>>* results) {
  const std::vector<size_t>& to_apply = batch->to_apply;
  if (to_apply.empty()) return;
  std::vector<std::optional<Checked>>& checked = batch->checked;
  absl::Status failed;
  // In runs of at most kMaxRun, each in one store write: each posting list
  // of the batch gets a block or two instead of one per few records.
  // (PublishBatch takes at most 500: one run.) A store failure fails the
  // rest (their sequences would otherwise leave a gap). FinishBatch syncs.
  constexpr size_t kMaxRun = 512;
  std::vector<const crypto::VerifiedRecord*> run_records;
  std::vector<const Store::ApplyPlan*> run_plans;
  std::vector<size_t> run;  // Request indexes of the run.
  for (size_t begin = 0; begin < to_apply.size(); begin += kMaxRun) {
    const size_t end = std::min(to_apply.size(), begin + kMaxRun);
    run.clear();
    run_records.clear();
    run_plans.clear();
    for (size_t k = begin; k < end; ++k) {
      const size_t i = to_apply[k];
      if (!checked[i].has_value() && failed.ok()) {
        failed = (*results)[i].status();  // Its signature failed.
      }
      if (!failed.ok()) {
        if (checked[i].has_value()) (*results)[i] = failed;
        continue;
      }
      run.push_back(i);
      run_records.push_back(&checked[i]->record);
      run_plans.push_back(&checked[i]->plan);
    }
    if (run.empty()) continue;
    std::vector<absl::StatusOr<ApplyOutcome>> outcomes =
        store_->ApplyMany(run_records, run_plans, /*sync=*/false,
                          /*stop_unless_applied=*/true);
    for (size_t r = 0; r < run.size(); ++r) {
      const size_t i = run[r];
      absl::StatusOr<ApplyOutcome>& outcome = outcomes[r];
      if (outcome.ok() && *outcome != ApplyOutcome::kApplied) {
        outcome = absl::InternalError(absl::StrCat(
            "own record ", checked[i]->record.body.record_id(),
            " was not applied (", ApplyOutcomeName(*outcome), ")"));
      }
      if (failed.ok() && !outcome.ok()) failed = outcome.status();
      if (!failed.ok()) {
        // This one and every later one fail: a later record stored after
        // a failed one would leave a gap in the sequence (ApplyMany did
        // not store them).
        (*results)[i] = failed;
        continue;
      }
      batch->applied.push_back(i);
    }
  }
}

void Hub::FinishBatch(StoredBatch batch,
                      std::vector<absl::StatusOr<PublishResult>>* results) {
  if (!batch.applied.empty()) {
    if (absl::Status s = store_->Sync(); !s.ok()) {
      for (size_t i : batch.applied) (*results)[i] = s;
      batch.applied.clear();
    }
  }
  for (size_t i : batch.applied) {
    StoredView view;
    *view.stored.mutable_signed_() =
        std::move(batch.checked[i]->record.signed_record);
    view.body = std::move(batch.checked[i]->record.body);
    (*results)[i] = PublishResult{Directory::ToRecord(std::move(view)), false,
                                  std::move(batch.emptied[i])};
  }
  const std::vector<std::optional<size_t>>& same_as = batch.same_as;
  for (size_t i = 0; i < same_as.size(); ++i) {
    if (!same_as[i].has_value()) continue;
    const absl::StatusOr<PublishResult>& earlier = (*results)[*same_as[i]];
    if (earlier.ok()) {
      (*results)[i] = PublishResult{earlier->record, true, {}};
    } else {
      (*results)[i] = earlier.status();
    }
  }
}

absl::StatusOr<PublishResult> Hub::Delete(absl::string_view record_id,
                                          absl::string_view reason) {
  if (absl::StartsWith(record_id, "~")) {
    return Notify(absl::InvalidArgumentError(
        "record_id: ids starting with \"~\" are the hub's own system records "
        "(its profile and peer links); use `civhubctl peer remove` to end a "
        "link"));
  }
  return Retire(record_id, reason);
}

absl::StatusOr<PublishResult> Hub::DeleteSystem(absl::string_view record_id) {
  return Retire(record_id, "");
}

absl::StatusOr<PublishResult> Hub::PublishSystem(v1::RecordBody body) {
  return Notify(
      Locked([&] { return PublishBody(std::move(body), /*strict=*/false); }));
}

absl::StatusOr<PublishResult> Hub::Retire(absl::string_view record_id,
                                          absl::string_view reason) {
  return Notify(RetireLocked(record_id, reason));
}

absl::StatusOr<PublishResult> Hub::RetireLocked(absl::string_view record_id,
                                                absl::string_view reason) {
  if (absl::Status s = ValidateRecordId(record_id, "record_id"); !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&publish_mu_);
  SettleLocked();
  absl::StatusOr<std::optional<StoredView>> existing =
      store_->Get(id().bytes(), record_id);
  if (!existing.ok()) return existing.status();
  if (!existing->has_value()) {
    return absl::NotFoundError(
        absl::StrCat("record ", record_id, " does not exist on this hub"));
  }
  if ((*existing)->body.has_tombstone()) {
    return absl::NotFoundError(absl::StrCat("record ", record_id,
                                            " is already deleted (version ",
                                            (*existing)->body.version(), ")"));
  }
  v1::RecordBody body;
  body.set_record_id(std::string(record_id));
  body.mutable_tombstone()->set_reason(std::string(reason));
  return PublishBody(std::move(body), /*strict=*/true);
}

absl::StatusOr<PublishResult> Hub::Notify(
    absl::StatusOr<PublishResult> result) {
  if (!result.ok()) {
    CountRefused(RecordSource::kPublish, result.status());
  } else if (result->unchanged) {
    CountUnchanged();
  } else {
    CountStored(RecordSource::kPublish, ApplyOutcome::kApplied);
  }
  // Outside publish_mu_: the observer may publish in turn.
  if (result.ok() && !result->unchanged && observer_) observer_(result->record);
  return result;
}

absl::StatusOr<PublishResult> Hub::PublishBody(v1::RecordBody body,
                                               bool strict) {
  const std::string& origin = id().bytes();
  absl::StatusOr<std::optional<StoredView>> existing =
      store_->Get(origin, body.record_id());
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    // Re-publishing the same content is a no-op: no new version to gossip.
    if (SamePayload((*existing)->body, body)) {
      return PublishResult{Directory::ToRecord(**existing), true, {}};
    }
  }
  absl::StatusOr<storage::OriginState> state = store_->GetOriginState(origin);
  if (!state.ok()) return state.status();

  const absl::Time now = clock_->Now();
  body.set_origin(origin);
  body.set_version(existing->has_value() ? (*existing)->body.version() + 1 : 1);
  body.set_sequence(state->max_sequence() + 1);
  SetIssuedAt(now, &body);

  ValidationOptions options{now, strict};
  if (absl::Status s = ValidateRecordBody(body, options); !s.ok()) return s;
  if (strict) {
    if (absl::Status s = CheckOwnReferences(body, nullptr); !s.ok()) return s;
  }
  std::string bytes = SerializeDeterministic(body);
  if (bytes.size() > crypto::kMaxBodyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "record is ", bytes.size(), " bytes when signed; the limit is ",
        crypto::kMaxBodyBytes));
  }
  absl::StatusOr<v1::SignedRecord> signed_record =
      crypto::SignRecord(key_, std::move(bytes));
  if (!signed_record.ok()) return signed_record.status();
  crypto::VerifiedRecord record{id(), std::move(body),
                                *std::move(signed_record)};
  absl::StatusOr<ApplyOutcome> outcome = store_->Apply(record, /*sync=*/true);
  if (!outcome.ok()) return outcome.status();
  if (*outcome != ApplyOutcome::kApplied) {
    return absl::InternalError(
        absl::StrCat("own record ", record.body.record_id(),
                     " was not applied (", ApplyOutcomeName(*outcome), ")"));
  }

  StoredView view;
  *view.stored.mutable_signed_() = std::move(record.signed_record);
  view.body = std::move(record.body);
  return PublishResult{Directory::ToRecord(view), false, {}};
}

absl::Status Hub::CheckOwnReferences(
    const v1::RecordBody& body,
    const std::function<const v1::RecordBody*(absl::string_view)>& pending)
    const {
  const std::string self = crypto::HubIdOf(id().bytes());
  for (const KindedReference& r : CheckedReferences(body)) {
    if (r.ref->origin() != self) continue;
    const std::string& record_id = r.ref->record_id();
    const absl::string_view wanted = FindRecordKind(r.kind)->display_name;
    const v1::RecordBody* target = pending ? pending(record_id) : nullptr;
    absl::StatusOr<std::optional<StoredView>> stored;
    if (target == nullptr) {
      stored = store_->Get(id().bytes(), record_id);
      if (!stored.ok()) return stored.status();
      if (stored->has_value()) target = &(*stored)->body;
    }
    if (target == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(r.path, ": this hub has no ", wanted, " \"", record_id,
                       "\"", ElsewhereHint(record_id, r.kind, r.own_only)));
    }
    if (target->payload_case() == v1::RecordBody::kTombstone) {
      return absl::InvalidArgumentError(
          absl::StrCat(r.path, ": ", wanted, " \"", record_id,
                       "\" of this hub was deleted; publish it again first"));
    }
    if (target->payload_case() != r.kind) {
      const RecordKindInfo* is = KindOf(*target);
      return absl::InvalidArgumentError(absl::StrCat(
          r.path, ": \"", record_id, "\" of this hub is ",
          is != nullptr ? WithArticle(is->display_name) : "another record",
          ", not ", WithArticle(wanted)));
    }
  }
  return absl::OkStatus();
}

std::string Hub::ElsewhereHint(absl::string_view record_id,
                               v1::RecordBody::PayloadCase kind,
                               bool own_only) const {
  const absl::string_view wanted = FindRecordKind(kind)->display_name;
  absl::StatusOr<std::vector<std::pair<std::string, storage::OriginState>>>
      origins = store_->Origins();
  if (origins.ok()) {
    for (const auto& [origin, state] : *origins) {
      if (origin == id().bytes()) continue;
      absl::StatusOr<std::optional<StoredView>> other =
          store_->Get(origin, record_id);
      if (other.ok() && other->has_value() &&
          (*other)->body.payload_case() == kind) {
        const std::string hub = crypto::HubIdOf(origin);
        if (own_only) {
          // Naming it there would be refused too (validate_matchmaking.cc).
          return absl::StrCat("; hub ", hub,
                              " has one: an organization speaks through its "
                              "own hub, so publish this on hub ",
                              hub);
        }
        return absl::StrCat("; another hub has one: refer to it as \"", hub,
                            "/", record_id,
                            "\" (with its hub id), or publish the ", wanted,
                            " on this hub first");
      }
    }
  }
  if (own_only) {
    return absl::StrCat("; publish the ", wanted, " on this hub first");
  }
  return absl::StrCat("; publish the ", wanted,
                      " on this hub first, or give the hub id of the hub "
                      "that published it (HUB_ID/",
                      record_id, ")");
}

absl::StatusOr<Hub::Checked> Hub::Check(v1::SignedRecord record,
                                        IngestedHeader* header) const {
  if (std::string unknown = FindUnknownField(record); !unknown.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("signed record: ", unknown));
  }
  absl::StatusOr<crypto::VerifiedRecord> verified =
      crypto::VerifyRecord(std::move(record));
  if (!verified.ok()) return verified.status();
  if (header != nullptr) {
    header->origin = verified->body.origin();
    header->sequence = verified->body.sequence();
    header->record_id = verified->body.record_id();
    header->kind = verified->body.payload_case();
  }
  if (absl::Status s = policy_->Admit(*verified); !s.ok()) return s;
  if (absl::Status s = ValidateRecordBody(
          verified->body, ValidationOptions{clock_->Now(), false});
      !s.ok()) {
    return s;
  }
  Store::ApplyPlan plan = Store::Plan(*verified);
  return Checked{*std::move(verified), std::move(plan)};
}

absl::StatusOr<ApplyOutcome> Hub::Ingest(v1::SignedRecord record, bool sync) {
  absl::StatusOr<Checked> checked = Check(std::move(record));
  absl::StatusOr<ApplyOutcome> outcome =
      checked.ok() ? store_->Apply(checked->record, checked->plan, sync)
                   : absl::StatusOr<ApplyOutcome>(checked.status());
  if (outcome.ok()) {
    CountStored(RecordSource::kIngest, *outcome);
  } else {
    CountRefused(RecordSource::kIngest, outcome.status());
  }
  return outcome;
}

// Most records Hub::IngestMany applies in one Store::ApplyMany: enough to
// spread a LevelDB write over many records, few enough that checking
// threads are not left waiting on a long apply.
constexpr size_t kApplyRun = 256;
// Fewest it applies at once while records are left to check.
constexpr size_t kMinApplyRun = 64;

std::vector<IngestResult> Hub::IngestMany(
    const google::protobuf::RepeatedPtrField<v1::SignedRecord>& records,
    bool sync) {
  const size_t n = static_cast<size_t>(records.size());
  std::vector<std::optional<absl::StatusOr<Checked>>> checked(n);
  std::vector<IngestResult> results(n);
  // ready[i]: checked[i] is set. Value-initialized: all false.
  std::unique_ptr<std::atomic<bool>[]> ready(new std::atomic<bool>[n]());
  std::atomic<size_t> next{0};
  auto check = [&](size_t i) {
    checked[i] = Check(records[static_cast<int>(i)], &results[i].header);
    ready[i].store(true, std::memory_order_release);
  };
  auto help = [&] {
    for (size_t i = next++; i < n; i = next++) check(i);
  };
  // This thread applies records in order (a later version must find the
  // earlier one) as soon as they are checked, and checks records itself
  // while the next one to apply is not ready: applying overlaps checking,
  // and the batch completes even if no helper ever starts. It applies the
  // whole run of records already checked in one Store::ApplyMany (one
  // lock hold, one LevelDB write): the store ends as after one Apply each,
  // with the same outcome for each, at a fraction of the write cost.
  auto apply_in_order = [&] {
    size_t applied = 0;
    std::vector<const crypto::VerifiedRecord*> run_records;
    std::vector<const Store::ApplyPlan*> run_plans;
    std::vector<size_t> run_index;  // Position in `records` of each.
    while (applied < n) {
      size_t ready_run = 0;
      while (applied + ready_run < n && ready_run < kApplyRun &&
             ready[applied + ready_run].load(std::memory_order_acquire)) {
        ++ready_run;
      }
      // A short run waits while there is checking left to do: the store
      // writes a run's postings of one list as one block, so longer runs
      // cost it fewer keys (and compaction) per record.
      if (ready_run == 0 || (ready_run < kMinApplyRun && next < n)) {
        if (size_t mine = next++; mine < n) {
          check(mine);
        } else if (ready_run == 0) {
          std::this_thread::yield();  // A helper is finishing the record.
        }
        continue;
      }
      size_t end = applied;
      run_records.clear();
      run_plans.clear();
      run_index.clear();
      while (end < n && end - applied < kApplyRun &&
             ready[end].load(std::memory_order_acquire)) {
        absl::StatusOr<Checked>& c = *checked[end];
        if (c.ok()) {
          run_records.push_back(&c->record);
          run_plans.push_back(&c->plan);
          run_index.push_back(end);
        } else {
          results[end].outcome = c.status();
        }
        ++end;
      }
      if (!run_records.empty()) {
        std::vector<absl::StatusOr<ApplyOutcome>> outcomes =
            store_->ApplyMany(run_records, run_plans, /*sync=*/false);
        for (size_t k = 0; k < outcomes.size(); ++k) {
          results[run_index[k]].outcome = std::move(outcomes[k]);
        }
      }
      for (size_t i = applied; i < end; ++i) checked[i].reset();
      applied = end;
    }
  };
  // A thread per ~16 records at most: small pushes stay on the caller.
  const size_t threads = std::min<size_t>(
      static_cast<size_t>(executor_->parallelism()), (n + 15) / 16);
  executor_->RunWithHelpers(threads > 1 ? static_cast<int>(threads - 1) : 0,
                            help, apply_in_order);
  // One durable write for the batch: it makes the ones before it durable.
  if (sync && n > 0) {
    if (absl::Status s = store_->Sync(); !s.ok()) {
      for (IngestResult& result : results) {
        if (result.outcome.ok()) result.outcome = s;
      }
    }
  }
  for (const IngestResult& result : results) {
    if (result.outcome.ok()) {
      CountStored(RecordSource::kIngest, *result.outcome);
    } else {
      CountRefused(RecordSource::kIngest, result.outcome.status());
    }
  }
  return results;
}

}  // namespace civhub::node
