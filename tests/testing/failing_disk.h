// A disk that fails on demand: a RocksDB Env whose files refuse every write
// and sync once fail() is called, as a full or broken disk would. For tests
// of what a store, and a node, do when a write fails.
#ifndef KPLEDGER_TESTS_TESTING_FAILING_DISK_H_
#define KPLEDGER_TESTS_TESTING_FAILING_DISK_H_

#include <atomic>
#include <memory>

#include "rocksdb/env.h"

namespace kpledger::testing {

class FailingDisk {
 public:
  FailingDisk();
  ~FailingDisk();

  // Pass as store::StoreOptions::env.
  rocksdb::Env* env() const { return env_.get(); }
  // From now on, every write, flush and sync of every file fails.
  void fail() { failing_->store(true); }

 private:
  std::shared_ptr<std::atomic<bool>> failing_;
  std::unique_ptr<rocksdb::Env> env_;
};

}  // namespace kpledger::testing

#endif  // KPLEDGER_TESTS_TESTING_FAILING_DISK_H_
