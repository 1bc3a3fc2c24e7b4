#include "ledger/apply/applier.h"

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ledger/apply/store_state.h"
#include "ledger/base/encoding.h"
#include "ledger/base/status_macros.h"
#include "ledger/entry/time.h"
#include "ledger/envelope/dsse.h"
#include "ledger/rules/genesis.h"
#include "ledger/rules/state.h"
#include "ledger/rules/validate.h"

namespace kpledger::apply {
namespace {

std::string EncodePosition(uint64_t position) {
  std::string out;
  base::PutFixed64BE(&out, position);
  return out;
}

v1::Receipt Refused(const absl::Status& s, std::string event_id) {
  v1::Receipt r;
  r.set_outcome(v1::Receipt::REFUSED);
  r.set_event_id(std::move(event_id));
  r.set_code(static_cast<int32_t>(s.code()));
  r.set_reason(std::string(s.message()));
  return r;
}

absl::StatusOr<rules::VerifiedGenesis> ReadGenesis(const store::Store& store) {
  KP_ASSIGN_OR_RETURN(std::string leaf, store.GetLeaf(0));
  KP_ASSIGN_OR_RETURN(entry::LeafView view, entry::DecodeLeaf(leaf));
  absl::StatusOr<v1::Envelope> env = envelope::ParseEnvelope(view.envelope);
  if (!env.ok()) {
    return absl::DataLossError(absl::StrCat(
        "entry 0 is not a genesis envelope: ", env.status().message()));
  }
  absl::StatusOr<rules::VerifiedGenesis> genesis =
      rules::VerifyGenesisEnvelope(*env);
  if (!genesis.ok()) {
    return absl::DataLossError(absl::StrCat("entry 0 is not a valid genesis: ",
                                            genesis.status().message()));
  }
  return genesis;
}

}  // namespace

Applier::Applier(store::Store* store, const ApplierOptions& options)
    : store_(store),
      verify_threads_(options.verify_threads > 0
                          ? options.verify_threads
                          : std::max(1u, std::thread::hardware_concurrency())) {
}

absl::StatusOr<std::unique_ptr<Applier>> Applier::Open(
    store::Store* store, const ApplierOptions& options) {
  std::unique_ptr<Applier> applier(new Applier(store, options));
  if (store->size() > 0) KP_RETURN_IF_ERROR(applier->Load());
  return applier;
}

absl::Status Applier::Load() {
  KP_ASSIGN_OR_RETURN(rules::VerifiedGenesis genesis, ReadGenesis(*store_));
  genesis_ = std::move(genesis.genesis);
  genesis_hash_ = std::move(genesis.hash);
  const std::string position = store_->applied_position();
  if (!position.empty()) {
    if (position.size() != 8) {
      return absl::DataLossError(absl::StrCat(
          "stored sequencer position has ", position.size(), " bytes, want 8"));
    }
    applied_position_ = base::DecodeFixed64BE(position.data());
  }
  KP_ASSIGN_OR_RETURN(std::string last, store_->GetLeaf(store_->size() - 1));
  KP_ASSIGN_OR_RETURN(entry::LeafView view, entry::DecodeLeaf(last));
  ledger_time_ = view.time;
  bootstrapped_ = true;
  return absl::OkStatus();
}

absl::Status Applier::Bootstrap(const v1::Envelope& genesis_envelope) {
  if (store_->size() > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("the store already holds a ledger (", store_->size(),
                     " entries); genesis is written once"));
  }
  KP_ASSIGN_OR_RETURN(rules::VerifiedGenesis genesis,
                      rules::VerifyGenesisEnvelope(genesis_envelope));
  store::Batch batch;
  batch.ledger_time = entry::FromTimestamp(genesis.genesis.created_at());
  batch.entries.push_back({genesis_envelope.SerializeAsString(), genesis.hash});
  StoreStateSource empty(store_);
  rules::StateChanges changes(&empty);
  rules::InitState(genesis.genesis, &changes);
  for (const auto& [key, value] : changes.changes()) {
    batch.state.push_back({key, value});
  }
  KP_RETURN_IF_ERROR(store_->Append(batch).status());
  return Load();
}

