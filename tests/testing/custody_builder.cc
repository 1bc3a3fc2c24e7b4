#include "tests/testing/custody_builder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/crypto/sha256.h"
#include "ledger/envelope/dsse.h"
#include "ledger/rules/parcel_refs.h"

namespace kpledger::testing {
namespace {

crypto::PrivateKey KeyFor(const std::string& label) {
  return *crypto::PrivateKey::FromSeed(crypto::DigestBytes(
      crypto::Sha256(absl::StrCat("kpledger-builder-key:", label))));
}

void SetTime(google::protobuf::Timestamp* t, int64_t seconds) {
  t->set_seconds(seconds);
  t->set_nanos(0);
}

}  // namespace

v1::Policy DefaultPolicy() {
  v1::Policy p;
  p.set_mass_tolerance_ppm(5000);
  p.set_value_band_ppm(250000);
  p.set_loss_tolerance_ppm(1000);
  v1::SanctionedOrigin* ru = p.add_sanctioned_origins();
  ru->set_country("RU");
  ru->set_action(v1::SANCTION_REFUSE);
  SetTime(ru->mutable_effective_from(), 1704067200);  // 2024-01-01
  v1::SanctionedOrigin* ve = p.add_sanctioned_origins();
  ve->set_country("VE");
  ve->set_action(v1::SANCTION_FLAG);
  SetTime(ve->mutable_effective_from(), 1704067200);
  p.set_confirmation_period_days(60);
  p.set_quick_reexport_days(7);
  p.set_transfer_seals_required(true);
  return p;
}

v1::KpCertificate IncomingCertificate(
    const std::string& number, const std::string& country, int64_t mass_mct,
    int64_t value_usd_cents, const std::string& hs_code,
    std::vector<std::pair<std::string, uint32_t>> origins) {
  v1::KpCertificate c;
  c.set_certificate_number(number);
  c.set_exporting_country(country);
  c.set_issuing_authority(absl::StrCat(country, " KP Authority"));
  SetTime(c.mutable_issued_at(), kGenesisSeconds - 31 * kDay);
  SetTime(c.mutable_expires_at(), kGenesisSeconds + 334 * kDay);
  c.mutable_exporter()->set_name(absl::StrCat(country, " Rough Exports Ltd"));
  c.mutable_exporter()->set_country(country);
  c.mutable_importer()->set_name("Baku Gems LLC");
  c.mutable_importer()->set_country("AZ");
  c.mutable_importer()->set_license_id("AZ-LIC-001");
  c.set_importing_country("AZ");
  c.set_mass_mct(mass_mct);
  c.set_value_usd_cents(value_usd_cents);
  c.set_parcel_count(1);
  c.set_hs_code(hs_code);
  if (origins.empty()) origins.push_back({country, 1000000});
  for (const auto& [o, share] : origins) {
    v1::OriginShare* s = c.add_origins();
    s->set_country(o);
    s->set_share_ppm(share);
  }
  c.add_seal_ids(absl::StrCat("SEAL-", number));
  return c;
}

CustodyBuilder::CustodyBuilder(const v1::Policy& policy,
                               uint32_t checkpoint_threshold) {
  genesis_.set_origin(kBuilderOrigin);
  genesis_.set_country_code("AZ");
  for (int i = 0; i < 3; ++i) {
    governance_.push_back(KeyFor(absl::StrCat("governance-", i)));
    v1::NamedKey* k = genesis_.add_governance_keys();
    k->set_name(absl::StrCat("governance-", i + 1));
    k->set_public_key(std::string(governance_.back().public_key().bytes()));
    nodes_.push_back(KeyFor(absl::StrCat("node-", i)));
    v1::NamedKey* n = genesis_.add_node_keys();
    n->set_name(absl::StrCat("node-", i + 1, ".kpledger.test"));
    n->set_public_key(std::string(nodes_.back().public_key().bytes()));
  }
  genesis_.set_governance_threshold(2);
  genesis_.set_checkpoint_threshold(checkpoint_threshold);
  genesis_.set_node_keys_by_governance(true);
  *genesis_.mutable_policy() = policy;
  SetTime(genesis_.mutable_created_at(), kGenesisSeconds);
  genesis_envelope_ = envelope::SignEnvelope(
      envelope::kGenesisPayloadType, genesis_.SerializeAsString(),
      {&governance_[0], &governance_[1]});
}

std::vector<checkpoint::NoteSigner> CustodyBuilder::NodeSigners(
    int count) const {
  std::vector<checkpoint::NoteSigner> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(*checkpoint::NoteSigner::Create(genesis_.node_keys(i).name(),
                                                  nodes_[i]));
  }
  return out;
}

