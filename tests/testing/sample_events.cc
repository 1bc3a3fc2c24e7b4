#include "tests/testing/sample_events.h"

#include "absl/strings/str_cat.h"
#include "kpledger/v1/event.pb.h"
#include "kpledger/v1/genesis.pb.h"
#include "ledger/crypto/sha256.h"
#include "ledger/envelope/dsse.h"

namespace kpledger::testing {

crypto::PrivateKey DeterministicKey(const std::string& label) {
  return *crypto::PrivateKey::FromSeed(crypto::DigestBytes(
      crypto::Sha256(absl::StrCat("kpledger-test-key:", label))));
}

v1::Envelope SampleGenesis(const crypto::PrivateKey& governance) {
  v1::Genesis g;
  g.set_origin(kTestOrigin);
  g.set_country_code("AZ");
  v1::NamedKey* k = g.add_governance_keys();
  k->set_name("governance-1");
  k->set_public_key(std::string(governance.public_key().bytes()));
  g.set_governance_threshold(1);
  v1::NamedKey* node = g.add_node_keys();
  node->set_name("node.kpledger.test");
  node->set_public_key(
      std::string(DeterministicKey("node").public_key().bytes()));
  g.set_checkpoint_threshold(1);
  g.set_node_keys_by_governance(true);
  g.mutable_policy()->set_mass_tolerance_ppm(5000);
  g.mutable_created_at()->set_seconds(1788000000);
  return envelope::SignEnvelope(envelope::kGenesisPayloadType,
                                g.SerializeAsString(), {&governance});
}

v1::Envelope SampleImport(const crypto::PrivateKey& customs, uint64_t n) {
  v1::CustodyEvent ev;
  ev.set_origin(kTestOrigin);
  ev.mutable_created_at()->set_seconds(1788000000 + static_cast<int64_t>(n));
  const std::string parcel = absl::StrCat("P-", n);
  v1::ParcelHead* head = ev.add_parcels();
  head->set_parcel_id(parcel);
  v1::Import* imp = ev.mutable_import();
  imp->set_parcel_id(parcel);
  imp->set_custodian("customs-1");
  v1::KpCertificate* cert = imp->mutable_certificate();
  cert->set_certificate_number(absl::StrCat("BW-2026-", n));
  cert->set_exporting_country("BW");
  cert->set_issuing_authority("Botswana Diamond Hub");
  cert->mutable_issued_at()->set_seconds(1787000000);
  cert->mutable_expires_at()->set_seconds(1792000000);
  cert->mutable_exporter()->set_name("Gaborone Rough Ltd");
  cert->mutable_importer()->set_name("Baku Gems LLC");
  cert->set_importing_country("AZ");
  cert->set_mass_mct(12500 + static_cast<int64_t>(n % 1000));
  cert->set_value_usd_cents(1850000);
  cert->set_parcel_count(1);
  cert->set_hs_code("7102.31");
  v1::OriginShare* o = cert->add_origins();
  o->set_country("BW");
  o->set_share_ppm(1000000);
  cert->add_seal_ids(absl::StrCat("SEAL-", n));
  return envelope::SignEnvelope(envelope::kEventPayloadType,
                                ev.SerializeAsString(), {&customs});
}

store::PendingEntry ToPending(const v1::Envelope& env) {
  return store::PendingEntry{env.SerializeAsString(),
                             envelope::EventId(env.payload())};
}

store::Batch SampleBatch(const crypto::PrivateKey& customs, uint64_t first,
                         size_t count) {
  store::Batch batch;
  batch.ledger_time =
      entry::LedgerTime{1788000000 + static_cast<int64_t>(first), 0};
  batch.entries.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    batch.entries.push_back(ToPending(SampleImport(customs, first + i)));
  }
  return batch;
}

}  // namespace kpledger::testing
