// Glue between RocksDB and the rest of the ledger: status codes (DataLoss
// for corruption, Unavailable for I/O a retry may fix) and string views
// (Debian's Abseil has its own string_view, not std::string_view).
#ifndef KPLEDGER_LEDGER_STORE_ROCKSDB_GLUE_H_
#define KPLEDGER_LEDGER_STORE_ROCKSDB_GLUE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
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

// The values of `keys` in `family`, read in one MultiGet: values[i] and
// statuses[i] answer keys[i] (NotFound for a key that is absent).
struct MultiGetResult {
  std::vector<rocksdb::PinnableSlice> values;
  std::vector<rocksdb::Status> statuses;
};
MultiGetResult MultiGet(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
                        const std::vector<std::string>& keys);

}  // namespace kpledger::store

#endif  // KPLEDGER_LEDGER_STORE_ROCKSDB_GLUE_H_
