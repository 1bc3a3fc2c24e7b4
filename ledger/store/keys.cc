#include "ledger/store/keys.h"

#include <cassert>

#include "ledger/base/encoding.h"

namespace kpledger::store {

std::string EntryKey(uint64_t index) { return EncodeU64(index); }

std::string EncodeU64(uint64_t v) {
  std::string out;
  base::PutFixed64BE(&out, v);
  return out;
}

uint64_t DecodeU64(absl::string_view bytes) {
  assert(bytes.size() == 8);
  return base::DecodeFixed64BE(bytes.data());
}

}  // namespace kpledger::store
