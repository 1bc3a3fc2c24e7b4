// Writes the custody scenario (tests/testdata/scenario.json): a realistic
// month at a small KP participant, with its refusals. Deterministic: the
// same program writes the same bytes (Ed25519 signatures are
// deterministic), and scenario_test checks the checked-in file is exactly
// what this program writes.
//
// Usage: make_scenario <output.json>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/base/proto_json.h"
#include "tests/testdata/scenario.pb.h"
#include "tests/testing/custody_builder.h"

namespace kpledger::testing {
namespace {

using Origins = std::vector<std::pair<std::string, uint32_t>>;

class ScenarioWriter {
 public:
  ScenarioWriter() {
    scenario_.set_description(
        "A month at the AZ KP participant: imports from Botswana, Canada, "
        "the UAE (mixed origin) and Venezuela (flagged origin); lab "
        "assessments; vault storage; a split, a mixed-origin merge; exports "
        "to Belgium and India with a confirmation; a quick re-export; a "
        "hold; governance; and refused attempts (expired certificate, "
        "reused certificate number, sanctioned origin, wrong role, stale "
        "head, missing co-signature, revoked actor, replayed event).");
    *scenario_.mutable_genesis() = b_.genesis_envelope();
  }

  void Batch(int64_t day) {
    testdata::ScenarioBatch* batch = scenario_.add_batches();
    batch->set_position(scenario_.batches_size());
    batch->mutable_proposed_time()->set_seconds(kGenesisSeconds + day * kDay);
  }

  void Accept(const std::string& note, v1::Envelope env,
              std::vector<std::string> flags = {}) {
    testdata::ScenarioEvent* ev = Add(note, std::move(env));
    ev->mutable_expect()->set_accept(true);
    for (std::string& f : flags) ev->mutable_expect()->add_flags(std::move(f));
  }
  void Refuse(const std::string& note, v1::Envelope env,
              const std::string& code, const std::string& reason) {
    testdata::ScenarioEvent* ev = Add(note, std::move(env));
    ev->mutable_expect()->set_code(code);
    ev->mutable_expect()->set_reason_contains(reason);
  }

  CustodyBuilder& b() { return b_; }
  const testdata::Scenario& scenario() const { return scenario_; }

 private:
  testdata::ScenarioEvent* Add(const std::string& note, v1::Envelope env) {
    testdata::ScenarioBatch* batch =
        scenario_.mutable_batches(scenario_.batches_size() - 1);
    testdata::ScenarioEvent* ev = batch->add_events();
    ev->set_note(note);
    *ev->mutable_envelope() = std::move(env);
    return ev;
  }

