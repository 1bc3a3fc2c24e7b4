// ledger_bench: the foundation's speed figures, measured in one run so they
// can be read as ratios (absolute times on shared machines drift).
//
//   1. Ed25519 verify rate of this machine: one core, and all cores.
//   2. Durable append of already-verified events in batches of --batch,
//      store and Merkle nodes included, one synced WriteBatch per batch.
//   3. Inclusion and consistency proof generation, and RootAt, in the store
//      of --entries entries: median and p99 over --proofs random proofs.
//   4. Resident memory after building the store and after the proofs.
//
// The store does not verify signatures (the applier does, before it), so
// the envelopes appended here carry one real signature copied across
// distinct payloads: what is measured is the store's own cost.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "kpledger/v1/event.pb.h"
#include "ledger/crypto/ed25519.h"
#include "ledger/envelope/dsse.h"
#include "ledger/merkle/verify.h"
#include "ledger/store/store.h"
#include "tests/bench/verify_rate.h"
#include "tests/testing/sample_events.h"

namespace kpledger::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

long RssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// `count` distinct import envelopes numbered from `first`, sharing one
// real signature (see the file comment).
std::vector<store::PendingEntry> MakeEntries(uint64_t first, size_t count,
                                             const v1::Envelope& signed_one) {
  std::vector<store::PendingEntry> out;
  out.reserve(count);
  v1::CustodyEvent ev;
  ev.ParseFromString(signed_one.payload());
  v1::Envelope env = signed_one;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t n = first + i;
    const std::string parcel = absl::StrCat("P-", n);
    ev.mutable_parcels(0)->set_parcel_id(parcel);
    ev.mutable_import()->set_parcel_id(parcel);
    ev.mutable_import()->mutable_certificate()->set_certificate_number(
        absl::StrCat("BW-2026-", n));
    env.set_payload(ev.SerializeAsString());
    out.push_back(testing::ToPending(env));
  }
  return out;
}

struct Rate {
  double seconds = 0;
  uint64_t events = 0;
  double PerSecond() const { return events / seconds; }
};

absl::Status AppendOneAtATime(store::Store& st,
                              const std::vector<store::Batch>& batches) {
  for (const store::Batch& b : batches) {
    absl::StatusOr<store::TreeHead> head = st.Append(b);
    if (!head.ok()) return head.status();
  }
  return absl::OkStatus();
}

// Stages batch N+1 while batch N commits on a second thread.
absl::Status AppendPipelined(store::Store& st,
                             const std::vector<store::Batch>& batches) {
  std::thread committer;
  absl::Status committed;
  for (const store::Batch& b : batches) {
    absl::StatusOr<store::StagedBatch> staged = st.Stage(b);
    if (committer.joinable()) committer.join();
    if (!staged.ok()) return staged.status();
    if (!committed.ok()) return committed;
    committer =
        std::thread([&st, &committed, s = std::move(*staged)]() mutable {
          committed = st.Commit(std::move(s)).status();
        });
  }
  if (committer.joinable()) committer.join();
  return committed;
}

struct Percentiles {
  double p50_us, p99_us;
};