std::optional<crypto::PublicKey> Applier::LookupKey(
    absl::string_view key_id) const {
  {
    absl::MutexLock lock(&keys_mu_);
    auto it = keys_.find(key_id);
    if (it != keys_.end()) return it->second;
  }
  StoreStateSource source(store_);
  absl::StatusOr<std::optional<crypto::PublicKey>> key =
      rules::FindKey(genesis_, rules::StateView(&source), key_id);
  // Unknown (or unreadable now): validation looks again, in order.
  if (!key.ok() || !key->has_value()) return std::nullopt;
  absl::MutexLock lock(&keys_mu_);
  keys_.emplace(std::string(key_id), **key);
  return **key;
}

PreparedBatch Applier::Prepare(OrderedBatch batch) const {
  PreparedBatch out;
  out.position = batch.position;
  out.from_peer = batch.from_peer;
  out.sync = batch.sync;
  out.proposed_time = batch.proposed_time;
  const size_t n = batch.envelopes.size();
  out.events.resize(n, absl::UnknownError("not prepared"));
  // Threads take a few envelopes at a time rather than a fixed share, so
  // none waits idle while another, slowed by the apply thread on its core,
  // still has half the batch to check.
  constexpr size_t kChunk = 8;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t begin = next.fetch_add(kChunk); begin < n;
         begin = next.fetch_add(kChunk)) {
      for (size_t i = begin; i < std::min(n, begin + kChunk); ++i) {
        absl::StatusOr<rules::SignedEvent> ev =
            rules::DecodeEvent(std::move(batch.envelopes[i]));
        if (ev.ok() && bootstrapped_) {
          rules::CheckSignatures(&*ev, [this](absl::string_view key_id) {
            return LookupKey(key_id);
          });
        }
        out.events[i] = std::move(ev);
      }
    }
  };
  const size_t threads =
      std::min<size_t>(static_cast<size_t>(verify_threads_), n / 16 + 1);
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& h : helpers) h.join();
  return out;
}

absl::StatusOr<v1::Receipt> Applier::Duplicate(const std::string& event_id,
                                               uint64_t index) const {
  v1::Receipt r;
  r.set_outcome(v1::Receipt::REFUSED);
  r.set_event_id(event_id);
  r.set_code(static_cast<int32_t>(absl::StatusCode::kAlreadyExists));
  r.set_leaf_index(index);
  r.set_reason(absl::StrCat("event ", base::ShortHex(event_id),
                            " is already entry ", index,
                            "; it is not applied twice"));
  KP_ASSIGN_OR_RETURN(std::string leaf, store_->GetLeaf(index));
  KP_ASSIGN_OR_RETURN(entry::LeafView view, entry::DecodeLeaf(leaf));
  *r.mutable_ledger_time() = entry::ToTimestamp(view.time);
  StoreStateSource source(store_);
  KP_ASSIGN_OR_RETURN(std::vector<v1::Flag> flags,
                      rules::StateView(&source).Flags(event_id));
  for (v1::Flag f : flags) r.add_flags(f);
  return r;
}

