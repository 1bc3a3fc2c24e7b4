// Protobuf messages as JSON files (protobuf's JSON mapping, so an envelope
// is DSSE's JSON envelope): what kpctl and the demo read and write for
// people and other tools.
#ifndef KPLEDGER_LEDGER_BASE_PROTO_JSON_H_
#define KPLEDGER_LEDGER_BASE_PROTO_JSON_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace kpledger::base {

// Indented JSON with a final newline.
std::string ToJson(const google::protobuf::Message& message);

// NotFound if the file is missing; Unavailable if it cannot be read;
// InvalidArgument, naming the file, if it is not JSON of `message`'s type.
absl::Status ReadJsonFile(const std::string& path,
                          google::protobuf::Message* message);

// Writes ToJson(message) to `path`, replacing it. Unavailable on failure.
absl::Status WriteJsonFile(const std::string& path,
                           const google::protobuf::Message& message);

}  // namespace kpledger::base

#endif  // KPLEDGER_LEDGER_BASE_PROTO_JSON_H_
