// Glue between RocksDB and the rest of the ledger: status codes (DataLoss
// for corruption, Unavailable for I/O a retry may fix) and string views
// (Debian's Abseil has its own string_view, not std::string_view).
#ifndef KPLEDGER_LEDGER_STORE_ROCKSDB_GLUE_H_
#define KPLEDGER_LEDGER_STORE_ROCKSDB_GLUE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/slice.h"
#include "rocksdb/status.h"

namespace kpledger::store {

absl::Status FromRocksDb(const rocksdb::Status& s, absl::string_view what);

inline rocksdb::Slice ToSlice(absl::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}
inline absl::string_view ToView(const rocksdb::Slice& s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace kpledger::store

#endif  // KPLEDGER_LEDGER_STORE_ROCKSDB_GLUE_H_
