// kill -9 a process that is applying batches, restart it (the sequencer
// replays from the first batch), and check that nothing acknowledged is
// lost, no batch is applied twice, and the ledger ends with the same root
// as one uninterrupted run.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "ledger/apply/applier.h"
#include "ledger/store/store.h"
#include "tests/testing/child_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/apply/crash_batches.h"

namespace kpledger::apply {
namespace {

constexpr char kApplier[] = "tests/unit/apply/crash_applier";

struct Acked {
  uint64_t position = 0;
  uint64_t size = 0;
  bool done = false;
};

// Runs the applier until it has acknowledged `acks` batches (0: to the
// end), then kills it with SIGKILL. Returns the last acknowledgement.
Acked RunAndKill(const std::string& dir, int acks) {
  testing::ChildProcess child(kApplier, dir);
  EXPECT_GT(child.pid(), 0);
  FILE* in = child.out();
  Acked last;
  auto read_one = [&] {
    unsigned long long position, size;
    char word[8] = {};
    if (std::fscanf(in, "%7s", word) != 1) return false;
    if (std::string(word) == "done") {
      last.done = true;
      return false;
    }
    if (std::fscanf(in, "%llu %llu", &position, &size) != 2) return false;
    last = Acked{position, size, false};
    return true;
  };
  for (int seen = 0; acks == 0 || seen < acks; ++seen) {
    if (!read_one()) break;
  }
  if (acks > 0) {
    child.Kill();
  } else {
    child.Wait();
  }
  // Acknowledgements written before the kill but not yet read still count.
  while (read_one()) {
  }
  return last;
}

TEST(ApplierCrashTest, KillNineLosesNothingAcknowledgedAndAppliesOnce) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::filesystem::path base(tmp ? tmp : "/tmp");
  const std::string dir = (base / "crash_applier").string();
  std::filesystem::remove_all(dir);
  for (int round = 0; round < 4; ++round) {
    const Acked acked = RunAndKill(dir, 5 + 4 * round);
    ASSERT_GT(acked.position, 0u) << "round " << round;
    KP_ASSERT_OK_AND_ASSIGN(auto store, store::Store::Open(dir));
    KP_ASSERT_OK_AND_ASSIGN(auto applier, Applier::Open(store.get()));
    EXPECT_GE(applier->applied_position(), acked.position)
        << "round " << round << " lost an acknowledged batch";
    EXPECT_GE(store->size(), acked.size) << "round " << round;
  }
  const Acked last = RunAndKill(dir, 0);
  EXPECT_TRUE(last.done);

  // One uninterrupted run of the same batches.
  const std::string straight = (base / "crash_straight").string();
  std::filesystem::remove_all(straight);
  testing::CustodyBuilder builder;
  const std::vector<OrderedBatch> batches = testing::CrashBatches(builder);
  KP_ASSERT_OK_AND_ASSIGN(auto want_store, store::Store::Open(straight));
  KP_ASSERT_OK_AND_ASSIGN(auto want_applier, Applier::Open(want_store.get()));
  KP_ASSERT_OK(want_applier->Bootstrap(builder.genesis_envelope()));
  for (const OrderedBatch& b : batches) {
    KP_ASSERT_OK(want_applier->Apply(b).status());
  }

  KP_ASSERT_OK_AND_ASSIGN(auto store, store::Store::Open(dir));
  // Every event once: imports in every batch, transfers from the third on.
  const uint64_t events =
      1 + 3 + (testing::kCrashBatches - 1) * testing::kCrashImportsPerBatch +
      (testing::kCrashBatches - 2) * testing::kCrashImportsPerBatch;
  EXPECT_EQ(want_store->size(), events);
  EXPECT_EQ(store->size(), events);
  EXPECT_EQ(store->head().root, want_store->head().root);
  EXPECT_EQ(store->applied_position(), want_store->applied_position());
}

}  // namespace
}  // namespace kpledger::apply
