// DSSE envelopes (github.com/secure-systems-lab/dsse, protocol.md v1.0):
// pre-authentication encoding, signing and verification with Ed25519.
//
//   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
//   LEN(s)          = ASCII decimal byte length of s, no leading zeros
//
// Signatures cover PAE(payload_type, payload), so a signature made for one
// payload type never verifies under another. The payload bytes are signed
// and stored as the author serialized them, never re-serialized. An event's
// id is the lowercase hex SHA-256 of its payload bytes; adding a
// co-signature does not change it. Format page: docs/formats/dsse.md.
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_ENVELOPE_DSSE_H_
#define KPLEDGER_LEDGER_ENVELOPE_DSSE_H_

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kpledger/v1/envelope.pb.h"
#include "ledger/crypto/ed25519.h"

namespace kpledger::envelope {

inline constexpr absl::string_view kEventPayloadType =
    "application/vnd.kpledger.event.v1+proto";
inline constexpr absl::string_view kGenesisPayloadType =
    "application/vnd.kpledger.genesis.v1+proto";
// A batch a node puts into etcd (batch.proto), signed by its NODE key.
inline constexpr absl::string_view kBatchPayloadType =
    "application/vnd.kpledger.batch.v1+proto";

// Envelopes larger than this are refused before parsing (ResourceExhausted).
inline constexpr size_t kMaxEnvelopeBytes = 256 * 1024;
// More signatures than this are refused (InvalidArgument).
inline constexpr int kMaxSignatures = 16;

std::string Pae(absl::string_view payload_type, absl::string_view payload);

// Lowercase hex SHA-256 of the payload: the event id.
std::string EventId(absl::string_view payload);
// True iff `id` has the form of an event id: 64 lowercase hex digits.
bool IsEventId(absl::string_view id);

// An envelope of `payload` signed by each of `signers`, in order.
v1::Envelope SignEnvelope(
    absl::string_view payload_type, std::string payload,
    const std::vector<const crypto::PrivateKey*>& signers);

// Adds `signer`'s signature to `env` (a co-signature).
void AddSignature(v1::Envelope* env, const crypto::PrivateKey& signer);

// Parses serialized envelope bytes. InvalidArgument for garbage, truncated
// bytes (that leave a field unfinished), unknown fields, an empty payload
// type or payload; ResourceExhausted over kMaxEnvelopeBytes.
absl::StatusOr<v1::Envelope> ParseEnvelope(absl::string_view bytes);
// The same, into `env` (which may live on an arena); on error `env` holds
// whatever was parsed.
absl::Status ParseEnvelopeInto(absl::string_view bytes, v1::Envelope* env);

// Resolves a key id to a public key; nullptr if the key id is unknown.
using KeyResolver =
    absl::FunctionRef<const crypto::PublicKey*(absl::string_view keyid)>;

// The checks of VerifyEnvelope that need no key: the payload type is
// `want_payload_type`, a payload, 1 to kMaxSignatures signatures of the
// right length, no key id twice. Same codes and words as VerifyEnvelope
// (a node makes them at its door, so that such an envelope is never
// ordered).
absl::Status CheckEnvelopeShape(const v1::Envelope& env,
                                absl::string_view want_payload_type);

// Verifies every signature of `env` and returns the signers' key ids, in
// envelope order. The envelope is refused as a whole if any signature fails:
//   InvalidArgument   payload type is not `want_payload_type`; a signature
//                     of the wrong length; the same key id twice; too many
//                     signatures
//   Unauthenticated   no signatures; an unknown key id; a signature that
//                     does not verify over PAE(payload_type, payload)
absl::StatusOr<std::vector<std::string>> VerifyEnvelope(
    const v1::Envelope& env, absl::string_view want_payload_type,
    KeyResolver resolve);

}  // namespace kpledger::envelope

#endif  // KPLEDGER_LEDGER_ENVELOPE_DSSE_H_
