#include "ledger/apply/applier.h"

#include <algorithm>
#include <iterator>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/apply/store_state.h"
#include "ledger/base/encoding.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/worker_pool.h"
#include "ledger/entry/time.h"
#include "ledger/envelope/dsse.h"
#include "ledger/rules/genesis.h"
#include "ledger/rules/node_set.h"
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

// A resubmission of an event a batch accepted: in this batch, in one staged
// before it, or in the log.
v1::Receipt AlreadyAccepted(const std::string& event_id,
                            const AcceptedEvent& first,
                            entry::LedgerTime ledger_time, bool this_batch) {
  v1::Receipt r = Refused(absl::AlreadyExistsError(absl::StrCat(
                              "event ", base::ShortHex(event_id),
                              this_batch ? " is already in this batch as entry "
                                         : " is already entry ",
                              first.leaf_index, "; it is not applied twice")),
                          event_id);
  r.set_leaf_index(first.leaf_index);
  *r.mutable_ledger_time() = entry::ToTimestamp(ledger_time);
  for (v1::Flag f : first.flags) r.add_flags(f);
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
                          : std::max(1u, std::thread::hardware_concurrency())),
      prepare_pool_(std::make_unique<base::WorkerPool>(verify_threads_ - 1,
                                                       "kp-verify")) {}

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
  out.proposer = std::move(batch.proposer);
  out.proposer_key = std::move(batch.proposer_key);
  const size_t n = batch.envelopes.size();
  out.events.resize(n, absl::UnknownError("not prepared"));
  // Threads take a few envelopes at a time rather than a fixed share, so
  // none waits idle while another, slowed by the apply thread on its core,
  // still has half the batch to check. Small batches are not worth waking
  // a helper for.
  constexpr size_t kChunk = 8;
  const int helpers =
      static_cast<int>(std::min<size_t>(verify_threads_, n / 16 + 1)) - 1;
  // One arena for the batch's messages: freeing a decoded event field by
  // field cost ~1.5 us of the apply thread's CPU an event. Its blocks grow
  // from small, so a batch of a few events (a node at low load) takes
  // little memory.
  auto arena = std::make_shared<google::protobuf::Arena>();
  prepare_pool_->ParallelFor(n, kChunk, helpers, [&](size_t i) {
    absl::StatusOr<rules::SignedEvent> ev =
        rules::DecodeEvent(std::move(batch.envelopes[i]), arena);
    if (ev.ok() && bootstrapped_) {
      rules::CheckSignatures(
          &*ev, [this](absl::string_view key_id) { return LookupKey(key_id); });
    }
    out.events[i] = std::move(ev);
  });
  return out;
}

absl::StatusOr<v1::Receipt> Applier::Duplicate(const std::string& event_id,
                                               uint64_t index) const {
  KP_ASSIGN_OR_RETURN(std::string leaf, store_->GetLeaf(index));
  KP_ASSIGN_OR_RETURN(entry::LeafView view, entry::DecodeLeaf(leaf));
  StoreStateSource source(store_);
  KP_ASSIGN_OR_RETURN(std::vector<v1::Flag> flags,
                      rules::StateView(&source).Flags(event_id));
  return AlreadyAccepted(event_id, AcceptedEvent{index, std::move(flags)},
                         view.time, /*this_batch=*/false);
}

