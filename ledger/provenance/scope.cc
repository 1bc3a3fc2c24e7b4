#include "ledger/provenance/scope.h"

namespace kpledger::provenance {

std::vector<std::string> NamedCustodians(const v1::CustodyEvent& event) {
  switch (event.body_case()) {
    case v1::CustodyEvent::kImport:
      return {event.import().custodian()};
    case v1::CustodyEvent::kCustodyTransfer:
      return {event.custody_transfer().from_custodian(),
              event.custody_transfer().to_custodian()};
    default:
      return {};
  }
}

}  // namespace kpledger::provenance
