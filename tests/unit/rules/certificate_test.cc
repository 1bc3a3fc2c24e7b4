#include "ledger/rules/certificate.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::rules {
namespace {

using ::kpledger::testing::StatusIs;

constexpr int64_t kDay = 86400;
constexpr int64_t kSep1 = 1788220800;  // 2026-09-01T00:00:00Z

class CertificateTest : public ::testing::Test {
 protected:
  CertificateTest() {
    cert_.set_certificate_number("BW-2026-004512");
    cert_.set_exporting_country("BW");
    cert_.set_issuing_authority("Botswana Diamond Hub");
    cert_.mutable_issued_at()->set_seconds(kSep1);
    cert_.mutable_expires_at()->set_seconds(kSep1 + 60 * kDay);
    cert_.mutable_exporter()->set_name("Gaborone Rough Diamonds (Pty) Ltd");
    cert_.mutable_importer()->set_name("Caspian Gem Trading LLC");
    cert_.set_importing_country("AZ");
    cert_.set_mass_mct(1250000);
    cert_.set_value_usd_cents(250000000);
    cert_.set_parcel_count(1);
    cert_.set_hs_code("7102.31");
    AddOrigin("BW", 800000);
    AddOrigin("NA", 200000);
  }

  void AddOrigin(const char* country, uint32_t ppm) {
    v1::OriginShare* o = cert_.add_origins();
    o->set_country(country);
    o->set_share_ppm(ppm);
  }
  void Sanction(const char* country, v1::SanctionAction action,
                int64_t from = 0) {
    v1::SanctionedOrigin* s = policy_.add_sanctioned_origins();
    s->set_country(country);
    s->set_action(action);
    s->mutable_effective_from()->set_seconds(from);
  }
  absl::StatusOr<std::vector<v1::Flag>> Check(int64_t now = kSep1 + 2 * kDay) {
    return CheckImportCertificate(cert_, "AZ", entry::LedgerTime{now, 0},
                                  policy_);
  }

