// Byte encodings used by every format in the ledger: lowercase hex, standard
// base64 (RFC 4648 §4, with padding), and fixed-width big-endian integers.
// Hex and base64 go through libsodium (constant-time, no hand-rolled
// tables). Thread-safe: all functions are pure.
#ifndef KPLEDGER_LEDGER_BASE_ENCODING_H_
#define KPLEDGER_LEDGER_BASE_ENCODING_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kpledger::base {

// Lowercase hex of `bytes`.
std::string HexEncode(absl::string_view bytes);
// Decodes lowercase or uppercase hex. InvalidArgument names `what` on odd
// length or a non-hex character.
absl::StatusOr<std::string> HexDecode(absl::string_view hex,
                                      absl::string_view what = "hex string");

// The first 12 digits of a hex id and an ellipsis, for messages that name
// an event, key or hash without printing all 64 digits.
std::string ShortHex(absl::string_view hex);

// Standard base64 with padding.
std::string Base64Encode(absl::string_view bytes);
// Decodes standard base64 with padding; no whitespace, no trailing bytes.
absl::StatusOr<std::string> Base64Decode(absl::string_view b64,
                                         absl::string_view what = "base64");

// Appends `v` as 8 / 4 big-endian bytes.
void PutFixed64BE(std::string* dst, uint64_t v);
void PutFixed32BE(std::string* dst, uint32_t v);
// REQUIRES: p points at >= 8 / 4 readable bytes.
uint64_t DecodeFixed64BE(const char* p);
uint32_t DecodeFixed32BE(const char* p);

}  // namespace kpledger::base

#endif  // KPLEDGER_LEDGER_BASE_ENCODING_H_
