// Genesis: the trust root of a ledger, entry 0 of its log (DESIGN §3).
//
// A genesis envelope carries a kpledger.v1.Genesis with payload type
// "application/vnd.kpledger.genesis.v1+proto" and is signed by at least
// governance_threshold of the governance keys it names: it vouches for
// itself, and everything after it is checked against it. Its hash (the
// lowercase hex SHA-256 of the payload) names the ledger; nodes of one
// ledger hold the same genesis.
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_RULES_GENESIS_H_
#define KPLEDGER_LEDGER_RULES_GENESIS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kpledger/v1/envelope.pb.h"
#include "kpledger/v1/genesis.pb.h"
#include "ledger/checkpoint/note.h"

namespace kpledger::rules {

// Checks that a genesis is well-formed. InvalidArgument names the field:
// an origin that is empty or holds white space, '+' or control characters
// (it is the checkpoint origin line); a country code that is not two
// upper-case letters; no governance or node keys; a key that is not 32
// bytes or is listed twice; a node key name that is not a valid note key
// name or is used twice; a threshold of 0 or above its key count; a policy
// tolerance above 1,000,000 ppm; a sanctioned origin that is not a country
// code, is listed twice or has no action; no created_at.
absl::Status ValidateGenesis(const v1::Genesis& genesis);

// Checks a policy (the genesis' or an UpdatePolicy's). InvalidArgument
// naming the field ("policy.<name>"): a tolerance above 1,000,000 ppm; a
// sanctioned origin that is not a country code, is listed twice or has no
// action.
absl::Status ValidatePolicy(const v1::Policy& policy);

struct VerifiedGenesis {
  v1::Genesis genesis;
  std::string hash;  // lowercase hex SHA-256 of the payload
};

// Parses and checks a genesis envelope: the payload type, the genesis
// itself (ValidateGenesis), and that at least governance_threshold distinct
// governance keys of this genesis signed it. Unauthenticated for a
// signature by another key or below the threshold.
absl::StatusOr<VerifiedGenesis> VerifyGenesisEnvelope(
    const v1::Envelope& envelope);

// The checkpoint verifiers of the genesis' node keys.
// REQUIRES: ValidateGenesis(genesis) is OK.
std::vector<checkpoint::NoteVerifier> NodeVerifiers(const v1::Genesis& genesis);

}  // namespace kpledger::rules

#endif  // KPLEDGER_LEDGER_RULES_GENESIS_H_
