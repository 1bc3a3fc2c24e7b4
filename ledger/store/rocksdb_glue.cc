#include "ledger/store/rocksdb_glue.h"

#include "absl/strings/str_cat.h"

namespace kpledger::store {

absl::Status FromRocksDb(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(what, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsIOError() || s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) {
    return absl::UnavailableError(msg);
  }
  if (s.IsInvalidArgument()) return absl::FailedPreconditionError(msg);
  return absl::InternalError(msg);
}

MultiGetResult MultiGet(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
                        const std::vector<std::string>& keys) {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  MultiGetResult out;
  out.values.resize(keys.size());
  out.statuses.resize(keys.size());
  db->MultiGet(rocksdb::ReadOptions(), family, slices.size(), slices.data(),
               out.values.data(), out.statuses.data());
  return out;
}

}  // namespace kpledger::store
