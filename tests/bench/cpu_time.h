// CPU time of processes and threads, for benches that report where the
// cores went (CPU per event is steadier than a rate on shared machines).
#ifndef KPLEDGER_TESTS_BENCH_CPU_TIME_H_
#define KPLEDGER_TESTS_BENCH_CPU_TIME_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace kpledger::bench {

// User and system time of every thread of this process, in seconds.
double ProcessCpuSeconds();

// CPU time of the calling thread, in seconds.
double ThreadCpuSeconds();

// Clock ticks (/proc's unit) in seconds.
double TicksToSeconds(uint64_t ticks);

// utime + stime, in ticks, of a /proc stat file (/proc/<pid>/stat or
// /proc/<pid>/task/<tid>/stat), and the name in its parentheses. False if
// it cannot be read (the process or thread is gone).
bool ReadStat(const std::string& path, std::string* comm, uint64_t* ticks);

// User and system time of process `pid` (all its threads, also exited
// ones), in seconds; 0 if it is gone.
double ProcessCpuSeconds(pid_t pid);

// Busy CPU time of the whole machine (every process, every core), in
// seconds, from /proc/stat.
double MachineBusySeconds();

}  // namespace kpledger::bench

#endif  // KPLEDGER_TESTS_BENCH_CPU_TIME_H_