  v1::KpCertificate cert_;
  v1::Policy policy_;
};

TEST_F(CertificateTest, CompleteCertificateIsAcceptedWithoutFlags) {
  KP_ASSERT_OK_AND_ASSIGN(std::vector<v1::Flag> flags, Check());
  EXPECT_TRUE(flags.empty());
}

TEST_F(CertificateTest, OriginThePolicyFlagsIsAcceptedAndFlagged) {
  Sanction("NA", v1::SANCTION_FLAG);
  KP_ASSERT_OK_AND_ASSIGN(std::vector<v1::Flag> flags, Check());
  EXPECT_EQ(flags, std::vector<v1::Flag>{v1::SANCTIONED_ORIGIN});
}

TEST_F(CertificateTest, SanctionNotYetInForceAtIssueDoesNotApply) {
  Sanction("BW", v1::SANCTION_REFUSE, kSep1 + kDay);
  KP_EXPECT_OK(Check().status());
}

TEST_F(CertificateTest, EveryRoughDiamondHsCodeIsAccepted) {
  for (const char* hs : {"7102.10", "7102.21", "7102.31"}) {
    cert_.set_hs_code(hs);
    KP_EXPECT_OK(Check().status()) << hs;
  }
}

// --- Refusals ---

TEST_F(CertificateTest, ExpiredCertificateIsRefused) {
  EXPECT_THAT(
      Check(kSep1 + 60 * kDay),
      StatusIs(
          absl::StatusCode::kFailedPrecondition,
          "certificate.expires_at: certificate BW-2026-004512 expired at"));
}

TEST_F(CertificateTest, CertificateIssuedAfterLedgerTimeIsRefused) {
  EXPECT_THAT(Check(kSep1 - 1), StatusIs(absl::StatusCode::kFailedPrecondition,
                                         "after the ledger time"));
}

TEST_F(CertificateTest, ExpiryNotAfterIssueIsMalformed) {
  cert_.mutable_expires_at()->set_seconds(kSep1);
  EXPECT_THAT(Check(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "certificate.expires_at: is not after issued_at"));
}

TEST_F(CertificateTest, SanctionedOriginThePolicyRefusesIsRefused) {
  cert_.clear_origins();
  AddOrigin("RU", 1000000);
  Sanction("RU", v1::SANCTION_REFUSE, kSep1 - 365 * kDay);
  EXPECT_THAT(Check(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                "origin RU is sanctioned and the policy "
                                "refuses it"));
}

TEST_F(CertificateTest, HsCodeOutsideKpcsIsRefused) {
  cert_.set_hs_code("7102.39");  // worked diamonds: not rough
  EXPECT_THAT(Check(), StatusIs(absl::StatusCode::kInvalidArgument,
                                "certificate.hs_code: \"7102.39\" is not "
                                "7102.10, 7102.21 or 7102.31"));
}

TEST_F(CertificateTest, SharesThatDoNotSumToTheWholeAreRefused) {
  cert_.mutable_origins(1)->set_share_ppm(199999);
  EXPECT_THAT(Check(), StatusIs(absl::StatusCode::kInvalidArgument,
                                "certificate.origins: shares sum to 999999 "
                                "ppm, want 1000000"));
}

TEST_F(CertificateTest, BadOriginEntriesAreRefused) {
  cert_.mutable_origins(1)->set_country("BW");
  EXPECT_THAT(Check(), StatusIs(absl::StatusCode::kInvalidArgument,
                                "BW is listed twice"));
  cert_.mutable_origins(1)->set_country("Namibia");
  EXPECT_THAT(Check(), StatusIs(absl::StatusCode::kInvalidArgument,
                                "\"Namibia\" is not an ISO 3166-1 alpha-2"));
  cert_.mutable_origins(1)->set_country("NA");
  cert_.mutable_origins(1)->set_share_ppm(0);
  cert_.mutable_origins(0)->set_share_ppm(1000000);
  EXPECT_THAT(Check(), StatusIs(absl::StatusCode::kInvalidArgument,
                                "NA has a share of 0"));
  cert_.clear_origins();
  EXPECT_THAT(Check(), StatusIs(absl::StatusCode::kInvalidArgument,
                                "certificate.origins: no origin country"));
}

TEST_F(CertificateTest, NumberMustCarryTheExportingCountry) {
  cert_.set_certificate_number("ZA-2026-1");
  EXPECT_THAT(Check(), StatusIs(absl::StatusCode::kInvalidArgument,
                                "certificate.certificate_number: \"ZA-2026-1\" "
                                "is not a number prefixed with the exporting "
                                "country BW"));
  cert_.set_certificate_number("BW");  // the prefix and nothing more
  EXPECT_THAT(Check(), StatusIs(absl::StatusCode::kInvalidArgument,
                                "\"BW\" is not a number prefixed"));
}

TEST_F(CertificateTest, NumberIsPrintableAsciiWithSingleSpaces) {
  // Reuse and uniqueness compare numbers byte for byte: padding, control
  // and look-alike characters would make a used number pass as new.
  for (const auto& [number, why] :
       std::vector<std::pair<std::string, std::string>>{
           {"BW-2026-004512 ", "starts or ends with a space"},
           {"BW-2026-\t004512", "has byte 0x09 at offset 8"},
           {"BW-2026-\xd0\x9e"
            "04512",
            "has byte 0xd0 at offset 8"},
           {"BW  2026-004512", "has two spaces in a row at offset 3"},
           {"BW-" + std::string(62, '1'), "has 65 bytes, want at most 64"},
       }) {
    cert_.set_certificate_number(number);
    EXPECT_THAT(Check(), StatusIs(absl::StatusCode::kInvalidArgument,
                                  "certificate.certificate_number: "))
        << number;
    EXPECT_THAT(Check(), StatusIs(absl::StatusCode::kInvalidArgument, why))
        << number;
  }
  cert_.set_certificate_number("BW 2026/004512");
  EXPECT_TRUE(Check().ok()) << Check().status();
  cert_.set_certificate_number("BW-" + std::string(61, '1'));  // 64 bytes
  EXPECT_TRUE(Check().ok()) << Check().status();
}

TEST_F(CertificateTest, ImportFromTheLedgersOwnCountryIsRefused) {
  // A certificate "from AZ" presented to AZ's ledger is one of AZ's own
  // export certificates, or a forgery of one: not an import.
  cert_.set_exporting_country("AZ");
  cert_.set_certificate_number("AZ-2026-0001");
  EXPECT_THAT(Check(), StatusIs(absl::StatusCode::kInvalidArgument,
                                "certificate.exporting_country: is \"AZ\", "
                                "this ledger's own country"));
}

TEST_F(CertificateTest, ImportIntoAnotherCountryIsRefused) {
  cert_.set_importing_country("AE");
  EXPECT_THAT(Check(), StatusIs(absl::StatusCode::kInvalidArgument,
                                "certificate.importing_country: is \"AE\", "
                                "want \"AZ\""));
}

TEST_F(CertificateTest, EachMissingMandatoryFieldIsNamed) {
  struct Case {
    const char* field;
    void (*clear)(v1::KpCertificate*);
  };
  const Case cases[] = {
      {"certificate_number",
       [](v1::KpCertificate* c) { c->clear_certificate_number(); }},
      {"exporting_country",
       [](v1::KpCertificate* c) { c->clear_exporting_country(); }},
      {"issuing_authority",
       [](v1::KpCertificate* c) { c->clear_issuing_authority(); }},
      {"issued_at", [](v1::KpCertificate* c) { c->clear_issued_at(); }},
      {"expires_at", [](v1::KpCertificate* c) { c->clear_expires_at(); }},
      {"exporter", [](v1::KpCertificate* c) { c->clear_exporter(); }},
      {"importer", [](v1::KpCertificate* c) { c->clear_importer(); }},
      {"mass_mct", [](v1::KpCertificate* c) { c->set_mass_mct(0); }},
      {"value_usd_cents",
       [](v1::KpCertificate* c) { c->set_value_usd_cents(-5); }},
      {"parcel_count", [](v1::KpCertificate* c) { c->clear_parcel_count(); }},
      {"hs_code", [](v1::KpCertificate* c) { c->clear_hs_code(); }},
  };
  for (const Case& c : cases) {
    v1::KpCertificate saved = cert_;
    c.clear(&cert_);
    EXPECT_THAT(Check(), StatusIs(absl::StatusCode::kInvalidArgument,
                                  std::string("certificate.") + c.field + ":"))
        << c.field;
    cert_ = saved;
  }
}

}  // namespace
}  // namespace kpledger::rules