  CustodyBuilder b_;
  testdata::Scenario scenario_;
};

int64_t At(int64_t day) { return kGenesisSeconds + day * kDay; }

testdata::Scenario Write() {
  ScenarioWriter w;
  CustodyBuilder& b = w.b();

  w.Batch(0);
  for (const auto& [id, role, licence] :
       std::vector<std::tuple<std::string, v1::Role, std::string>>{
           {"customs-gyd", v1::CUSTOMS, ""},
           {"kpa-az", v1::KP_AUTHORITY, ""},
           {"lab-baku", v1::LAB, "AZ-LAB-01"},
           {"lab-sumgait", v1::LAB, "AZ-LAB-02"},
           {"vault-central", v1::VAULT, "AZ-VLT-01"},
           {"vault-freezone", v1::VAULT, "AZ-VLT-02"},
           {"baku-gems", v1::TRADER, "AZ-LIC-001"},
           {"caspian-rough", v1::TRADER, "AZ-LIC-002"},
           {"absheron-diamonds", v1::TRADER, "AZ-LIC-003"},
           {"inspector-aliyev", v1::INSPECTOR, ""},
           {"node-customs", v1::NODE, ""}}) {
    w.Accept(absl::StrCat("register ", id, " as ", v1::Role_Name(role)),
             b.Register(id, role, licence));
  }
  w.Refuse("registration signed by one governance key of the two needed",
           b.Register("shell-company", v1::TRADER, "XX-1", 1),
           "PERMISSION_DENIED", "needs the signatures of 2");

  w.Batch(2);
  const v1::Envelope bw_import =
      b.Sign(ImportEvent("AZ-P-0001", "customs-gyd",
                         IncomingCertificate("BW-2026-004512", "BW", 1250000,
                                             185000000, "7102.10")),
             {"customs-gyd"});
  w.Accept("import 1,250 ct unsorted from Botswana, $1,850,000", bw_import);
  w.Accept("import 800 ct unsorted from Canada, $640,000",
           b.Sign(ImportEvent("AZ-P-0002", "customs-gyd",
                              IncomingCertificate("CA-2026-000731", "CA",
                                                  800000, 64000000, "7102.10")),
                  {"customs-gyd"}));
  w.Accept(
      "import 2,000 ct industrial from the UAE, mixed origin CD/ZW/AO",
      b.Sign(ImportEvent(
                 "AZ-P-0003", "customs-gyd",
                 IncomingCertificate(
                     "AE-2026-118822", "AE", 2000000, 30000000, "7102.21",
                     Origins{{"CD", 400000}, {"ZW", 350000}, {"AO", 250000}})),
             {"customs-gyd"}));
  w.Accept("import 150 ct from Venezuela: accepted, origin flagged by policy",
           b.Sign(ImportEvent("AZ-P-0004", "customs-gyd",
                              IncomingCertificate("VE-2026-000090", "VE",
                                                  150000, 4500000, "7102.10")),
                  {"customs-gyd"}),
           {"SANCTIONED_ORIGIN"});
  v1::KpCertificate expired =
      IncomingCertificate("ZA-2025-771002", "ZA", 300000, 30000000);
  expired.mutable_issued_at()->set_seconds(At(-400));
  expired.mutable_expires_at()->set_seconds(At(-35));
  w.Refuse("import on a South African certificate that expired in July",
           b.Sign(ImportEvent("AZ-P-0005", "customs-gyd", expired),
                  {"customs-gyd"}, false),
           "FAILED_PRECONDITION", "expired at");
  w.Refuse("import reusing Botswana certificate BW-2026-004512",
           b.Sign(ImportEvent("AZ-P-0006", "customs-gyd",
                              IncomingCertificate("BW-2026-004512", "BW",
                                                  1250000, 185000000)),
                  {"customs-gyd"}, false),
           "FAILED_PRECONDITION", "was already used by the import");
  w.Refuse("import from the UAE of Russian-origin goods (EU 833/2014)",
           b.Sign(ImportEvent(
                      "AZ-P-0007", "customs-gyd",
                      IncomingCertificate(
                          "AE-2026-118901", "AE", 500000, 20000000, "7102.10",
                          Origins{{"AE", 100000}, {"RU", 900000}})),
                  {"customs-gyd"}, false),
           "FAILED_PRECONDITION", "RU");
  w.Refuse("import recorded by a vault instead of customs",
           b.Sign(ImportEvent("AZ-P-0008", "vault-central",
                              IncomingCertificate("CA-2026-000799", "CA",
                                                  100000, 8000000)),
                  {"vault-central"}, false),
           "PERMISSION_DENIED", "CUSTOMS");

  w.Batch(5);
  w.Accept("customs hands AZ-P-0001 to lab-baku, seal AZ-S-1001",
           b.Sign(TransferEvent("AZ-P-0001", "customs-gyd", "lab-baku",
                                {"AZ-S-1001"}),
                  {"customs-gyd", "lab-baku"}));
  w.Accept("customs hands AZ-P-0002 to lab-sumgait",
           b.Sign(TransferEvent("AZ-P-0002", "customs-gyd", "lab-sumgait",
                                {"AZ-S-1002"}),
                  {"customs-gyd", "lab-sumgait"}));
  w.Refuse("transfer of AZ-P-0003 to a vault without the vault's signature",
           b.Sign(TransferEvent("AZ-P-0003", "customs-gyd", "vault-central"),
                  {"customs-gyd"}, false),
           "PERMISSION_DENIED", "receiving custodian");
  w.Accept("customs hands AZ-P-0003 to vault-central",
           b.Sign(TransferEvent("AZ-P-0003", "customs-gyd", "vault-central",
                                {"AZ-S-1003"}),
                  {"customs-gyd", "vault-central"}));
  w.Accept("customs hands AZ-P-0004 to vault-freezone",
           b.Sign(TransferEvent("AZ-P-0004", "customs-gyd", "vault-freezone",
                                {"AZ-S-1004"}),
                  {"customs-gyd", "vault-freezone"}));

  w.Batch(8);
  w.Accept(
      "lab-baku weighs AZ-P-0001: 1,249.6 ct, within tolerance",
      b.Sign(AssessmentEvent("AZ-P-0001", 1249600, 186000000, "LB-2026-0412"),
             {"lab-baku"}));
  w.Accept(
      "lab-sumgait weighs AZ-P-0002: 790 ct of 800 declared (flagged)",
      b.Sign(AssessmentEvent("AZ-P-0002", 790000, 63500000, "LS-2026-0077"),
             {"lab-sumgait"}),
      {"MASS_DISCREPANCY"});
  w.Refuse("a vault tries to record a lab assessment",
           b.Sign(AssessmentEvent("AZ-P-0003", 2000000, 30000000, "X-1"),
                  {"vault-central"}, false),
           "PERMISSION_DENIED", "not a LAB");

  w.Batch(10);
  const std::string stale = b.Head("AZ-P-0001");
  w.Accept("lab-baku returns AZ-P-0001 to vault-central",
           b.Sign(TransferEvent("AZ-P-0001", "lab-baku", "vault-central",
                                {"AZ-S-1101"}),
                  {"lab-baku", "vault-central"}));
  v1::CustodyEvent stale_event =
      TransferEvent("AZ-P-0001", "lab-baku", "vault-freezone");
  v1::ParcelHead* h = stale_event.add_parcels();
  h->set_parcel_id("AZ-P-0001");
  h->set_head(stale);
  w.Refuse("lab-baku, not seeing its own transfer, sends AZ-P-0001 again",
           b.Sign(stale_event, {"lab-baku", "vault-freezone"}, false),
           "FAILED_PRECONDITION", "stale head");
  w.Accept("lab-sumgait returns AZ-P-0002 to vault-central",
           b.Sign(TransferEvent("AZ-P-0002", "lab-sumgait", "vault-central",
                                {"AZ-S-1102"}),
                  {"lab-sumgait", "vault-central"}));
  v1::CustodyEvent sort = SplitEvent(
      "AZ-P-0001", {{"AZ-P-0001-G", 900000}, {"AZ-P-0001-N", 349400}}, 0,
      "7102.31");
  sort.mutable_split()->mutable_children(0)->set_value_usd_cents(160000000);
  sort.mutable_split()->mutable_children(1)->set_value_usd_cents(25000000);
  w.Accept(
      "vault-central sorts AZ-P-0001 into gem (900 ct, $1,600,000) and "
      "near-gem (349.4 ct, $250,000), 0.2 ct dust",
      b.Sign(sort, {"vault-central"}));
  w.Accept("vault-central merges the near-gem with AZ-P-0002 (mixed BW/CA)",
           b.Sign(MergeEvent({"AZ-P-0001-N", "AZ-P-0002"}, "AZ-P-0009", 1139400,
                             89000000, "7102.31"),
                  {"vault-central"}));

  w.Batch(12);
  v1::CustodyEvent hold;
  hold.mutable_hold()->set_parcel_id("AZ-P-0004");
  hold.mutable_hold()->set_reason("origin under review (policy flag VE)");
  w.Accept("inspector holds the Venezuelan parcel",
           b.Sign(hold, {"inspector-aliyev"}));
  w.Refuse("the held parcel is moved anyway",
           b.Sign(TransferEvent("AZ-P-0004", "vault-freezone", "baku-gems"),
                  {"vault-freezone", "baku-gems"}, false),
           "FAILED_PRECONDITION", "is HELD");

  w.Batch(14);
  w.Accept("vault-central releases AZ-P-0009 to baku-gems for export",
           b.Sign(TransferEvent("AZ-P-0009", "vault-central", "baku-gems",
                                {"AZ-S-1201"}),
                  {"vault-central", "baku-gems"}));
  w.Accept("vault-central releases AZ-P-0001-G to caspian-rough",
           b.Sign(TransferEvent("AZ-P-0001-G", "vault-central", "caspian-rough",
                                {"AZ-S-1202"}),
                  {"vault-central", "caspian-rough"}));
  const v1::CustodyEvent export_be =
      ExportEvent("AZ-P-0009", "AZ-2026-000101", 1139400, 89000000, "7102.31",
                  {{"BW", 306653}, {"CA", 693347}}, "AZ-LIC-001", "BE", At(14));
  w.Refuse("export to Belgium signed by customs without the KP Authority",
           b.Sign(export_be, {"customs-gyd"}, false), "PERMISSION_DENIED",
           "KP_AUTHORITY");
  w.Accept("export of AZ-P-0009 to Antwerp on AZ-2026-000101",
           b.Sign(export_be, {"kpa-az", "customs-gyd"}));
  w.Accept("export of AZ-P-0001-G to Mumbai on AZ-2026-000102",
           b.Sign(ExportEvent("AZ-P-0001-G", "AZ-2026-000102", 900000,
                              160000000, "7102.31", {{"BW", 1000000}},
                              "AZ-LIC-002", "IN", At(14)),
                  {"kpa-az", "customs-gyd"}));

  w.Batch(20);
  w.Accept("import 300 ct from Israel straight to absheron-diamonds",
           b.Sign(ImportEvent("AZ-P-0010", "absheron-diamonds",
                              IncomingCertificate("IL-2026-004410", "IL",
                                                  300000, 90000000, "7102.31",
                                                  Origins{{"ZA", 1000000}})),
                  {"customs-gyd"}));
  w.Refuse("the Botswana import is submitted again", bw_import,
           "ALREADY_EXISTS", "is already entry");

  w.Batch(23);
  w.Accept("absheron-diamonds re-exports AZ-P-0010 unchanged to the UAE",
           b.Sign(ExportEvent("AZ-P-0010", "AZ-2026-000103", 300000, 90000000,
                              "7102.31", {{"ZA", 1000000}}, "AZ-LIC-003", "AE",
                              At(23)),
                  {"kpa-az", "customs-gyd"}),
           {"QUICK_REEXPORT"});

  w.Batch(30);
  v1::CustodyEvent revoke;
  revoke.mutable_revoke_actor()->set_actor_id("lab-sumgait");
  revoke.mutable_revoke_actor()->set_reason("accreditation suspended");
  w.Accept("governance suspends lab-sumgait", b.Governance(revoke));
  v1::CustodyEvent rotate;
  rotate.mutable_rotate_key()->set_actor_id("vault-freezone");
  rotate.mutable_rotate_key()->set_new_public_key(std::string(
      CustodyBuilder::ActorKey("vault-freezone", 1).public_key().bytes()));
  w.Accept("vault-freezone's key is rotated", b.Governance(rotate));
  w.Accept("Belgium confirms receipt of AZ-2026-000101",
           b.Sign(ConfirmationEvent("AZ-2026-000101", "BE", 1139400, At(18)),
                  {"kpa-az"}));

  w.Batch(31);
  w.Refuse("the suspended lab-sumgait signs a transfer",
           b.Sign(TransferEvent("AZ-P-0003", "vault-central", "lab-sumgait"),
                  {"vault-central", "lab-sumgait"}, false),
           "PERMISSION_DENIED", "revoked");
  w.Refuse("vault-freezone signs with its old key",
           b.Sign(TransferEvent("AZ-P-0003", "vault-central", "vault-freezone"),
                  {"vault-central", "vault-freezone"}, false),
           "UNAUTHENTICATED", "no longer holds this key");
  b.SetKeyGeneration("vault-freezone", 1);
  w.Accept("AZ-P-0003 moves to vault-freezone, signed with the new key",
           b.Sign(TransferEvent("AZ-P-0003", "vault-central", "vault-freezone",
                                {"AZ-S-1301"}),
                  {"vault-central", "vault-freezone"}));
  v1::CustodyEvent release;
  release.mutable_release()->set_parcel_id("AZ-P-0004");
  release.mutable_release()->set_reason("origin review closed: KP compliant");
  w.Accept("inspector releases AZ-P-0004",
           b.Sign(release, {"inspector-aliyev"}));
  return w.scenario();
}

}  // namespace
}  // namespace kpledger::testing

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_scenario <output.json>\n";
    return 2;
  }
  const absl::Status written =
      kpledger::base::WriteJsonFile(argv[1], kpledger::testing::Write());
  if (!written.ok()) {
    std::cerr << "make_scenario: " << written << "\n";
    return 1;
  }
  return 0;
}
