// Names the calling thread, so `top -H`, `ps -L`, perf and /proc show
// which part of a node spends the CPU (the threads would all be "kpnode").
#ifndef KPLEDGER_LEDGER_BASE_THREAD_NAME_H_
#define KPLEDGER_LEDGER_BASE_THREAD_NAME_H_

#include "absl/strings/string_view.h"

namespace kpledger::base {

// Linux keeps the first 15 bytes of `name`.
void NameThisThread(absl::string_view name);

}  // namespace kpledger::base

#endif  // KPLEDGER_LEDGER_BASE_THREAD_NAME_H_