Percentiles Summarize(std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

int Run(uint64_t entries, size_t batch_size, size_t proofs,
        const std::string& dir) {
  std::printf(
      "kpledger ledger_bench: %llu entries, batches of %zu, %zu proofs, "
      "%u cores\n",
      static_cast<unsigned long long>(entries), batch_size, proofs,
      std::thread::hardware_concurrency());
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  const double verify_1 = VerifyRate(1, 1.0);
  const double verify_all = VerifyRate(cores, 1.0);
  std::printf(
      "ed25519 verify:       %10.0f/s on 1 core, %10.0f/s on %d cores\n",
      verify_1, verify_all, cores);

  std::filesystem::remove_all(dir);
  auto opened = store::Store::Open(dir);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<store::Store> st = std::move(*opened);
  crypto::PrivateKey customs = testing::DeterministicKey("customs");
  const v1::Envelope signed_one = testing::SampleImport(customs, 0);
  {
    store::Batch genesis;
    genesis.entries.push_back(testing::ToPending(
        testing::SampleGenesis(testing::DeterministicKey("governance"))));
    if (!st->Append(genesis).ok()) return 1;
  }

  // The log grows in chunks of 100 batches, generated before they are
  // timed. Even chunks go one batch at a time (Append: stage, then commit);
  // odd chunks are pipelined as the applier does (batch N+1 staged while
  // batch N commits on another thread). Both cover the same range of sizes.
  Rate one_at_a_time, pipelined;
  size_t envelope_bytes = 0;
  for (int chunk = 0; st->size() < entries; ++chunk) {
    std::vector<store::Batch> batches;
    for (uint64_t next = st->size(); next < entries && batches.size() < 100;) {
      const size_t n = std::min<uint64_t>(batch_size, entries - next);
      store::Batch batch;
      batch.ledger_time = entry::LedgerTime{1788000000 + int64_t(next), 0};
      batch.entries = MakeEntries(next, n, signed_one);
      batch.applied_position = std::to_string(next);
      batches.push_back(std::move(batch));
      next += n;
    }
    envelope_bytes = batches[0].entries[0].envelope.size();
    Rate& rate = chunk % 2 == 0 ? one_at_a_time : pipelined;
    const uint64_t before = st->size();
    const auto t0 = Clock::now();
    const absl::Status st_append = chunk % 2 == 0
                                       ? AppendOneAtATime(*st, batches)
                                       : AppendPipelined(*st, batches);
    rate.seconds += Seconds(t0, Clock::now());
    rate.events += st->size() - before;
    if (!st_append.ok()) {
      std::fprintf(stderr, "%s\n", st_append.ToString().c_str());
      return 1;
    }
    std::fprintf(stderr, "  appended %7llu: %ld MiB resident\n",
                 static_cast<unsigned long long>(st->size()), RssKiB() / 1024);
  }
  for (const auto& [name, rate] :
       {std::pair<const char*, const Rate&>{"one batch at a time",
                                            one_at_a_time},
        std::pair<const char*, const Rate&>{"pipelined", pipelined}}) {
    if (rate.events == 0) continue;
    std::printf(
        "durable append:       %10.0f events/s %-19s (%zu-byte envelopes, "
        "synced per batch) = %.2fx the %d-core verify rate\n",
        rate.PerSecond(), name, envelope_bytes, rate.PerSecond() / verify_all,
        cores);
  }
  const double append_rate =
      pipelined.events > 0 ? pipelined.PerSecond() : one_at_a_time.PerSecond();
  std::printf("memory after build:   %ld MiB resident\n", RssKiB() / 1024);

  const uint64_t size = st->size();
  const merkle::Hash root = st->head().root;
  std::mt19937_64 rng(42);
  std::vector<double> incl_us, cons_us, root_us;
  for (size_t i = 0; i < proofs; ++i) {
    const uint64_t index = rng() % size;
    auto t0 = Clock::now();
    auto proof = st->InclusionProof(index, size);
    incl_us.push_back(Seconds(t0, Clock::now()) * 1e6);
    if (!proof.ok()) return 1;
    if (i % 64 == 0 &&
        !merkle::VerifyInclusion(
             index, size, merkle::HashLeaf(*st->GetLeaf(index)), *proof, root)
             .ok()) {
      std::fprintf(stderr, "inclusion proof %llu does not verify\n",
                   static_cast<unsigned long long>(index));
      return 1;
    }
    const uint64_t old_size = 1 + rng() % (size - 1);
    t0 = Clock::now();
    auto cproof = st->ConsistencyProof(old_size, size);
    cons_us.push_back(Seconds(t0, Clock::now()) * 1e6);
    if (!cproof.ok()) return 1;
    t0 = Clock::now();
    auto old_root = st->RootAt(old_size);
    root_us.push_back(Seconds(t0, Clock::now()) * 1e6);
    if (!old_root.ok()) return 1;
  }
  const Percentiles incl = Summarize(incl_us);
  const Percentiles cons = Summarize(cons_us);
  const Percentiles rt = Summarize(root_us);
  std::printf(
      "inclusion proof:      median %6.1f us, p99 %6.1f us (tree size %llu)\n",
      incl.p50_us, incl.p99_us, static_cast<unsigned long long>(size));
  std::printf("consistency proof:    median %6.1f us, p99 %6.1f us\n",
              cons.p50_us, cons.p99_us);
  std::printf("root at old size:     median %6.1f us, p99 %6.1f us\n",
              rt.p50_us, rt.p99_us);
  std::printf("memory after proofs:  %ld MiB resident\n", RssKiB() / 1024);
  std::printf(
      "ratio: append/verify(%d cores) = %.2f; inclusion proofs/s on 1 "
      "core = %.0f = %.2fx the 1-core verify rate\n",
      cores, append_rate / verify_all, 1e6 / incl.p50_us,
      (1e6 / incl.p50_us) / verify_1);
  st.reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace kpledger::bench

int main(int argc, char** argv) {
  CLI::App app{"kpledger ledger core benchmark"};
  uint64_t entries = 1000000;
  size_t batch = 1000;
  size_t proofs = 20000;
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir =
      absl::StrCat(tmp ? tmp : "/tmp", "/kpledger-bench-", getpid());
  app.add_option("--entries", entries, "entries in the store")
      ->check(CLI::Range(2ull, 100000000ull));
  app.add_option("--batch", batch, "events per appended batch")
      ->check(CLI::Range(1, 100000));
  app.add_option("--proofs", proofs, "random proofs to time")
      ->check(CLI::Range(1, 10000000));
  app.add_option("--dir", dir, "scratch directory for the store (removed)");
  CLI11_PARSE(app, argc, argv);
  return kpledger::bench::Run(entries, batch, proofs, dir);
}
