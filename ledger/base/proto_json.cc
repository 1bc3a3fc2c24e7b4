#include "ledger/base/proto_json.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

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
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(absl::StrCat("no file ", path));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return absl::UnavailableError(absl::StrCat("cannot read ", path));
  }
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(text.str(), message);
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
