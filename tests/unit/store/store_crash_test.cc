// kill -9 a process that is appending, reopen, and check that every
// acknowledged batch is there, no half batch is, and the store audits clean.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "ledger/audit/audit.h"
#include "ledger/store/store.h"
#include "tests/testing/child_process.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::store {
namespace {

constexpr char kWriter[] = "tests/unit/store/crash_writer";

// Runs the writer until it has acknowledged at least `acks` batches, then
// kills it with SIGKILL. Returns the last acknowledged size.
uint64_t RunAndKill(const std::string& dir, int acks) {
  testing::ChildProcess child(kWriter, dir);
  EXPECT_GT(child.pid(), 0);
  FILE* in = child.out();
  unsigned long long last = 0;
  for (int seen = 0; seen < acks;) {
    unsigned long long size;
    if (std::fscanf(in, "acked %llu\n", &size) != 1) break;
    last = size;
    ++seen;
  }
  child.Kill();
  // Acks written before the kill but not yet read still count.
  unsigned long long size;
  while (std::fscanf(in, "acked %llu\n", &size) == 1) last = size;
  return last;
}

TEST(StoreCrashTest, KillNineLosesNoAcknowledgedBatchAndExposesNoHalfBatch) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir =
      (std::filesystem::path(tmp ? tmp : "/tmp") / "crash_store").string();
  std::filesystem::remove_all(dir);
  uint64_t acked = 0;
  for (int round = 0; round < 4; ++round) {
    acked = RunAndKill(dir, 10 + 7 * round);
    ASSERT_GT(acked, 0u) << "round " << round;
    KP_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(dir));
    const uint64_t size = store->size();
    EXPECT_GE(size, acked) << "round " << round << " lost acknowledged entries";
    // Genesis plus whole batches of 100: never part of a batch.
    EXPECT_EQ((size - 1) % 100, 0u) << "round " << round << ": size " << size;
    EXPECT_EQ(store->applied_position(), std::to_string(size - 100));
    KP_ASSERT_OK_AND_ASSIGN(audit::AuditReport report,
                            audit::AuditStore(*store));
    EXPECT_EQ(report.entries, size);
    EXPECT_EQ(report.root, store->head().root);
  }
}

}  // namespace
}  // namespace kpledger::store