absl::StatusOr<BatchResult> Applier::Apply(PreparedBatch batch) {
  if (!bootstrapped_) {
    return absl::FailedPreconditionError(
        "the ledger has no genesis yet; bootstrap it first");
  }
  if (batch.position == 0 && !batch.from_peer) {
    return absl::FailedPreconditionError(
        "sequencer position 0 is not a position (they start at 1)");
  }
  BatchResult result;
  if (batch.position < applied_position_ ||
      (batch.position == applied_position_ && !batch.from_peer)) {
    result.already_applied = true;
    result.head = store_->head();
    result.ledger_time = ledger_time_;
    return result;
  }
  if (batch.proposed_time.nanos >= 1000000000u) {
    // Every node refuses such a batch alike and moves past it, so one bad
    // proposal cannot stall the ledger.
    const absl::Status bad = absl::InvalidArgumentError(
        absl::StrCat("batch ", batch.position, " has a proposed time with ",
                     batch.proposed_time.nanos,
                     " nanoseconds (want < 1e9); its events "
                     "are refused and may be submitted again"));
    for (const absl::StatusOr<rules::SignedEvent>& ev : batch.events) {
      result.receipts.push_back(Refused(bad, ev.ok() ? ev->event_id : ""));
    }
    store::Batch out;
    out.ledger_time = ledger_time_;
    out.applied_position = EncodePosition(batch.position);
    KP_ASSIGN_OR_RETURN(result.head, store_->Append(out));
    result.ledger_time = ledger_time_;
    applied_position_ = batch.position;
    return result;
  }
  const entry::LedgerTime now = std::max(ledger_time_, batch.proposed_time);
  result.ledger_time = now;

  StoreStateSource stored(store_);
  rules::ParsedRecords parsed;
  rules::StateChanges batch_changes(&stored, /*remember_reads=*/true, &parsed);
  store::Batch out;
  out.ledger_time = now;
  out.applied_position = EncodePosition(batch.position);
  out.sync = batch.sync;
  uint64_t index = store_->size();
  // Event ids accepted in this batch -> their receipt's place (only looked
  // up, never iterated).
  absl::flat_hash_map<std::string, size_t> in_batch;

  // Which events are in the log already, in one read; the store need not
  // read the others again when it appends them.
  std::vector<std::string> ids;
  for (const auto& decoded : batch.events) {
    if (decoded.ok()) ids.push_back(decoded->event_id);
  }
  out.ids_absent_at_size = index;  // the log's size, read once above
  KP_ASSIGN_OR_RETURN(std::vector<std::optional<uint64_t>> logged,
                      store_->FindEvents(ids));
  size_t next_id = 0;

  for (absl::StatusOr<rules::SignedEvent>& decoded : batch.events) {
    if (!decoded.ok()) {
      result.receipts.push_back(Refused(decoded.status(), ""));
      continue;
    }
    const rules::SignedEvent& ev = *decoded;
    const std::optional<uint64_t> in_log = logged[next_id++];
    if (auto it = in_batch.find(ev.event_id); it != in_batch.end()) {
      const v1::Receipt& first = result.receipts[it->second];
      v1::Receipt r =
          Refused(absl::AlreadyExistsError(absl::StrCat(
                      "event ", base::ShortHex(ev.event_id),
                      " is already in this batch as entry ", first.leaf_index(),
                      "; it is not applied twice")),
                  ev.event_id);
      r.set_leaf_index(first.leaf_index());
      *r.mutable_ledger_time() = first.ledger_time();
      *r.mutable_flags() = first.flags();
      result.receipts.push_back(std::move(r));
      continue;
    }
    if (in_log.has_value()) {
      KP_ASSIGN_OR_RETURN(v1::Receipt r, Duplicate(ev.event_id, *in_log));
      result.receipts.push_back(std::move(r));
      continue;
    }

    rules::StateChanges event_changes(&batch_changes,
                                      /*remember_reads=*/false);
    const rules::EventContext ctx{&genesis_, now, index};
    absl::StatusOr<std::vector<v1::Flag>> flags =
        rules::ApplyEvent(ctx, ev, &event_changes);
    if (!flags.ok()) {
      if (rules::IsStateFailure(flags.status())) return flags.status();
      result.receipts.push_back(Refused(flags.status(), ev.event_id));
      continue;
    }
    for (auto& [key, value] : event_changes.TakeChanges()) {
      batch_changes.PutBytes(key, std::move(value));
    }
    v1::Receipt r;
    r.set_outcome(v1::Receipt::ACCEPTED);
    r.set_event_id(ev.event_id);
    r.set_leaf_index(index);
    *r.mutable_ledger_time() = entry::ToTimestamp(now);
    for (v1::Flag f : *flags) r.add_flags(f);
    in_batch.emplace(ev.event_id, result.receipts.size());
    result.receipts.push_back(std::move(r));
    out.entries.push_back({std::move(decoded->envelope_bytes), ev.event_id});
    ++index;
  }
  for (auto& [key, value] : batch_changes.TakeChanges()) {
    out.state.push_back({key, std::move(value)});
  }
  KP_ASSIGN_OR_RETURN(result.head, store_->Append(out));
  applied_position_ = batch.position;
  if (!out.entries.empty()) ledger_time_ = now;
  return result;
}

}  // namespace kpledger::apply