absl::StatusOr<StagedApply> Applier::Stage(PreparedBatch batch) {
  {
    absl::MutexLock lock(&pending_mu_);
    KP_RETURN_IF_ERROR(failed_);
  }
  if (!bootstrapped_) {
    return absl::FailedPreconditionError(
        "the ledger has no genesis yet; bootstrap it first");
  }
  if (batch.position == 0 && !batch.from_peer) {
    return absl::FailedPreconditionError(
        "sequencer position 0 is not a position (they start at 1)");
  }
  if (batch.position < applied_position_ ||
      (batch.position == applied_position_ && !batch.from_peer)) {
    StagedApply skipped;  // Commit fills in the head
    skipped.result_.already_applied = true;
    skipped.result_.ledger_time = ledger_time_;
    return skipped;
  }
  BatchResult result;
  store::Batch out;
  out.applied_position = EncodePosition(batch.position);
  auto pending = std::make_shared<PendingBatch>();
  // The state as the store and the batches staged before this one leave
  // it; a batch committed meanwhile reads the same through either.
  PendingBatches earlier;
  {
    absl::MutexLock lock(&pending_mu_);
    earlier.assign(pending_.begin(), pending_.end());
  }
  StoreStateSource stored(store_, std::move(earlier));
  uint64_t index = store_->staged_size();

  // Every node refuses a batch it cannot apply alike and moves past it, so
  // one bad proposal cannot stall the ledger.
  absl::Status bad;
  if (batch.proposed_time.nanos >= 1000000000u) {
    bad = absl::InvalidArgumentError(
        absl::StrCat("batch ", batch.position, " has a proposed time with ",
                     batch.proposed_time.nanos,
                     " nanoseconds (want < 1e9); its events "
                     "are refused and may be submitted again"));
  } else if (!batch.proposer.empty()) {
    KP_ASSIGN_OR_RETURN(bad, CheckProposer(stored, batch, index));
  }
  if (!bad.ok()) {
    for (const absl::StatusOr<rules::SignedEvent>& ev : batch.events) {
      result.receipts.push_back(Refused(bad, ev.ok() ? ev->event_id : ""));
    }
    out.ledger_time = ledger_time_;
    result.ledger_time = ledger_time_;
    result.batch_refused = bad;
    return StageWrite(batch.position, std::move(out), std::move(result),
                      std::move(pending));
  }
  const entry::LedgerTime now = std::max(ledger_time_, batch.proposed_time);
  result.ledger_time = now;
  pending->ledger_time = now;
  out.ledger_time = now;
  out.sync = batch.sync;

  {
    // The records the events' bodies read (parcels, certificates), all at
    // once: one MultiGet instead of a Get per record.
    std::vector<std::string> keys;
    for (const absl::StatusOr<rules::SignedEvent>& ev : batch.events) {
      if (!ev.ok()) continue;
      std::vector<std::string> k = rules::StateKeysRead(*ev->event);
      std::move(k.begin(), k.end(), std::back_inserter(keys));
    }
    KP_RETURN_IF_ERROR(stored.Prefetch(keys));
  }
  rules::ParsedRecords parsed;
  rules::StateChanges batch_changes(&stored, /*remember_reads=*/true, &parsed);

  // Which events the log holds already: the committed entries in one read,
  // the staged ones from `stored`. The store need not read them again.
  std::vector<std::string> ids;
  for (const auto& decoded : batch.events) {
    if (decoded.ok()) ids.push_back(decoded->event_id);
  }
  out.ids_absent_below = index;
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
    if (auto it = pending->accepted.find(ev.event_id);
        it != pending->accepted.end()) {
      result.receipts.push_back(
          AlreadyAccepted(ev.event_id, it->second, now, /*this_batch=*/true));
      continue;
    }
    entry::LedgerTime staged_time;
    if (const AcceptedEvent* staged =
            stored.FindAccepted(ev.event_id, &staged_time)) {
      result.receipts.push_back(AlreadyAccepted(ev.event_id, *staged,
                                                staged_time,
                                                /*this_batch=*/false));
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
    result.receipts.push_back(std::move(r));
    pending->accepted.emplace(ev.event_id,
                              AcceptedEvent{index, *std::move(flags)});
    out.entries.push_back({std::move(decoded->envelope_bytes), ev.event_id});
    ++index;
  }
  for (auto& [key, value] : batch_changes.TakeChanges()) {
    out.state.push_back({key, std::move(value)});
  }
  return StageWrite(batch.position, std::move(out), std::move(result),
                    std::move(pending));
}

absl::StatusOr<absl::Status> Applier::CheckProposer(
    const StoreStateSource& stored, const PreparedBatch& batch,
    uint64_t index) const {
  KP_ASSIGN_OR_RETURN(const v1::NodeSetRecord nodes,
                      rules::NodeSetOf(rules::StateView(&stored), genesis_));
  const v1::NodeKeyRecord* key = rules::FindNodeKey(nodes, batch.proposer);
  if (key != nullptr && key->public_key() == batch.proposer_key &&
      rules::CountsAt(*key, index)) {
    return absl::OkStatus();
  }
  const std::string why =
      key == nullptr ? "is not a node key of this ledger"
      : key->public_key() != batch.proposer_key
          ? "did not sign it (another key did)"
          : absl::StrCat("was revoked at entry ", key->removed_at());
  return absl::PermissionDeniedError(absl::StrCat(
      "batch ", batch.position, " was proposed by \"",
      batch.proposer.substr(0, 64), "\", which ", why,
      " (node keys: the genesis', and those governance registered and did "
      "not revoke); its events are refused and may be submitted again"));
}

absl::StatusOr<StagedApply> Applier::StageWrite(
    uint64_t position, store::Batch out, BatchResult result,
    std::shared_ptr<PendingBatch> pending) {
  KP_ASSIGN_OR_RETURN(store::StagedBatch write, store_->Stage(out));
  result.head = write.head();
  applied_position_ = position;
  if (!out.entries.empty()) ledger_time_ = result.ledger_time;
  pending->state = std::move(out.state);
  {
    absl::MutexLock lock(&pending_mu_);
    pending_.push_back(pending);
  }
  StagedApply staged;
  staged.result_ = std::move(result);
  staged.write_.emplace(std::move(write));
  staged.pending_ = std::move(pending);
  return staged;
}

absl::StatusOr<BatchResult> Applier::Commit(StagedApply staged) {
  {
    absl::MutexLock lock(&pending_mu_);
    KP_RETURN_IF_ERROR(failed_);
  }
  if (staged.write_.has_value()) {
    if (absl::Status written =
            store_->Commit(*std::move(staged.write_)).status();
        !written.ok()) {
      absl::MutexLock lock(&pending_mu_);
      failed_ = written;
      return written;
    }
  } else {
    staged.result_.head = store_->head();  // the batches before are in
  }
  if (staged.pending_ != nullptr) {
    // The store holds it now: the next Stage reads it there.
    absl::MutexLock lock(&pending_mu_);
    if (!pending_.empty() && pending_.front() == staged.pending_) {
      pending_.pop_front();
    }
  }
  return std::move(staged.result_);
}

absl::StatusOr<BatchResult> Applier::Apply(PreparedBatch batch) {
  KP_ASSIGN_OR_RETURN(StagedApply staged, Stage(std::move(batch)));
  return Commit(std::move(staged));
}

}  // namespace kpledger::apply
