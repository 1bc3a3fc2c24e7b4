// Events and their parts as short text for people: one line each, in the
// units a reader expects ("12.500 ct", "$18,500.00", "62.5%"). Text taken
// from an event has its control characters replaced, so an event cannot
// forge lines of what it is printed in. Used by the provenance account
// (account_text.h) and kpctl. Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_PROVENANCE_EVENT_TEXT_H_
#define KPLEDGER_LEDGER_PROVENANCE_EVENT_TEXT_H_

#include <string>

#include "google/protobuf/repeated_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "kpledger/v1/common.pb.h"
#include "kpledger/v1/event.pb.h"
#include "kpledger/v1/ledger.pb.h"

namespace kpledger::provenance {

// Free text from an event, on one line.
std::string OneLine(const std::string& text);
// RFC 3339, UTC.
std::string FormatTimestamp(const google::protobuf::Timestamp& t);
// "BW 80%, NA 20%", or "none".
std::string FormatOrigins(
    const google::protobuf::RepeatedPtrField<v1::OriginShare>& origins);
// "MASS_DISCREPANCY, VALUE_OUTLIER", or "none".
std::string FormatFlags(const google::protobuf::RepeatedField<int>& flags);
// What an event did, in a few words: "AZ-P-0001 from vault-baku to lab-baku".
std::string DescribeEvent(const v1::CustodyEvent& event);

}  // namespace kpledger::provenance

#endif  // KPLEDGER_LEDGER_PROVENANCE_EVENT_TEXT_H_
