// Appends batches of sample events to the store in argv[1] until killed,
// printing "acked <tree size>" after each Append returns: the sizes a crash
// must never lose. Used by store_crash_test.
#include <cstdio>

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
  for (;;) {
    const uint64_t first = (*store)->size();
    store::Batch batch = testing::SampleBatch(customs, first, 100);
    batch.applied_position = std::to_string(first);
    auto head = (*store)->Append(batch);
    if (!head.ok()) {
      std::fprintf(stderr, "%s\n", head.status().ToString().c_str());
      return 1;
    }
    std::printf("acked %llu\n", static_cast<unsigned long long>(head->size));
    std::fflush(stdout);
  }
}
