// The machine's Ed25519 verify rate, the yardstick every kpledger speed
// figure is given against (absolute times on shared machines drift;
// ratios measured in the same run do not).
#ifndef KPLEDGER_TESTS_BENCH_VERIFY_RATE_H_
#define KPLEDGER_TESTS_BENCH_VERIFY_RATE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "ledger/envelope/dsse.h"
#include "tests/testing/sample_events.h"

namespace kpledger::bench {

// Verifications per second of event signatures over ~`seconds` on
// `threads` threads. Each thread checks kDistinctEvents different events
// in turn, as a node never checks the same signature twice: checking one
// event over and over lets the branch predictor learn that signature's
// data-dependent branches, which made the yardstick 1-3% faster than any
// real stream of events.
inline double VerifyRate(int threads, double seconds) {
  using Clock = std::chrono::steady_clock;
  constexpr int kDistinctEvents = 256;
  crypto::PrivateKey key = testing::DeterministicKey("bench");
  struct Signed {
    std::string pae, sig;
  };
  std::vector<Signed> events;
  for (int i = 0; i < kDistinctEvents; ++i) {
    const v1::Envelope env = testing::SampleImport(key, i + 1);
    events.push_back({envelope::Pae(env.payload_type(), env.payload()),
                      env.signatures(0).sig()});
  }
  std::atomic<uint64_t> total{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        for (const Signed& e : events) {
          if (!key.public_key().Verify(e.pae, e.sig)) std::abort();
        }
        n += events.size();
      }
      total += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  return total / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace kpledger::bench

#endif  // KPLEDGER_TESTS_BENCH_VERIFY_RATE_H_
