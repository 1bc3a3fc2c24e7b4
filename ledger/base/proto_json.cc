#include "ledger/base/proto_json.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/base/file.h"

namespace kpledger::base {

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  // Printing a well-formed message cannot fail.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

absl::Status ReadJsonFile(const std::string& path,
                          google::protobuf::Message* message) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(*text, message);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not JSON of a ",
                                                   message->GetTypeName(), ": ",
                                                   parsed.ToString()));
  }
  return absl::OkStatus();
}

absl::Status WriteJsonFile(const std::string& path,
                           const google::protobuf::Message& message) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << ToJson(message);
  out.close();
  if (!out.good()) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

}  // namespace kpledger::base
