#include "ledger/rules/certificate.h"

#include <map>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/entry/time.h"

namespace kpledger::rules {
namespace {

// A refusal of `field`, named in full by the caller.
absl::Status FieldBad(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

// A refusal of a certificate field.
absl::Status Bad(absl::string_view field, absl::string_view why) {
  return FieldBad(absl::StrCat("certificate.", field), why);
}

// Numbers are compared byte for byte (reuse, uniqueness): one that differs
// from another only by padding, a control or a look-alike character would
// pass as new.
absl::Status CheckCertificateNumberChars(absl::string_view number) {
  if (number.size() > kMaxCertificateNumberBytes) {
    return Bad("certificate_number",
               absl::StrCat("has ", number.size(), " bytes, want at most ",
                            kMaxCertificateNumberBytes));
  }
  if (number.front() == ' ' || number.back() == ' ') {
    return Bad("certificate_number",
               absl::StrCat("\"", number, "\" starts or ends with a space"));
  }
  for (size_t i = 0; i < number.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(number[i]);
    if (c < 0x20 || c > 0x7e || (c == ' ' && number[i - 1] == ' ')) {
      return Bad(
          "certificate_number",
          absl::StrCat(
              "has ",
              c == ' ' ? "two spaces in a row"
                       : absl::StrCat("byte 0x", absl::Hex(c, absl::kZeroPad2)),
              " at offset ", i, "; want printable ASCII, single spaces"));
    }
  }
  return absl::OkStatus();
}

// Annex I: the fields every certificate carries.
absl::Status CheckMandatoryFields(const v1::KpCertificate& c) {
  if (c.certificate_number().empty())
    return Bad("certificate_number", "is missing");
  if (!IsCountryCode(c.exporting_country())) {
    return Bad("exporting_country",
               absl::StrCat("\"", c.exporting_country(),
                            "\" is not an ISO 3166-1 alpha-2 code"));
  }
  if (!absl::StartsWith(c.certificate_number(), c.exporting_country()) ||
      c.certificate_number().size() == c.exporting_country().size()) {
    return Bad("certificate_number",
               absl::StrCat("\"", c.certificate_number().substr(0, 80),
                            "\" is not a number prefixed with the exporting "
                            "country ",
                            c.exporting_country(), " (KPCS Annex I)"));
  }
  KP_RETURN_IF_ERROR(CheckCertificateNumberChars(c.certificate_number()));
  if (c.issuing_authority().empty())
    return Bad("issuing_authority", "is missing");
  if (!c.has_issued_at()) return Bad("issued_at", "is missing");
  if (!c.has_expires_at()) return Bad("expires_at", "is missing");
  if (c.exporter().name().empty()) return Bad("exporter", "is missing");
  if (c.importer().name().empty()) return Bad("importer", "is missing");
  if (!IsValidMassMct(c.mass_mct())) {
    return Bad("mass_mct",
               absl::StrCat("is ", c.mass_mct(), ", want 1 to ", kMaxMassMct));
  }
  if (!IsValidValueUsdCents(c.value_usd_cents())) {
    return Bad("value_usd_cents",
               absl::StrCat("is ", c.value_usd_cents(), ", want 1 to ",
                            kMaxValueUsdCents));
  }
  if (c.parcel_count() == 0) return Bad("parcel_count", "is 0, want >= 1");
  if (!IsRoughDiamondHsCode(c.hs_code())) {
    return Bad("hs_code",
               absl::StrCat("\"", c.hs_code(),
                            "\" is not 7102.10, 7102.21 or 7102.31"));
  }
  return CheckOriginShares("certificate.origins", c.origins());
}

absl::Status CheckDates(const v1::KpCertificate& c, entry::LedgerTime now) {
  const entry::LedgerTime issued = entry::FromTimestamp(c.issued_at());
  const entry::LedgerTime expires = entry::FromTimestamp(c.expires_at());
  if (!(issued < expires)) {
    return Bad("expires_at", "is not after issued_at");
  }
  if (now < issued) {
    return absl::FailedPreconditionError(absl::StrCat(
        "certificate.issued_at: certificate ", c.certificate_number(),
        " is issued at ", entry::FormatTime(issued), ", after the ledger time ",
        entry::FormatTime(now)));
  }
  if (!(now < expires)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "certificate.expires_at: certificate ", c.certificate_number(),
        " expired at ", entry::FormatTime(expires), " (ledger time ",
        entry::FormatTime(now), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckOriginShares(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<v1::OriginShare>& origins) {
  if (origins.empty()) return FieldBad(field, "no origin country");
  std::set<std::string> seen;
  uint64_t sum = 0;
  for (const v1::OriginShare& o : origins) {
    if (!IsCountryCode(o.country())) {
      return FieldBad(field,
                      absl::StrCat("\"", o.country(),
                                   "\" is not an ISO 3166-1 alpha-2 code"));
    }
    if (!seen.insert(o.country()).second) {
      return FieldBad(field, absl::StrCat(o.country(), " is listed twice"));
    }
    if (o.share_ppm() == 0) {
      return FieldBad(field, absl::StrCat(o.country(), " has a share of 0"));
    }
    sum += o.share_ppm();
  }
  if (sum != kWholeShare) {
    return FieldBad(
        field, absl::StrCat("shares sum to ", sum, " ppm, want ", kWholeShare));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Flag>> CheckImportCertificate(
    const v1::KpCertificate& cert, absl::string_view ledger_country,
    entry::LedgerTime now, const v1::Policy& policy) {
  KP_RETURN_IF_ERROR(CheckMandatoryFields(cert));
  if (cert.exporting_country() == ledger_country) {
    return Bad("exporting_country",
               absl::StrCat("is \"", ledger_country,
                            "\", this ledger's own country: an import comes "
                            "with another participant's export certificate"));
  }
  if (cert.importing_country() != ledger_country) {
    return Bad("importing_country",
               absl::StrCat("is \"", cert.importing_country(), "\", want \"",
                            ledger_country, "\" (this ledger's country)"));
  }
  KP_RETURN_IF_ERROR(CheckDates(cert, now));
  std::vector<v1::Flag> flags;
  const entry::LedgerTime issued = entry::FromTimestamp(cert.issued_at());
  for (const v1::SanctionedOrigin& s : policy.sanctioned_origins()) {
    if (issued < entry::FromTimestamp(s.effective_from())) continue;
    for (const v1::OriginShare& o : cert.origins()) {
      if (o.country() != s.country()) continue;
      if (s.action() == v1::SANCTION_REFUSE) {
        return absl::FailedPreconditionError(absl::StrCat(
            "certificate.origins: origin ", o.country(),
            " is sanctioned and the policy refuses it (certificate ",
            cert.certificate_number(), ")"));
      }
      flags.push_back(v1::SANCTIONED_ORIGIN);
    }
  }
  return flags;
}

namespace {

absl::Status Differs(absl::string_view field, const v1::KpCertificate& cert,
                     const v1::ParcelState& parcel, absl::string_view got,
                     absl::string_view want) {
  return absl::FailedPreconditionError(
      absl::StrCat("certificate.", field, ": is ", got, " on certificate ",
                   cert.certificate_number(), ", but parcel ",
                   parcel.parcel_id(), " has ", want));
}

std::string SharesText(
    const google::protobuf::RepeatedPtrField<v1::OriginShare>& origins) {
  std::map<std::string, uint32_t> sorted;
  for (const v1::OriginShare& o : origins) sorted[o.country()] = o.share_ppm();
  std::string out;
  for (const auto& [country, ppm] : sorted) {
    absl::StrAppend(&out, out.empty() ? "" : " ", country, ":", ppm);
  }
  return out;
}

}  // namespace

absl::Status CheckExportCertificate(const v1::KpCertificate& cert,
                                    const v1::ParcelState& parcel,
                                    absl::string_view ledger_country,
                                    entry::LedgerTime now) {
  if (cert.exporting_country() != ledger_country) {
    return Bad("exporting_country",
               absl::StrCat("is \"", cert.exporting_country(), "\", want \"",
                            ledger_country, "\" (this ledger's country)"));
  }
  KP_RETURN_IF_ERROR(CheckMandatoryFields(cert));
  if (!IsCountryCode(cert.importing_country()) ||
      cert.importing_country() == ledger_country) {
    return Bad("importing_country",
               absl::StrCat("\"", cert.importing_country(),
                            "\" is not another participant's country code"));
  }
  KP_RETURN_IF_ERROR(CheckDates(cert, now));
  if (cert.mass_mct() != parcel.mass_mct()) {
    return Differs("mass_mct", cert, parcel,
                   absl::StrCat(cert.mass_mct(), " mct"),
                   absl::StrCat(parcel.mass_mct(), " mct"));
  }
  if (cert.value_usd_cents() != parcel.value_usd_cents()) {
    return Differs("value_usd_cents", cert, parcel,
                   absl::StrCat(cert.value_usd_cents(), " US cents"),
                   absl::StrCat(parcel.value_usd_cents(), " US cents"));
  }
  if (cert.hs_code() != parcel.hs_code()) {
    return Differs("hs_code", cert, parcel, cert.hs_code(), parcel.hs_code());
  }
  const std::string got = SharesText(cert.origins());
  const std::string want = SharesText(parcel.origins());
  if (got != want) return Differs("origins", cert, parcel, got, want);
  return absl::OkStatus();
}

}  // namespace kpledger::rules
