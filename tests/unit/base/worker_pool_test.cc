// The worker pool: every index once, in parallel when helpers are free,
// from several callers at once.
#include "ledger/base/worker_pool.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace kpledger::base {
namespace {

TEST(WorkerPoolTest, EveryIndexRunsOnce) {
  WorkerPool pool(2, "kp-test");
  for (size_t n : {0, 1, 7, 8, 9, 1000}) {
    for (int helpers : {0, 1, 2, 5}) {
      std::vector<std::atomic<int>> calls(n);
      pool.ParallelFor(n, 8, helpers, [&](size_t i) { ++calls[i]; });
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(calls[i].load(), 1) << "n " << n << " index " << i;
      }
    }
  }
}

// The two halves wait for each other: they finish only if a helper runs
// one while the caller runs the other.
TEST(WorkerPoolTest, AHelperRunsBesideTheCaller) {
  WorkerPool pool(1, "kp-test");
  absl::Mutex mu;
  int started = 0;
  bool together = true;
  pool.ParallelFor(2, 1, 1, [&](size_t) {
    absl::MutexLock lock(&mu);
    ++started;
    together &=
        mu.AwaitWithTimeout(absl::Condition(
                                +[](int* s) { return *s == 2; }, &started),
                            absl::Seconds(10));
  });
  EXPECT_TRUE(together);
}

TEST(WorkerPoolTest, WithoutHelpersTheCallerRunsAll) {
  WorkerPool pool(2, "kp-test");
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> elsewhere{0};
  pool.ParallelFor(500, 4, 0, [&](size_t) {
    if (std::this_thread::get_id() != caller) ++elsewhere;
  });
  EXPECT_EQ(elsewhere.load(), 0);
}

TEST(WorkerPoolTest, SeveralCallersAtOnce) {
  WorkerPool pool(2, "kp-test");
  std::vector<std::thread> callers;
  std::vector<std::vector<std::atomic<int>>> calls(4);
  for (auto& c : calls) c = std::vector<std::atomic<int>>(2000);
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      for (int round = 0; round < 20; ++round) {
        pool.ParallelFor(100, 8, 2,
                         [&](size_t i) { ++calls[c][round * 100 + i]; });
      }
    });
  }
  for (std::thread& t : callers) t.join();
  for (const auto& c : calls) {
    for (const std::atomic<int>& n : c) ASSERT_EQ(n.load(), 1);
  }
}

}  // namespace
}  // namespace kpledger::base
