// CPU time of this process and of the calling thread, for benches that
// report where the cores went (CPU per event is steadier than a rate on
// shared machines).
#ifndef KPLEDGER_TESTS_BENCH_CPU_TIME_H_
#define KPLEDGER_TESTS_BENCH_CPU_TIME_H_

#include <sys/resource.h>
#include <time.h>

namespace kpledger::bench {

// User and system time of every thread of this process, in seconds.
inline double ProcessCpuSeconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec * 1e-6;
}

// CPU time of the calling thread, in seconds.
inline double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

}  // namespace kpledger::bench

#endif  // KPLEDGER_TESTS_BENCH_CPU_TIME_H_
