#include "tests/bench/kpbench_provenance_ledger.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/apply/applier.h"
#include "ledger/store/store.h"
#include "tests/testing/sample_events.h"

namespace kpledger::bench {
namespace {

using testing::AssessmentEvent;
using testing::ImportEvent;
using testing::IncomingCertificate;
using testing::MergeEvent;
using testing::SplitEvent;
using testing::TransferEvent;

constexpr size_t kFillerBatch = 1000;

// The ledger being built: the applier for the story, the store for filler.
class LedgerBuilder {
 public:
  // The filler is spread evenly over `steps` calls of Apply.
  LedgerBuilder(store::Store* store, apply::Applier* applier, uint64_t entries,
                int steps)
      : store_(store),
        applier_(applier),
        entries_(entries),
        steps_(steps),
        signers_(std::max(1u, std::thread::hardware_concurrency())) {}

  // Applies one envelope as its own batch, an hour after the last, then
  // appends its share of the filler.
  absl::Status Apply(const v1::Envelope& env) {
    apply::OrderedBatch batch;
    batch.position = ++position_;
    batch.proposed_time = {
        testing::kGenesisSeconds + static_cast<int64_t>(position_) * 3600, 0};
    batch.envelopes.push_back(env.SerializeAsString());
    absl::StatusOr<apply::BatchResult> result = applier_->Apply(batch);
    if (!result.ok()) return result.status();
    const v1::Receipt& r = result->receipts[0];
    if (r.outcome() != v1::Receipt::ACCEPTED) {
      return absl::InternalError(absl::StrCat("refused: ", r.reason()));
    }
    return Fill();
  }

 private:
  // Appends filler up to this step's share, its batches signed ahead on
  // `signers_` threads while the store appends.
  absl::Status Fill() {
    ++step_;
    const uint64_t target =
        step_ >= steps_ ? entries_ : entries_ * step_ / steps_;
    std::deque<std::future<store::Batch>> ahead;
    uint64_t next = store_->size();
    auto refill = [&] {
      while (ahead.size() < signers_ && next < target) {
        const uint64_t count = std::min<uint64_t>(kFillerBatch, target - next);
        ahead.push_back(std::async(std::launch::async, [this, next, count] {
          return testing::SampleBatch(filler_key_, next, count);
        }));
        next += count;
      }
    };
    refill();
    while (!ahead.empty()) {
      store::Batch batch = ahead.front().get();
      ahead.pop_front();
      refill();
      batch.ledger_time = applier_->ledger_time();
      absl::StatusOr<store::TreeHead> head = store_->Append(batch);
      if (!head.ok()) {
        for (auto& f : ahead) f.wait();
        return head.status();
      }
    }
    return absl::OkStatus();
  }

  store::Store* store_;
  apply::Applier* applier_;
  const uint64_t entries_;
  const int steps_;
  const size_t signers_;
  int step_ = 0;
  uint64_t position_ = 0;
  const crypto::PrivateKey filler_key_ = testing::DeterministicKey("filler");
};

// Registers the actors and tells M-1's story, 20 events.
absl::Status TellStory(testing::CustodyBuilder& b, LedgerBuilder& ledger) {
  for (const auto& [id, role, licence] :
       std::vector<std::tuple<std::string, v1::Role, std::string>>{
           {"customs-1", v1::CUSTOMS, ""},
           {"lab-1", v1::LAB, ""},
           {"vault-1", v1::VAULT, ""},
           {"trader-1", v1::TRADER, "AZ-LIC-001"}}) {
    if (absl::Status s = ledger.Apply(b.Register(id, role, licence)); !s.ok()) {
      return s;
    }
  }
  auto move = [&](const std::string& parcel, const std::string& from,
                  const std::string& to) {
    return ledger.Apply(b.Sign(TransferEvent(parcel, from, to), {from, to}));
  };
  auto assess = [&](const std::string& parcel, int64_t mass_mct) {
    return ledger.Apply(
        b.Sign(AssessmentEvent(parcel, mass_mct, 1800000, "LAB-" + parcel),
               {"lab-1"}));
  };
  const std::vector<std::function<absl::Status()>> story = {
      [&] {
        return ledger.Apply(b.Sign(
            ImportEvent(
                "A-1", "customs-1",
                IncomingCertificate("BW-2026-0001", "BW", 12500, 1850000)),
            {"customs-1"}));
      },
      [&] { return move("A-1", "customs-1", "lab-1"); },
      [&] { return assess("A-1", 12480); },
      [&] { return move("A-1", "lab-1", "vault-1"); },
      [&] { return move("A-1", "vault-1", "lab-1"); },
      [&] {
        return ledger.Apply(
            b.Sign(SplitEvent("A-1", {{"A-1a", 6000}, {"A-1b", 6480}}, 900000),
                   {"lab-1"}));
      },
      [&] {
        return ledger.Apply(b.Sign(
            ImportEvent(
                "B-1", "customs-1",
                IncomingCertificate("ZA-2026-0001", "ZA", 20000, 3000000)),
            {"customs-1"}));
      },
      [&] { return move("B-1", "customs-1", "lab-1"); },
      [&] { return assess("B-1", 20010); },
      [&] { return move("B-1", "lab-1", "vault-1"); },
      [&] { return move("B-1", "vault-1", "lab-1"); },
      [&] {
        return ledger.Apply(b.Sign(
            MergeEvent({"A-1a", "B-1"}, kProvenanceParcel, 26000, 3900000),
            {"lab-1"}));
      },
      [&] { return assess(kProvenanceParcel, 26000); },
      [&] { return move(kProvenanceParcel, "lab-1", "vault-1"); },
      [&] { return move(kProvenanceParcel, "vault-1", "lab-1"); },
      [&] { return assess(kProvenanceParcel, 25990); },
      [&] { return move(kProvenanceParcel, "lab-1", "vault-1"); },
      [&] { return move(kProvenanceParcel, "vault-1", "trader-1"); },
      [&] { return move(kProvenanceParcel, "trader-1", "vault-1"); },
      [&] { return move(kProvenanceParcel, "vault-1", "trader-1"); },
  };
  static_assert(kProvenanceAncestry == 20);
  for (const auto& step : story) {
    if (absl::Status s = step(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ProvenanceLedger> BuildProvenanceLedger(
    testing::CustodyBuilder& b, const std::string& data_dir, uint64_t entries) {
  const auto start = std::chrono::steady_clock::now();
  store::StoreOptions options;
  options.sync = false;  // closed cleanly below; a crash means a rebuild
  absl::StatusOr<std::unique_ptr<store::Store>> st =
      store::Store::Open(data_dir, options);
  if (!st.ok()) return st.status();
  if ((*st)->size() != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(data_dir, " already holds a ledger"));
  }
  absl::StatusOr<std::unique_ptr<apply::Applier>> applier =
      apply::Applier::Open(st->get());
  if (!applier.ok()) return applier.status();
  if (absl::Status s = (*applier)->Bootstrap(b.genesis_envelope()); !s.ok()) {
    return s;
  }
  // 4 registrations and 20 events.
  LedgerBuilder ledger(st->get(), applier->get(), entries, /*steps=*/24);
  if (absl::Status s = TellStory(b, ledger); !s.ok()) return s;
  ProvenanceLedger out;
  out.entries = (*st)->size();
  applier->reset();
  st->reset();  // closes RocksDB: everything is on disk for the node
  out.build_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return out;
}

}  // namespace kpledger::bench
