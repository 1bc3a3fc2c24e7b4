// Applies the crash batches (crash_batches.h) to the store in argv[1], from
// the first batch, as a sequencer replaying its log after a restart would:
// the applier skips what it applied before. Staged one batch ahead of the
// commit, as a node's pipeline runs it. Prints "acked <position>
// <tree size>" once each batch is durable, the outcomes a crash must never
// lose, and "done" at the end. Used by applier_crash_test.
#include <cstdio>
#include <optional>

#include "ledger/apply/applier.h"
#include "ledger/store/store.h"
#include "tests/unit/apply/crash_batches.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: crash_applier STORE_DIR\n");
    return 2;
  }
  using namespace kpledger;
  testing::CustodyBuilder builder;
  const std::vector<apply::OrderedBatch> batches =
      testing::CrashBatches(builder);
  auto store = store::Store::Open(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  auto applier = apply::Applier::Open(store->get());
  if (!applier.ok()) {
    std::fprintf(stderr, "%s\n", applier.status().ToString().c_str());
    return 1;
  }
  if ((*store)->size() == 0 &&
      !(*applier)->Bootstrap(builder.genesis_envelope()).ok()) {
    return 1;
  }
  // As a node runs the applier: batch N+1 is staged (reading through N's
  // pending state) before N is committed.
  std::optional<apply::StagedApply> staged;
  uint64_t staged_position = 0;
  auto commit = [&]() -> bool {
    auto result = (*applier)->Commit(*std::move(staged));
    staged.reset();
    if (!result.ok()) {
      std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
      return false;
    }
    if (result->already_applied) return true;
    for (const v1::Receipt& r : result->receipts) {
      if (r.outcome() != v1::Receipt::ACCEPTED) {
        std::fprintf(stderr, "refused: %s\n", r.reason().c_str());
        return false;
      }
    }
    std::printf("acked %llu %llu\n",
                static_cast<unsigned long long>(staged_position),
                static_cast<unsigned long long>(result->head.size));
    std::fflush(stdout);
    return true;
  };
  for (const apply::OrderedBatch& batch : batches) {
    auto next = (*applier)->Stage((*applier)->Prepare(batch));
    if (!next.ok()) {
      std::fprintf(stderr, "%s\n", next.status().ToString().c_str());
      return 1;
    }
    if (staged.has_value() && !commit()) return 1;
    staged.emplace(*std::move(next));
    staged_position = batch.position;
  }
  if (staged.has_value() && !commit()) return 1;
  std::printf("done\n");
  return 0;
}