crypto::PrivateKey CustodyBuilder::ActorKey(const std::string& actor_id,
                                            int generation) {
  return KeyFor(absl::StrCat("actor:", actor_id, ":", generation));
}

v1::Envelope CustodyBuilder::Register(const std::string& actor_id,
                                      v1::Role role,
                                      const std::string& license_id,
                                      int signers) {
  v1::CustodyEvent ev;
  v1::RegisterActor* r = ev.mutable_register_actor();
  r->set_actor_id(actor_id);
  r->set_name(absl::StrCat(actor_id, " (", v1::Role_Name(role), ")"));
  r->set_role(role);
  r->set_public_key(std::string(ActorKey(actor_id).public_key().bytes()));
  r->set_license_id(license_id);
  return Governance(std::move(ev), signers);
}

v1::Envelope CustodyBuilder::Governance(v1::CustodyEvent event, int signers) {
  std::vector<const crypto::PrivateKey*> keys;
  for (int i = 0; i < signers; ++i) keys.push_back(&governance_[i]);
  return SignWith(std::move(event), keys);
}

v1::CustodyEvent CustodyBuilder::Complete(v1::CustodyEvent event) const {
  event.set_origin(kBuilderOrigin);
  if (!event.has_created_at()) SetTime(event.mutable_created_at(), 0);
  if (event.parcels().empty()) {
    const rules::TouchedParcels touched = rules::ParcelsTouchedBy(event);
    for (const std::string& id : touched.existing) {
      v1::ParcelHead* h = event.add_parcels();
      h->set_parcel_id(id);
      h->set_head(Head(id));
    }
    for (const std::string& id : touched.created) {
      event.add_parcels()->set_parcel_id(id);
    }
  }
  return event;
}

void CustodyBuilder::Advance(const v1::CustodyEvent& event,
                             const std::string& event_id) {
  for (const v1::ParcelHead& h : event.parcels())
    heads_[h.parcel_id()] = event_id;
}

v1::Envelope CustodyBuilder::Sign(v1::CustodyEvent event,
                                  const std::vector<std::string>& signers,
                                  bool expect_accept) {
  std::vector<const crypto::PrivateKey*> keys;
  for (const std::string& id : signers) {
    const int g = generation_.count(id) ? generation_.at(id) : 0;
    const std::string slot = absl::StrCat(id, ":", g);
    auto& key = keys_[slot];
    if (key == nullptr) {
      key = std::make_unique<crypto::PrivateKey>(ActorKey(id, g));
    }
    keys.push_back(key.get());
  }
  return SignWith(std::move(event), keys, expect_accept);
}

v1::Envelope CustodyBuilder::SignWith(
    v1::CustodyEvent event, const std::vector<const crypto::PrivateKey*>& keys,
    bool expect_accept) {
  event = Complete(std::move(event));
  v1::Envelope env = envelope::SignEnvelope(envelope::kEventPayloadType,
                                            event.SerializeAsString(), keys);
  if (expect_accept) Advance(event, envelope::EventId(env.payload()));
  return env;
}

std::string CustodyBuilder::Head(const std::string& parcel_id) const {
  auto it = heads_.find(parcel_id);
  return it == heads_.end() ? "" : it->second;
}

void CustodyBuilder::SetKeyGeneration(const std::string& actor_id, int g) {
  generation_[actor_id] = g;
}

v1::CustodyEvent ImportEvent(const std::string& parcel_id,
                             const std::string& custodian,
                             const v1::KpCertificate& cert) {
  v1::CustodyEvent ev;
  v1::Import* b = ev.mutable_import();
  b->set_parcel_id(parcel_id);
  *b->mutable_certificate() = cert;
  b->set_custodian(custodian);
  return ev;
}

v1::CustodyEvent TransferEvent(const std::string& parcel_id,
                               const std::string& from, const std::string& to) {
  return TransferEvent(parcel_id, from, to, {absl::StrCat("SEAL-", parcel_id)});
}

v1::CustodyEvent TransferEvent(const std::string& parcel_id,
                               const std::string& from, const std::string& to,
                               const std::vector<std::string>& seals) {
  v1::CustodyEvent ev;
  v1::CustodyTransfer* b = ev.mutable_custody_transfer();
  b->set_parcel_id(parcel_id);
  b->set_from_custodian(from);
  b->set_to_custodian(to);
  for (const std::string& s : seals) b->add_seal_ids(s);
  return ev;
}

