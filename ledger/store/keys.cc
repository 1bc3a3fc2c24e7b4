#include "ledger/store/keys.h"

#include <cassert>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/encoding.h"
#include "ledger/envelope/dsse.h"

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

absl::StatusOr<std::string> EventIdKey(absl::string_view event_id) {
  if (!envelope::IsEventId(event_id)) {
    return absl::InvalidArgumentError(
        event_id.size() != 64
            ? absl::StrCat("event id \"", event_id.substr(0, 16), "\" has ",
                           event_id.size(), " characters, want 64 hex digits")
            : absl::StrCat("event id \"", event_id.substr(0, 16),
                           "…\" is not lowercase hex"));
  }
  // Checked above, so absl's unchecked decoder is safe; an id is public, so
  // it needs no constant-time decoding (libsodium's costs ~2,400
  // instructions an id, twice an event on the apply path).
  return absl::HexStringToBytes(event_id);
}

}  // namespace kpledger::store
