// A custody event as the rules take it: the envelope bytes exactly as
// submitted, decoded once, with its event id and, once checked, its
// signers.
//
// Checking signatures is the expensive part of applying an event and it
// depends on nothing but the envelope and the signers' public keys (a key id
// is the SHA-256 of its key, so it names one key forever). The applier
// therefore checks them in parallel before it validates a batch in order;
// a key that was not known then (an actor registered earlier in the same
// batch) is looked up and checked during validation instead.
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_RULES_SIGNED_EVENT_H_
#define KPLEDGER_LEDGER_RULES_SIGNED_EVENT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/arena.h"
#include "kpledger/v1/envelope.pb.h"
#include "kpledger/v1/event.pb.h"
#include "ledger/crypto/ed25519.h"

namespace kpledger::rules {

struct SignedEvent {
  std::string envelope_bytes;  // verbatim: the log entry carries these
  // The decoded envelope and payload, on `arena`. They are never changed
  // after decoding, so copies of an event share them.
  const v1::Envelope* envelope = nullptr;
  const v1::CustodyEvent* event = nullptr;
  // Events decoded together may share one arena (the applier's batches of
  // a thousand): their messages are then freed in a few large blocks, not
  // field by field; the arena lives while any of them does.
  std::shared_ptr<google::protobuf::Arena> arena;
  std::string event_id;  // lowercase hex SHA-256 of the payload
  // The key ids of the signers, in envelope order, or why the signatures
  // are refused; nullopt until checked.
  std::optional<absl::StatusOr<std::vector<std::string>>> signers;
};

// Decodes envelope bytes into an event. InvalidArgument for bytes that are
// not an envelope, a payload type other than the event type, or a payload
// that is not a CustodyEvent (garbage, or fields this version does not
// know); ResourceExhausted for an envelope over the size limit. Decodes
// onto `arena` if given (shared by events decoded together; any thread may
// decode onto it), else onto an arena of the event's own.
absl::StatusOr<SignedEvent> DecodeEvent(
    std::string envelope_bytes,
    std::shared_ptr<google::protobuf::Arena> arena = nullptr);

// Gives the public key of a key id; nullopt if it knows none.
using KeyLookup =
    absl::FunctionRef<std::optional<crypto::PublicKey>(absl::string_view)>;

// Checks the event's signatures with the keys `lookup` gives (see
// envelope::VerifyEnvelope for the refusals) and sets `signers`. If a key
// id is unknown to `lookup`, leaves `signers` unset and returns false, so
// that validation checks the signatures against the ledger's state.
bool CheckSignatures(SignedEvent* event, KeyLookup lookup);

}  // namespace kpledger::rules

#endif  // KPLEDGER_LEDGER_RULES_SIGNED_EVENT_H_