v1::CustodyEvent AssessmentEvent(const std::string& parcel_id,
                                 int64_t measured_mass_mct,
                                 int64_t assessed_value_usd_cents,
                                 const std::string& report_number) {
  v1::CustodyEvent ev;
  v1::LabAssessment* b = ev.mutable_lab_assessment();
  b->set_parcel_id(parcel_id);
  b->set_measured_mass_mct(measured_mass_mct);
  b->set_stone_count(40);
  b->set_assessed_value_usd_cents(assessed_value_usd_cents);
  b->set_report_number(report_number);
  auto* gem = b->add_classification();
  gem->set_name("gem");
  gem->set_share_ppm(600000);
  auto* ind = b->add_classification();
  ind->set_name("industrial");
  ind->set_share_ppm(400000);
  return ev;
}

v1::CustodyEvent SplitEvent(
    const std::string& parcel_id,
    const std::vector<std::pair<std::string, int64_t>>& children_mass,
    int64_t value_each_usd_cents, const std::string& hs_code) {
  v1::CustodyEvent ev;
  v1::Split* b = ev.mutable_split();
  b->set_parcel_id(parcel_id);
  for (const auto& [id, mass] : children_mass) {
    v1::Split::Child* c = b->add_children();
    c->set_parcel_id(id);
    c->set_mass_mct(mass);
    c->set_value_usd_cents(value_each_usd_cents);
    c->set_hs_code(hs_code);
  }
  return ev;
}

v1::CustodyEvent MergeEvent(const std::vector<std::string>& parcel_ids,
                            const std::string& new_parcel_id, int64_t mass_mct,
                            int64_t value_usd_cents,
                            const std::string& hs_code) {
  v1::CustodyEvent ev;
  v1::Merge* b = ev.mutable_merge();
  for (const std::string& id : parcel_ids) b->add_parcel_ids(id);
  b->set_new_parcel_id(new_parcel_id);
  b->set_mass_mct(mass_mct);
  b->set_value_usd_cents(value_usd_cents);
  b->set_hs_code(hs_code);
  return ev;
}

v1::CustodyEvent ExportEvent(
    const std::string& parcel_id, const std::string& number, int64_t mass_mct,
    int64_t value_usd_cents, const std::string& hs_code,
    const std::vector<std::pair<std::string, uint32_t>>& origins,
    const std::string& exporter_licence, const std::string& importing_country,
    int64_t issued_seconds) {
  v1::CustodyEvent ev;
  v1::Export* b = ev.mutable_export_();
  b->set_parcel_id(parcel_id);
  v1::KpCertificate* c = b->mutable_certificate();
  c->set_certificate_number(number);
  c->set_exporting_country("AZ");
  c->set_issuing_authority("AZ State Committee KP Authority");
  SetTime(c->mutable_issued_at(), issued_seconds);
  SetTime(c->mutable_expires_at(), issued_seconds + 180 * kDay);
  c->mutable_exporter()->set_name("Baku Gems LLC");
  c->mutable_exporter()->set_country("AZ");
  c->mutable_exporter()->set_license_id(exporter_licence);
  c->mutable_importer()->set_name(
      absl::StrCat(importing_country, " Diamond Bourse Member"));
  c->mutable_importer()->set_country(importing_country);
  c->set_importing_country(importing_country);
  c->set_mass_mct(mass_mct);
  c->set_value_usd_cents(value_usd_cents);
  c->set_parcel_count(1);
  c->set_hs_code(hs_code);
  for (const auto& [o, share] : origins) {
    v1::OriginShare* s = c->add_origins();
    s->set_country(o);
    s->set_share_ppm(share);
  }
  c->add_seal_ids(absl::StrCat("SEAL-", number));
  return ev;
}

v1::CustodyEvent ConfirmationEvent(const std::string& number,
                                   const std::string& importing_country,
                                   int64_t mass_mct, int64_t received_seconds) {
  v1::CustodyEvent ev;
  v1::ImportConfirmation* b = ev.mutable_import_confirmation();
  b->set_certificate_number(number);
  b->set_confirming_authority(absl::StrCat(importing_country, " KP Authority"));
  SetTime(b->mutable_received_at(), received_seconds);
  b->set_parcel_count(1);
  b->set_mass_mct(mass_mct);
  b->mutable_importer()->set_name(
      absl::StrCat(importing_country, " Diamond Bourse Member"));
  b->mutable_exporter()->set_name("Baku Gems LLC");
  b->set_importing_country(importing_country);
  return ev;
}

}  // namespace kpledger::testing
