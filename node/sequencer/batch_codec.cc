#include "node/sequencer/batch_codec.h"

#include "absl/strings/str_cat.h"
#include "kpledger/v1/batch.pb.h"
#include "ledger/entry/time.h"
#include "ledger/envelope/dsse.h"

namespace kpledger::node {

absl::StatusOr<BatchCodec> BatchCodec::Create(const v1::Genesis& genesis,
                                              std::string genesis_hash) {
  std::map<std::string, crypto::PublicKey, std::less<>> keys;
  std::map<std::string, std::string, std::less<>> names;
  for (const v1::NamedKey& nk : genesis.node_keys()) {
    absl::StatusOr<crypto::PublicKey> key =
        crypto::PublicKey::FromBytes(nk.public_key());
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "genesis node key ", nk.name(), ": ", key.status().message()));
    }
    names[key->key_id()] = nk.name();
    keys.emplace(key->key_id(), *std::move(key));
  }
  return BatchCodec(std::move(genesis_hash), std::move(keys), std::move(names));
}

std::string BatchCodec::Encode(const ProposedBatch& batch,
                               const crypto::PrivateKey& signer) const {
  v1::Batch b;
  b.set_genesis_hash(genesis_hash_);
  b.set_proposer(batch.proposer);
  b.set_proposer_key(std::string(signer.public_key().bytes()));
  b.set_nonce(batch.nonce);
  *b.mutable_proposed_time() = entry::ToTimestamp(batch.proposed_time);
  for (const std::string& e : batch.envelopes) b.add_envelopes(e);
  return envelope::SignEnvelope(envelope::kBatchPayloadType,
                                b.SerializeAsString(), {&signer})
      .SerializeAsString();
}

absl::StatusOr<ProposedBatch> BatchCodec::Decode(
    absl::string_view bytes) const {
  if (bytes.size() > kMaxBatchBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch of ", bytes.size(), " bytes is over the limit of ",
                     kMaxBatchBytes));
  }
  // ParseEnvelope's own size limit is for one event; a batch is bigger.
  v1::Envelope env;
  if (!env.ParseFromString(std::string(bytes)) || env.payload().empty()) {
    return absl::InvalidArgumentError("not a batch envelope");
  }
  if (absl::Status shape =
          envelope::CheckEnvelopeShape(env, envelope::kBatchPayloadType);
      !shape.ok()) {
    return absl::Status(shape.code(),
                        absl::StrCat("batch signature: ", shape.message()));
  }
  v1::Batch b;
  if (!b.ParseFromString(env.payload())) {
    return absl::InvalidArgumentError("batch payload is not a Batch");
  }
  // The key the batch says signed it. A genesis name's key is known here
  // and never changes (node keys are not rotated, names not reused); any
  // other name's is checked against the ledger's state when the batch is
  // applied, where every node sees the same node keys.
  const crypto::PublicKey* key = nullptr;
  absl::StatusOr<crypto::PublicKey> carried =
      crypto::PublicKey::FromBytes(b.proposer_key());
  for (const auto& [key_id, name] : names_) {
    if (name == b.proposer()) key = &keys_.find(key_id)->second;
  }
  if (key == nullptr && carried.ok()) key = &*carried;
  absl::StatusOr<std::vector<std::string>> signers = envelope::VerifyEnvelope(
      env, envelope::kBatchPayloadType,
      [key](absl::string_view key_id) -> const crypto::PublicKey* {
        return key != nullptr && key->key_id() == key_id ? key : nullptr;
      });
  if (!signers.ok()) {
    return absl::Status(
        signers.status().code(),
        absl::StrCat("batch signature (proposer \"", b.proposer().substr(0, 64),
                     "\"): ", signers.status().message()));
  }
  if (b.genesis_hash() != genesis_hash_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "batch is for ledger ", b.genesis_hash(), ", not ", genesis_hash_));
  }
  if (signers->size() != 1) {
    return absl::UnauthenticatedError(
        absl::StrCat("batch names proposer \"", b.proposer(),
                     "\" but is not signed by that node's key alone"));
  }
  ProposedBatch batch;
  batch.proposer = b.proposer();
  batch.proposer_key = std::string(key->bytes());
  batch.nonce = b.nonce();
  batch.proposed_time = entry::FromTimestamp(b.proposed_time());
  batch.envelopes.reserve(b.envelopes_size());
  for (std::string& e : *b.mutable_envelopes()) {
    batch.envelopes.push_back(std::move(e));
  }
  return batch;
}

}  // namespace kpledger::node
