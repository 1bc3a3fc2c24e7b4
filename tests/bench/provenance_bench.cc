// provenance_bench: how long building and verifying one provenance bundle
// takes in a large log (docs/benchmarks.md).
//
// The log holds --entries entries: kpbench's provenance ledger
// (kpbench_provenance_ledger.h), in which parcel M-1 has 20 ancestor
// events among the filler. Then BuildBundle and VerifyBundle are timed
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
#include "ledger/apply/checkpoint_body.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/envelope/dsse.h"
#include "ledger/provenance/bundle.h"
#include "ledger/provenance/verify.h"
#include "ledger/rules/genesis.h"
#include "ledger/store/store.h"
#include "tests/bench/kpbench_provenance_ledger.h"
#include "tests/bench/verify_rate.h"
#include "tests/testing/custody_builder.h"
#include "tests/testing/sample_events.h"

namespace kpledger::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
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
  testing::CustodyBuilder b;
  // The same ledger as kpbench's GetProvenance phase
  // (kpbench_provenance_ledger.h): M-1's story and the filler.
  absl::StatusOr<ProvenanceLedger> built =
      BuildProvenanceLedger(b, dir, entries);
  if (!built.ok()) return Fail(built.status());
  std::printf("log built:       %llu entries in %.1f s\n",
              static_cast<unsigned long long>(built->entries),
              built->build_seconds);
  auto opened = store::Store::Open(dir);
  if (!opened.ok()) return Fail(opened.status());
  std::unique_ptr<store::Store> st = std::move(*opened);

  absl::StatusOr<checkpoint::CheckpointBody> body =
      apply::StoreCheckpointBody(*st, b.genesis().origin(), st->size());
  if (!body.ok()) return Fail(body.status());
  v1::Checkpoint cp;
  cp.set_note(*checkpoint::SignCheckpoint(*body, b.NodeSigners(2)));
  cp.set_origin(body->origin);
  cp.set_tree_size(body->tree_size);
  cp.set_root_hash(merkle::HashToBytes(body->root));
  auto trust_root = rules::VerifyGenesisEnvelope(b.genesis_envelope());
  if (!trust_root.ok()) return Fail(trust_root.status());

  std::vector<double> build_ms, verify_ms;
  v1::ProvenanceBundle bundle;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    absl::StatusOr<v1::ProvenanceBundle> built =
        provenance::BuildBundle(*st, kProvenanceParcel, cp);
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
