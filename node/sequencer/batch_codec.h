// The bytes of a batch in the ordering service (batch.proto): a DSSE
// envelope of a v1::Batch signed by the proposing node's NODE key.
//
// Anyone who can write to etcd can put bytes under the ledger's prefix;
// only a node can sign a batch. Every node decodes every batch with the
// same checks, so a batch that is not a node's, for this ledger, is refused
// by every node alike and nothing of it is applied. The genesis' node keys
// are checked here; a node key registered later is known only from the
// ledger's state, so the applier checks the key such a batch carries
// (apply::OrderedBatch::proposer) where it applies the batch.
#ifndef KPLEDGER_NODE_SEQUENCER_BATCH_CODEC_H_
#define KPLEDGER_NODE_SEQUENCER_BATCH_CODEC_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kpledger/v1/genesis.pb.h"
#include "ledger/crypto/ed25519.h"
#include "node/sequencer/sequencer.h"

namespace kpledger::node {

// Largest batch value accepted from the ordering service: etcd's default
// --max-request-bytes (1.5 MiB) bounds what can be put anyway.
inline constexpr size_t kMaxBatchBytes = 2 * 1024 * 1024;

// The help of kpledger_etcd_batches_refused_total{reason}, counted where a
// batch is refused: when it is decoded, and when it is applied.
inline constexpr char kBatchesRefusedHelp[] =
    "Puts under the ledger's prefix that are not a node's signed batch for "
    "this ledger; nothing of them is applied.";

class BatchCodec {
 public:
  // A codec for the ledger of `genesis` (whose hash is `genesis_hash`,
  // lowercase hex). InvalidArgument if a node key does not parse.
  static absl::StatusOr<BatchCodec> Create(const v1::Genesis& genesis,
                                           std::string genesis_hash);

  // The signed bytes of `batch`, which carry the signer's public key.
  // `signer` must be the node key named batch.proposer.
  std::string Encode(const ProposedBatch& batch,
                     const crypto::PrivateKey& signer) const;

  // Decodes and checks bytes read from the ordering service:
  //   InvalidArgument     not a batch envelope, or its payload not a Batch
  //                       (too large, garbage, truncated, a wrong payload
  //                       type)
  //   FailedPrecondition  the batch is for another ledger
  //   Unauthenticated     unsigned, a bad signature, more than one
  //                       signature, or a genesis node named as proposer
  //                       but another key signed
  absl::StatusOr<ProposedBatch> Decode(absl::string_view bytes) const;

 private:
  BatchCodec(std::string genesis_hash,
             std::map<std::string, crypto::PublicKey, std::less<>> keys,
             std::map<std::string, std::string, std::less<>> names)
      : genesis_hash_(std::move(genesis_hash)),
        keys_(std::move(keys)),
        names_(std::move(names)) {}

  std::string genesis_hash_;
  std::map<std::string, crypto::PublicKey, std::less<>> keys_;  // by key id
  std::map<std::string, std::string, std::less<>> names_;  // key id -> name
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SEQUENCER_BATCH_CODEC_H_
