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

// Verifications per second over ~`seconds` on `threads` threads.
double VerifyRate(int threads, double seconds) {
  crypto::PrivateKey key = testing::DeterministicKey("bench");
  const v1::Envelope env = testing::SampleImport(key, 1);
  const std::string pae = envelope::Pae(env.payload_type(), env.payload());
  const std::string sig = env.signatures(0).sig();
  std::atomic<uint64_t> total{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        for (int i = 0; i < 64; ++i) {
          if (!key.public_key().Verify(pae, sig)) std::abort();
        }
        n += 64;
      }
      total += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  return total / Seconds(start, Clock::now());
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

  double append_s = 0;
  uint64_t appended = 0;
  size_t envelope_bytes = 0;
  while (st->size() < entries) {
    const size_t n = std::min<uint64_t>(batch_size, entries - st->size());
    store::Batch batch;
    batch.ledger_time = entry::LedgerTime{1788000000 + int64_t(st->size()), 0};
    batch.entries = MakeEntries(st->size(), n, signed_one);
    batch.applied_position = std::to_string(st->size());
    envelope_bytes = batch.entries[0].envelope.size();
    const auto t0 = Clock::now();
    auto head = st->Append(batch);
    append_s += Seconds(t0, Clock::now());
    if (!head.ok()) {
      std::fprintf(stderr, "%s\n", head.status().ToString().c_str());
      return 1;
    }
    appended += n;
    if (appended % 100000 == 0) {
      std::fprintf(
          stderr, "  appended %7llu: %6.0f events/s so far, %ld MiB resident\n",
          static_cast<unsigned long long>(appended), appended / append_s,
          RssKiB() / 1024);
    }
  }
  const double append_rate = appended / append_s;
  std::printf(
      "durable append:       %10.0f events/s (%zu-byte envelopes, "
      "synced per batch) = %.2fx the %d-core verify rate\n",
      append_rate, envelope_bytes, append_rate / verify_all, cores);
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
