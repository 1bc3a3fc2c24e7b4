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

// Verifications per second of one event signature over ~`seconds` on
// `threads` threads.
inline double VerifyRate(int threads, double seconds) {
  using Clock = std::chrono::steady_clock;
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
  return total / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace kpledger::bench

#endif  // KPLEDGER_TESTS_BENCH_VERIFY_RATE_H_
