// Threads kept for loops whose iterations run in parallel (the applier's
// signature checks), so that each loop does not start and end threads of
// its own: measured, the short-lived threads spent ~9% of their time in
// the kernel, starting up and faulting in their stacks and caches.
//
// Thread-safe: ParallelFor may be called from several threads at once;
// each call gets the helpers that are free.
#ifndef KPLEDGER_LEDGER_BASE_WORKER_POOL_H_
#define KPLEDGER_LEDGER_BASE_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"

namespace kpledger::base {

class WorkerPool {
 public:
  // `helpers` threads, named `name` (base::NameThisThread).
  WorkerPool(int helpers, const std::string& name);
  ~WorkerPool();  // waits for the helpers to end; no call may be running
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Calls fn(i) once for every i in [0, n), `chunk` indexes at a time, on
  // the calling thread and up to `max_helpers` helpers; returns when every
  // call has returned. The order of the calls is unspecified.
  void ParallelFor(size_t n, size_t chunk, int max_helpers,
                   absl::FunctionRef<void(size_t)> fn);

 private:
  struct Loop;

  void HelperMain();
  static void RunChunks(Loop& loop);

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Loops that want more helpers than have joined them, oldest first.
  std::deque<Loop*> open_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> helpers_;
};

}  // namespace kpledger::base

#endif  // KPLEDGER_LEDGER_BASE_WORKER_POOL_H_
