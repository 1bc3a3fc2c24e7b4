// The plain-text form of a provenance account, for a person to read: the
// parcel as verified, the certificates it came from and left on, and every
// verified entry, one line each. Units as a reader expects them (DESIGN §3
// stores integers): "12.500 ct", "$18,500.00", "62.5%". Text taken from
// events has its control characters replaced, so an event cannot forge
// lines of the account. Format page: docs/formats/provenance.md.
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_PROVENANCE_ACCOUNT_TEXT_H_
#define KPLEDGER_LEDGER_PROVENANCE_ACCOUNT_TEXT_H_

#include <cstdint>
#include <string>

#include "kpledger/v1/provenance.pb.h"

namespace kpledger::provenance {

std::string FormatAccount(const v1::ProvenanceAccount& account);

}  // namespace kpledger::provenance

#endif  // KPLEDGER_LEDGER_PROVENANCE_ACCOUNT_TEXT_H_
