// provenance_bench: how long building and verifying one provenance bundle
// takes in a large log (docs/benchmarks.md).
//
// The log holds --entries entries. One parcel, M-1, has 20 ancestor events
// (two imports, twelve transfers, four assessments, a split, a merge) by
// four registered actors, applied by the applier like any submission; the
// rest is filler spread between them, appended straight to the store in
// batches of sample imports (they need not pass the rules: a bundle reads
// only the DAG and its actors). Then BuildBundle and VerifyBundle are timed
// over --runs runs each: median and p90. The machine's Ed25519 verify rate
// is measured in the same run, since verifying is mostly signature checks
// (bench figures on shared machines drift; the ratio drifts less).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "ledger/apply/applier.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/envelope/dsse.h"
#include "ledger/provenance/bundle.h"
#include "ledger/provenance/verify.h"
#include "ledger/rules/genesis.h"
#include "ledger/store/store.h"
#include "tests/bench/verify_rate.h"
#include "tests/testing/custody_builder.h"
#include "tests/testing/sample_events.h"

namespace kpledger::bench {
namespace {

using Clock = std::chrono::steady_clock;
using testing::AssessmentEvent;
using testing::ImportEvent;
using testing::IncomingCertificate;
using testing::MergeEvent;
using testing::SplitEvent;
using testing::TransferEvent;

constexpr size_t kFillerBatch = 1000;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// The ledger being built: the applier for the DAG, the store for filler.
class LedgerBuilder {
 public:
  // The filler is spread evenly over `steps` calls of Apply.
  LedgerBuilder(store::Store* store, apply::Applier* applier, uint64_t entries,
                int steps)
      : store_(store), applier_(applier), entries_(entries), steps_(steps) {}

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

  absl::Status Fill() {
    ++step_;
    const uint64_t target =
        step_ >= steps_ ? entries_ : entries_ * step_ / steps_;
    while (store_->size() < target) {
      store::Batch batch = testing::SampleBatch(
          filler_key_, store_->size(),
          std::min<uint64_t>(kFillerBatch, target - store_->size()));
      batch.ledger_time = applier_->ledger_time();
      absl::StatusOr<store::TreeHead> head = store_->Append(batch);
      if (!head.ok()) return head.status();
    }
    return absl::OkStatus();
  }

 private:
  store::Store* store_;
  apply::Applier* applier_;
  const uint64_t entries_;
  const int steps_;
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
            MergeEvent({"A-1a", "B-1"}, "M-1", 26000, 3900000), {"lab-1"}));
      },
      [&] { return assess("M-1", 26000); },
      [&] { return move("M-1", "lab-1", "vault-1"); },
      [&] { return move("M-1", "vault-1", "lab-1"); },
      [&] { return assess("M-1", 25990); },
      [&] { return move("M-1", "lab-1", "vault-1"); },
      [&] { return move("M-1", "vault-1", "trader-1"); },
      [&] { return move("M-1", "trader-1", "vault-1"); },
      [&] { return move("M-1", "vault-1", "trader-1"); },
  };
  for (const auto& step : story) {
    if (absl::Status s = step(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

struct Timing {
  double median_ms, p90_ms;
};

Timing Summarize(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[ms.size() * 9 / 10]};
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "provenance_bench: %s\n", s.ToString().c_str());
  return 1;
}

int Run(uint64_t entries, int runs, const std::string& dir) {
  std::printf("kpledger provenance_bench: %llu entries, %d runs\n",
              static_cast<unsigned long long>(entries), runs);
  std::printf("ed25519 verify:  %8.0f/s on 1 core\n", VerifyRate(1, 0.5));

  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  store::StoreOptions options;
  options.sync = false;  // a bench store; nothing to keep after a crash
  auto opened = store::Store::Open(dir, options);
  if (!opened.ok()) return Fail(opened.status());
  std::unique_ptr<store::Store> st = std::move(*opened);
  auto applier = apply::Applier::Open(st.get());
  if (!applier.ok()) return Fail(applier.status());
  testing::CustodyBuilder b;
  if (absl::Status s = (*applier)->Bootstrap(b.genesis_envelope()); !s.ok()) {
    return Fail(s);
  }
  const auto build_start = Clock::now();
  // 4 registrations and 20 events.
  LedgerBuilder ledger(st.get(), applier->get(), entries, /*steps=*/24);
  if (absl::Status s = TellStory(b, ledger); !s.ok()) return Fail(s);
  std::printf("log built:       %llu entries in %.1f s\n",
              static_cast<unsigned long long>(st->size()),
              Ms(build_start, Clock::now()) / 1000);

  checkpoint::CheckpointBody body;
  body.origin = b.genesis().origin();
  body.tree_size = st->size();
  body.root = st->head().root;
  v1::Checkpoint cp;
  cp.set_note(*checkpoint::SignCheckpoint(body, b.NodeSigners(2)));
  cp.set_origin(body.origin);
  cp.set_tree_size(body.tree_size);
  cp.set_root_hash(merkle::HashToBytes(body.root));
  auto trust_root = rules::VerifyGenesisEnvelope(b.genesis_envelope());
  if (!trust_root.ok()) return Fail(trust_root.status());

  std::vector<double> build_ms, verify_ms;
  v1::ProvenanceBundle bundle;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    absl::StatusOr<v1::ProvenanceBundle> built =
        provenance::BuildBundle(*st, "M-1", cp);
    build_ms.push_back(Ms(t0, Clock::now()));
    if (!built.ok()) return Fail(built.status());
    bundle = *std::move(built);
  }
  int signatures = 0;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    absl::StatusOr<v1::ProvenanceAccount> account =
        provenance::VerifyBundle(bundle, *trust_root);
    verify_ms.push_back(Ms(t0, Clock::now()));
    if (!account.ok()) return Fail(account.status());
    signatures = 0;
    for (const v1::AccountEvent& e : account->events()) {
      signatures += e.signers_size();
    }
  }
  std::printf("bundle:          %d entries, %d event signatures, %zu bytes\n",
              bundle.entries_size(), signatures, bundle.ByteSizeLong());
  const Timing build = Summarize(build_ms);
  const Timing verify = Summarize(verify_ms);
  std::printf("build bundle:    median %6.2f ms, p90 %6.2f ms\n",
              build.median_ms, build.p90_ms);
  std::printf("verify bundle:   median %6.2f ms, p90 %6.2f ms\n",
              verify.median_ms, verify.p90_ms);
  st.reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace kpledger::bench

int main(int argc, char** argv) {
  CLI::App app{"kpledger provenance bundle benchmark"};
  uint64_t entries = 1000000;
  int runs = 200;
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir =
      absl::StrCat(tmp ? tmp : "/tmp", "/kpledger-provenance-bench-", getpid());
  app.add_option("--entries", entries, "entries in the log")
      ->check(CLI::Range(100ull, 100000000ull));
  app.add_option("--runs", runs, "timed runs of build and of verify")
      ->check(CLI::Range(1, 100000));
  app.add_option("--dir", dir, "scratch directory for the store (removed)");
  CLI11_PARSE(app, argc, argv);
  return kpledger::bench::Run(entries, runs, dir);
}
