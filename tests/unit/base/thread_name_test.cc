// Threads carry the names operators see in top -H, ps -L and perf.
#include "ledger/base/thread_name.h"

#include <pthread.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace kpledger::base {
namespace {

std::string NameOf(std::thread& thread) {
  char name[16] = {};
  pthread_getname_np(thread.native_handle(), name, sizeof(name));
  return name;
}

// Runs `name`-ing in a new thread and returns what the system calls it.
std::string NamedThread(const std::string& name) {
  bool named = false;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread t([&] {
    NameThisThread(name);
    std::unique_lock<std::mutex> lock(mu);
    named = true;
    cv.notify_all();
    cv.wait(lock, [&] { return done; });
  });
  std::string seen;
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return named; });
    seen = NameOf(t);
    done = true;
    cv.notify_all();
  }
  t.join();
  return seen;
}

TEST(ThreadNameTest, TheThreadCarriesItsName) {
  EXPECT_EQ(NamedThread("kp-apply"), "kp-apply");
}

TEST(ThreadNameTest, LongNamesKeepTheirFirst15Bytes) {
  EXPECT_EQ(NamedThread("kp-checkpointer-thread"), "kp-checkpointer");
}

}  // namespace
}  // namespace kpledger::base