namespace kpledger::rules {
namespace {

class ExportCertificateTest : public CertificateTest {
 protected:
  ExportCertificateTest() {
    parcel_.set_parcel_id("AZ-P-0001");
    parcel_.set_mass_mct(1248300);
    parcel_.set_value_usd_cents(241000000);
    parcel_.set_hs_code("7102.31");
    *parcel_.mutable_origins() = cert_.origins();
    cert_.set_certificate_number("AZ-2026-000017");
    cert_.set_exporting_country("AZ");
    cert_.set_issuing_authority("Azerbaijan KP Authority");
    cert_.set_importing_country("AE");
    cert_.set_mass_mct(1248300);
    cert_.set_value_usd_cents(241000000);
  }
  absl::Status CheckExport(int64_t now = kSep1 + 2 * kDay) {
    return CheckExportCertificate(cert_, parcel_, "AZ",
                                  entry::LedgerTime{now, 0});
  }
  v1::ParcelState parcel_;
};

TEST_F(ExportCertificateTest, CertificateMatchingTheParcelIsAccepted) {
  KP_EXPECT_OK(CheckExport());
}

TEST_F(ExportCertificateTest, OriginsInAnotherOrderStillMatch) {
  std::swap(*cert_.mutable_origins(0), *cert_.mutable_origins(1));
  KP_EXPECT_OK(CheckExport());
}

// --- Refusals ---

TEST_F(ExportCertificateTest, MassThatDiffersFromTheParcelIsRefused) {
  cert_.set_mass_mct(1250000);  // the declared import mass, not the measured
  EXPECT_THAT(CheckExport(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                      "certificate.mass_mct: is 1250000 mct on "
                                      "certificate AZ-2026-000017, but "
                                      "parcel AZ-P-0001 has 1248300 mct"));
}

TEST_F(ExportCertificateTest, ValueHsCodeOrOriginsThatDifferAreRefused) {
  cert_.set_value_usd_cents(100);
  EXPECT_THAT(CheckExport(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "certificate.value_usd_cents: is 100 US cents"));
  cert_.set_value_usd_cents(241000000);
  cert_.set_hs_code("7102.10");
  EXPECT_THAT(CheckExport(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                      "certificate.hs_code: is 7102.10 on "
                                      "certificate AZ-2026-000017, but parcel "
                                      "AZ-P-0001 has 7102.31"));
  cert_.set_hs_code("7102.31");
  cert_.clear_origins();
  AddOrigin("BW", 1000000);  // hiding the Namibian share
  EXPECT_THAT(CheckExport(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "certificate.origins: is BW:1000000 on certificate "
                       "AZ-2026-000017, but parcel AZ-P-0001 has "
                       "BW:800000 NA:200000"));
}

TEST_F(ExportCertificateTest, OnlyThisLedgersCountryExports) {
  cert_.set_exporting_country("BW");
  EXPECT_THAT(
      CheckExport(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "certificate.exporting_country: is \"BW\", want \"AZ\""));
}

TEST_F(ExportCertificateTest, NumberMustCarryTheLedgersCountryCode) {
  cert_.set_certificate_number("2026-000017");
  EXPECT_THAT(CheckExport(), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "is not a number prefixed with the "
                                      "exporting country AZ"));
}

TEST_F(ExportCertificateTest, ExportToItselfOrNowhereIsRefused) {
  cert_.set_importing_country("AZ");
  EXPECT_THAT(CheckExport(), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "\"AZ\" is not another participant"));
  cert_.clear_importing_country();
  EXPECT_THAT(CheckExport(), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "certificate.importing_country"));
}

TEST_F(ExportCertificateTest, ExpiredCertificateIsRefused) {
  EXPECT_THAT(CheckExport(kSep1 + 61 * kDay),
              StatusIs(absl::StatusCode::kFailedPrecondition, "expired at"));
}

}  // namespace
}  // namespace kpledger::rules
