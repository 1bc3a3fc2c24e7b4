// Appends batches of sample events to the store in argv[1] until killed,
// printing "acked <tree size>" after each Commit returns: the sizes a crash
// must never lose. Used by store_crash_test.
#include <atomic>
#include <cstdio>
#include <thread>

#include "ledger/store/store.h"
#include "tests/testing/sample_events.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: crash_writer STORE_DIR\n");
    return 2;
  }
  using namespace kpledger;
  auto store = store::Store::Open(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  crypto::PrivateKey customs = testing::DeterministicKey("customs");
  if ((*store)->size() == 0) {
    store::Batch genesis;
    genesis.entries.push_back(testing::ToPending(
        testing::SampleGenesis(testing::DeterministicKey("governance"))));
    if (!(*store)->Append(genesis).ok()) return 1;
  }
  // Pipelined as the applier does: batch N+1 is staged while batch N
  // commits on another thread, so a kill can land in either step.
  std::thread committer;
  std::atomic<bool> failed{false};
  uint64_t first = (*store)->size();
  for (;;) {
    store::Batch batch = testing::SampleBatch(customs, first, 100);
    batch.applied_position = std::to_string(first);
    auto staged = (*store)->Stage(batch);
    if (!staged.ok()) {
      std::fprintf(stderr, "%s\n", staged.status().ToString().c_str());
      return 1;
    }
    first = staged->head().size;
    if (committer.joinable()) committer.join();
    if (failed) return 1;
    committer = std::thread([&store, &failed,
                             s = std::move(*staged)]() mutable {
      auto head = (*store)->Commit(std::move(s));
      if (!head.ok()) {
        std::fprintf(stderr, "%s\n", head.status().ToString().c_str());
        failed = true;
        return;
      }
      std::printf("acked %llu\n", static_cast<unsigned long long>(head->size));
      std::fflush(stdout);
    });
  }
}
