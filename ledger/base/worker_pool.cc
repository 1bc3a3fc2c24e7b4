#include "ledger/base/worker_pool.h"

#include <algorithm>
#include <atomic>

#include "ledger/base/thread_name.h"

namespace kpledger::base {

struct WorkerPool::Loop {
  Loop(size_t n, size_t chunk, int wanted, absl::FunctionRef<void(size_t)> fn)
      : n(n), chunk(chunk), wanted(wanted), fn(fn) {}

  const size_t n;
  const size_t chunk;
  const int wanted;  // helpers it may take
  const absl::FunctionRef<void(size_t)> fn;
  std::atomic<size_t> next{0};  // the first index not yet taken
  int joined = 0;               // guarded by the pool's mu_
  int running = 0;              // helpers in RunChunks; the pool's mu_
};

WorkerPool::WorkerPool(int helpers, const std::string& name) {
  for (int i = 0; i < helpers; ++i) {
    helpers_.emplace_back([this, name] {
      NameThisThread(name);
      HelperMain();
    });
  }
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : helpers_) t.join();
}

void WorkerPool::RunChunks(Loop& loop) {
  for (size_t begin = loop.next.fetch_add(loop.chunk); begin < loop.n;
       begin = loop.next.fetch_add(loop.chunk)) {
    const size_t end = std::min(loop.n, begin + loop.chunk);
    for (size_t i = begin; i < end; ++i) loop.fn(i);
  }
}

void WorkerPool::HelperMain() {
  while (true) {
    Loop* loop;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](WorkerPool* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
            return p->stopping_ || !p->open_.empty();
          },
          this));
      if (stopping_) return;
      loop = open_.front();
      if (++loop->joined == loop->wanted) open_.pop_front();
      ++loop->running;
    }
    RunChunks(*loop);
    // The caller waits for this before its loop (on its stack) goes away.
    absl::MutexLock lock(&mu_);
    --loop->running;
  }
}

void WorkerPool::ParallelFor(size_t n, size_t chunk, int max_helpers,
                             absl::FunctionRef<void(size_t)> fn) {
  const int wanted =
      std::min<int>(max_helpers, static_cast<int>(helpers_.size()));
  Loop loop(n, std::max<size_t>(chunk, 1), wanted, fn);
  if (wanted > 0) {
    absl::MutexLock lock(&mu_);
    open_.push_back(&loop);
  }
  RunChunks(loop);
  if (wanted == 0) return;
  // Every index is taken; no helper may join now, and those that did must
  // finish theirs.
  absl::MutexLock lock(&mu_);
  auto it = std::find(open_.begin(), open_.end(), &loop);
  if (it != open_.end()) open_.erase(it);
  mu_.Await(absl::Condition(
      +[](Loop* l) { return l->running == 0; }, &loop));
}

}  // namespace kpledger::base
