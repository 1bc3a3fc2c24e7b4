// Signed sample envelopes for tests and benchmarks: a genesis and simple
// custody events, deterministic for a given seed so tests can compare runs.
#ifndef KPLEDGER_TESTS_TESTING_SAMPLE_EVENTS_H_
#define KPLEDGER_TESTS_TESTING_SAMPLE_EVENTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kpledger/v1/envelope.pb.h"
#include "ledger/crypto/ed25519.h"
#include "ledger/store/store.h"

namespace kpledger::testing {

inline constexpr char kTestOrigin[] = "kpledger.test/custody";

// A key derived from `label`, the same in every run.
crypto::PrivateKey DeterministicKey(const std::string& label);

// Entry 0: a genesis signed by `governance`.
v1::Envelope SampleGenesis(const crypto::PrivateKey& governance);

// An Import of parcel "P-<n>" signed by `customs`; `n` makes it unique.
v1::Envelope SampleImport(const crypto::PrivateKey& customs, uint64_t n);

// The envelope's bytes and event id, ready for Store::Append.
store::PendingEntry ToPending(const v1::Envelope& env);

// A batch of `count` sample imports numbered from `first`.
store::Batch SampleBatch(const crypto::PrivateKey& customs, uint64_t first,
                         size_t count);

}  // namespace kpledger::testing

#endif  // KPLEDGER_TESTS_TESTING_SAMPLE_EVENTS_H_
