// The name of a custody event's type, as the rules name it in their
// refusals: the field name of the event's body ("custody_transfer").
// Thread-safe: a pure function.
#ifndef KPLEDGER_LEDGER_RULES_EVENT_TYPE_H_
#define KPLEDGER_LEDGER_RULES_EVENT_TYPE_H_

#include <string>

#include "kpledger/v1/event.pb.h"

namespace kpledger::rules {

// "event" for an event without a body.
inline std::string EventType(const v1::CustodyEvent& event) {
  // A oneof case's value is its field's number.
  const google::protobuf::FieldDescriptor* field =
      v1::CustodyEvent::descriptor()->FindFieldByNumber(event.body_case());
  return field == nullptr ? "event" : field->name();
}

}  // namespace kpledger::rules

#endif  // KPLEDGER_LEDGER_RULES_EVENT_TYPE_H_
