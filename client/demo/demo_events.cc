#include "client/demo/demo_events.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/base/units.h"

namespace kpledger::demo {
namespace {

// 2026-09-01T00:00:00Z and days after it.
int64_t Day(int d) { return 1788220800 + int64_t{86400} * d; }

void Stamp(v1::CustodyEvent* ev, int day) {
  ev->set_origin(kOrigin);
  ev->mutable_created_at()->set_seconds(Day(day));
}

}  // namespace

v1::CustodyEvent ImportEvent(const std::string& parcel_id,
                             const std::string& certificate_number,
                             int64_t mass_mct, int64_t value_usd_cents) {
  v1::CustodyEvent ev;
  Stamp(&ev, 2);
  ev.add_parcels()->set_parcel_id(parcel_id);  // new parcel: empty head
  v1::Import* imp = ev.mutable_import();
  imp->set_parcel_id(parcel_id);
  imp->set_custodian("customs-baku");
  v1::KpCertificate* c = imp->mutable_certificate();
  c->set_certificate_number(certificate_number);
  c->set_exporting_country("BW");
  c->set_issuing_authority("Botswana Diamond Hub, Ministry of Minerals");
  c->mutable_issued_at()->set_seconds(Day(0));
  c->mutable_expires_at()->set_seconds(Day(60));
  c->mutable_exporter()->set_name("Gaborone Rough Diamonds (Pty) Ltd");
  c->mutable_exporter()->set_country("BW");
  c->mutable_importer()->set_name("Caspian Gem Trading LLC");
  c->mutable_importer()->set_country("AZ");
  c->mutable_importer()->set_license_id("AZ-IMP-0192");
  c->set_importing_country("AZ");
  c->set_mass_mct(mass_mct);
  c->set_value_usd_cents(value_usd_cents);
  c->set_parcel_count(1);
  c->set_hs_code("7102.31");
  v1::OriginShare* bw = c->add_origins();
  bw->set_country("BW");
  bw->set_share_ppm(800000);
  v1::OriginShare* na = c->add_origins();
  na->set_country("NA");
  na->set_share_ppm(200000);
  c->add_seal_ids("BW-SEAL-77812");
  return ev;
}

v1::CustodyEvent LabAssessmentEvent(const std::string& parcel_id,
                                    const std::string& head,
                                    int64_t measured_mass_mct) {
  v1::CustodyEvent ev;
  Stamp(&ev, 4);
  v1::ParcelHead* h = ev.add_parcels();
  h->set_parcel_id(parcel_id);
  h->set_head(head);
  v1::LabAssessment* lab = ev.mutable_lab_assessment();
  lab->set_parcel_id(parcel_id);
  lab->set_measured_mass_mct(measured_mass_mct);
  lab->set_stone_count(412);
  auto* gem = lab->add_classification();
  gem->set_name("gem");
  gem->set_share_ppm(700000);
  auto* ind = lab->add_classification();
  ind->set_name("industrial");
  ind->set_share_ppm(300000);
  lab->set_assessed_value_usd_cents(241000000);
  lab->set_report_number("AZGL-2026-0031");
  return ev;
}

v1::CustodyEvent TransferEvent(const std::string& parcel_id,
                               const std::string& head, const std::string& from,
                               const std::string& to) {
  v1::CustodyEvent ev;
  Stamp(&ev, 5);
  v1::ParcelHead* h = ev.add_parcels();
  h->set_parcel_id(parcel_id);
  h->set_head(head);
  v1::CustodyTransfer* t = ev.mutable_custody_transfer();
  t->set_parcel_id(parcel_id);
  t->set_from_custodian(from);
  t->set_to_custodian(to);
  t->add_seal_ids("AZ-VAULT-SEAL-0007");
  return ev;
}

std::string Describe(const v1::CustodyEvent& ev) {
  switch (ev.body_case()) {
    case v1::CustodyEvent::kImport: {
      const v1::KpCertificate& c = ev.import().certificate();
      return absl::StrCat(
          "Import ", ev.import().parcel_id(), ": certificate ",
          c.certificate_number(), " from ", c.exporting_country(), ", ",
          base::FormatCarats(c.mass_mct()), ", ",
          base::FormatUsd(c.value_usd_cents()), ", HS ", c.hs_code());
    }
    case v1::CustodyEvent::kLabAssessment:
      return absl::StrCat(
          "LabAssessment ", ev.lab_assessment().parcel_id(), ": measured ",
          base::FormatCarats(ev.lab_assessment().measured_mass_mct()), ", ",
          ev.lab_assessment().stone_count(), " stones");
    case v1::CustodyEvent::kCustodyTransfer:
      return absl::StrFormat("CustodyTransfer %s: %s -> %s",
                             ev.custody_transfer().parcel_id(),
                             ev.custody_transfer().from_custodian(),
                             ev.custody_transfer().to_custodian());
    case v1::CustodyEvent::kRegisterActor:
      return absl::StrCat("RegisterActor ", ev.register_actor().actor_id(),
                          " as ", v1::Role_Name(ev.register_actor().role()));
    default:
      return "event";
  }
}

}  // namespace kpledger::demo
