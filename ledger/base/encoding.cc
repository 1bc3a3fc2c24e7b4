#include "ledger/base/encoding.h"

#include <sodium.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace kpledger::base {

std::string HexEncode(absl::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(),
                 reinterpret_cast<const unsigned char*>(bytes.data()),
                 bytes.size());
  out.pop_back();  // the terminating NUL
  return out;
}

absl::StatusOr<std::string> HexDecode(absl::string_view hex,
                                      absl::string_view what) {
  if (hex.size() % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " has odd length ", hex.size()));
  }
  std::string out(hex.size() / 2, '\0');
  size_t bin_len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     hex.data(), hex.size(), nullptr, &bin_len, &end) != 0 ||
      end != hex.data() + hex.size() || bin_len != out.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is not hex: \"", hex.substr(0, 16),
                     hex.size() > 16 ? "…" : "", "\""));
  }
  return out;
}

std::string ShortHex(absl::string_view hex) {
  if (hex.size() <= 12) return std::string(hex);
  return absl::StrCat(hex.substr(0, 12), "…");
}

std::string Base64Encode(absl::string_view bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(),
                    reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kVariant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

absl::StatusOr<std::string> Base64Decode(absl::string_view b64,
                                         absl::string_view what) {
  std::string out(b64.size() / 4 * 3 + 3, '\0');
  size_t bin_len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()),
                        out.size(), b64.data(), b64.size(), nullptr, &bin_len,
                        &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != b64.data() + b64.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is not valid base64"));
  }
  out.resize(bin_len);
  return out;
}

void PutFixed64BE(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  dst->append(buf, sizeof(buf));
}

void PutFixed32BE(std::string* dst, uint32_t v) {
  char buf[4];
  for (int i = 3; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  dst->append(buf, sizeof(buf));
}

uint64_t DecodeFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

uint32_t DecodeFixed32BE(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace kpledger::base
