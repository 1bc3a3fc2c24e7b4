// Checks of a Kimberley Process certificate on its own, before any ledger
// state is consulted: the minimum content of KPCS Annex I (also 31 CFR
// 592.307), its dates against the batch's ledger time, and the genesis
// policy on sanctioned origins (EU 833/2014 Art. 3p). Whether the number
// was used before is a question for the ledger's state, not asked here.
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_RULES_CERTIFICATE_H_
#define KPLEDGER_LEDGER_RULES_CERTIFICATE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kpledger/v1/common.pb.h"
#include "kpledger/v1/genesis.pb.h"
#include "kpledger/v1/ledger.pb.h"
#include "ledger/entry/leaf.h"
#include "ledger/rules/codes.h"

namespace kpledger::rules {

// Checks origin shares: at least one, each a country code with a share > 0,
// no country twice, summing to exactly 1,000,000 ppm. InvalidArgument
// naming `field` and the fault.
absl::Status CheckOriginShares(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<v1::OriginShare>& origins);

// Checks an incoming certificate presented at import into the ledger of
// `ledger_country` at ledger time `now`. Returns the flags the import earns
// (SANCTIONED_ORIGIN for an origin the policy flags). Refuses:
//   InvalidArgument     a missing or malformed field (named), a number not
//                       prefixed with the exporting country's code (or
//                       nothing more, or not printable ASCII with single
//                       spaces, or over kMaxCertificateNumberBytes), an HS
//                       code KPCS does not cover, bad origin shares, an
//                       exporting country that is the ledger's own, an
//                       importing country other than the ledger's, issue
//                       date not before expiry
//   FailedPrecondition  issued after `now`, expired at `now`, or an origin
//                       the policy refuses
absl::StatusOr<std::vector<v1::Flag>> CheckImportCertificate(
    const v1::KpCertificate& cert, absl::string_view ledger_country,
    entry::LedgerTime now, const v1::Policy& policy);

// Checks an outgoing certificate the ledger's KP Authority issues for
// `parcel` at ledger time `now` (KPCS: the authority checks the contents
// against the certificate before validating it). Refuses:
//   InvalidArgument     a missing or malformed field (named), an exporting
//                       country other than the ledger's (whose code must
//                       prefix the number), an importing country that is
//                       missing or the ledger's own, issue date not before
//                       expiry
//   FailedPrecondition  issued after `now` or expired at `now`; mass, value,
//                       HS code or origin shares that differ from the
//                       parcel's (got and want named)
absl::Status CheckExportCertificate(const v1::KpCertificate& cert,
                                    const v1::ParcelState& parcel,
                                    absl::string_view ledger_country,
                                    entry::LedgerTime now);

}  // namespace kpledger::rules

#endif  // KPLEDGER_LEDGER_RULES_CERTIFICATE_H_
