#include "tests/bench/cpu_time.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace kpledger::bench {

double ProcessCpuSeconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec * 1e-6;
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double TicksToSeconds(uint64_t ticks) {
  return static_cast<double>(ticks) / sysconf(_SC_CLK_TCK);
}

bool ReadStat(const std::string& path, std::string* comm, uint64_t* ticks) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  // The name may hold spaces and parentheses: it ends at the last ')'.
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return false;
  *comm = text.substr(open + 1, close - open - 1);
  std::vector<std::string> fields = absl::StrSplit(
      text.substr(close + 2), ' ', absl::SkipEmpty());  // from field 3
  if (fields.size() < 13) return false;
  uint64_t utime = 0, stime = 0;
  if (!absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return false;
  }
  *ticks = utime + stime;
  return true;
}

double ProcessCpuSeconds(pid_t pid) {
  std::string comm;
  uint64_t ticks = 0;
  if (!ReadStat(absl::StrCat("/proc/", pid, "/stat"), &comm, &ticks)) return 0;
  return TicksToSeconds(ticks);
}

double MachineBusySeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0,
           softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >>
      steal;
  return TicksToSeconds(user + nice + system + irq + softirq + steal);
}

}  // namespace kpledger::bench
