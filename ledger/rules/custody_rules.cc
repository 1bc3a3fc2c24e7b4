// The rules of the custody events: what each may do to its parcels, who
// must sign it, and what it changes (DESIGN §4, docs/rules.md).
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/entry/time.h"
#include "ledger/rules/certificate.h"
#include "ledger/rules/codes.h"
#include "ledger/rules/event_rules.h"
#include "ledger/rules/quantities.h"

namespace kpledger::rules {
namespace {

// KPCS state control: who may record inspections, holds and releases.
bool MayControl(v1::Role role) {
  return role == v1::INSPECTOR || role == v1::KP_AUTHORITY ||
         role == v1::CUSTOMS;
}

}  // namespace

absl::Status EventRules::Import(const v1::Import& b) {
  KP_RETURN_IF_ERROR(RequireRole(v1::CUSTOMS, "customs records imports"));
  const v1::KpCertificate& cert = b.certificate();
  absl::StatusOr<std::vector<v1::Flag>> flags = CheckImportCertificate(
      cert, ctx_.genesis->country_code(), ctx_.now, policy_.policy());
  KP_RETURN_IF_ERROR(Within(flags.status()));
  for (v1::Flag f : *flags) AddFlag(f);
  KP_ASSIGN_OR_RETURN(std::optional<v1::ImportCertificateRecord> used,
                      view_.ImportCertificate(cert.exporting_country(),
                                              cert.certificate_number()));
  if (used.has_value()) {
    return Precondition(
        "certificate.certificate_number",
        absl::StrCat(cert.certificate_number(), " of ",
                     cert.exporting_country(),
                     " was already used by the import at entry ",
                     used->leaf_index(), " (parcel ", used->parcel_id(),
                     "); a certificate covers one shipment"));
  }
  KP_ASSIGN_OR_RETURN(v1::ActorRecord custodian,
                      Custodian(b.custodian(), "custodian"));

  v1::ParcelState p;
  p.set_parcel_id(b.parcel_id());
  p.set_status(v1::ACTIVE);
  p.set_custodian(custodian.actor_id());
  p.set_declared_mass_mct(cert.mass_mct());
  p.set_mass_mct(cert.mass_mct());
  p.set_value_usd_cents(cert.value_usd_cents());
  p.set_hs_code(cert.hs_code());
  *p.mutable_origins() = cert.origins();
  p.set_created_at_index(ctx_.index);
  *p.mutable_created_at() = entry::ToTimestamp(ctx_.now);
  p.set_import_certificate(cert.certificate_number());
  PutParcel(std::move(p));

  v1::ImportCertificateRecord record;
  record.set_certificate_number(cert.certificate_number());
  record.set_exporting_country(cert.exporting_country());
  record.set_parcel_id(b.parcel_id());
  record.set_event_id(ev_.event_id);
  record.set_leaf_index(ctx_.index);
  changes_->Put(
      ImportCertificateKey(cert.exporting_country(), cert.certificate_number()),
      record);
  return absl::OkStatus();
}

absl::Status EventRules::LabAssessment(const v1::LabAssessment& b) {
  v1::ParcelState p = Touched(b.parcel_id());
  KP_RETURN_IF_ERROR(RequireNotClosed(p, "be assessed"));
  KP_ASSIGN_OR_RETURN(std::optional<v1::ActorRecord> holder,
                      view_.Actor(p.custodian()));
  if (!holder.has_value() || holder->role() != v1::LAB) {
    return Refuse(
        absl::StatusCode::kPermissionDenied, "parcel_id",
        absl::StrCat("parcel ", p.parcel_id(), " is held by ", p.custodian(),
                     ", not a LAB; only the LAB holding custody "
                     "assesses a parcel"));
  }
  KP_RETURN_IF_ERROR(RequireSignedBy(p.custodian(), "the LAB holding custody"));
  if (!IsValidMassMct(b.measured_mass_mct())) {
    return Invalid("measured_mass_mct",
                   absl::StrCat("is ", b.measured_mass_mct(), ", want 1 to ",
                                kMaxMassMct));
  }
  if (!IsValidValueUsdCents(b.assessed_value_usd_cents())) {
    return Invalid("assessed_value_usd_cents",
                   absl::StrCat("is ", b.assessed_value_usd_cents(),
                                ", want 1 to ", kMaxValueUsdCents));
  }
  if (b.report_number().empty()) {
    return Invalid("report_number", "is missing (the lab's report reference)");
  }
  if (!b.classification().empty()) {
    uint64_t sum = 0;
    std::set<std::string> names;
    for (const auto& c : b.classification()) {
      if (c.name().empty() || !names.insert(c.name()).second) {
        return Invalid(
            "classification",
            absl::StrCat("class \"", c.name(), "\" is empty or listed twice"));
      }
      sum += c.share_ppm();
    }
    if (sum != kWholeShare) {
      return Invalid("classification",
                     absl::StrCat("shares sum to ", sum,
                                  " ppm, want 1000000 (the whole)"));
    }
  }
  if (!b.assessed_origins().empty()) {
    KP_RETURN_IF_ERROR(
        Within(CheckOriginShares("assessed_origins", b.assessed_origins())));
  }
  for (v1::Flag f : AssessmentFlags(
           p.declared_mass_mct(), p.value_usd_cents(), b.measured_mass_mct(),
           b.assessed_value_usd_cents(), policy_.policy())) {
    AddFlag(f);
  }
  p.set_mass_mct(b.measured_mass_mct());
  p.set_stone_count(b.stone_count());
  PutParcel(std::move(p));
  return absl::OkStatus();
}

absl::Status EventRules::CustodyTransfer(const v1::CustodyTransfer& b) {
  v1::ParcelState p = Touched(b.parcel_id());
  KP_RETURN_IF_ERROR(RequireActive(p, "move"));
  if (b.from_custodian() != p.custodian()) {
    return Precondition(
        "from_custodian",
        absl::StrCat("is \"", b.from_custodian(), "\", but parcel ",
                     p.parcel_id(), " is held by ", p.custodian()));
  }
  if (b.to_custodian() == b.from_custodian()) {
    return Invalid("to_custodian", "is the current custodian");
  }
  KP_ASSIGN_OR_RETURN(v1::ActorRecord to,
                      Custodian(b.to_custodian(), "to_custodian"));
  KP_RETURN_IF_ERROR(
      RequireSignedBy(b.from_custodian(), "the releasing custodian"));
  KP_RETURN_IF_ERROR(
      RequireSignedBy(b.to_custodian(), "the receiving custodian"));
  // The seals are what the two parties attest to: the containers handed
  // over, closed (KPCS: rough moves in tamper-resistant sealed containers).
  // A transfer that names none records nothing a later holder can check.
  if (policy_.policy().transfer_seals_required() && b.seal_ids().empty()) {
    return Invalid("seal_ids",
                   "is empty: the policy wants a transfer to name the seal "
                   "of every container handed over");
  }
  std::set<std::string> seals;
  for (const std::string& s : b.seal_ids()) {
    if (s.empty() || !seals.insert(s).second) {
      return Invalid("seal_ids", absl::StrCat("seal id \"", s,
                                              "\" is empty or listed twice"));
    }
  }
  p.set_custodian(to.actor_id());
  PutParcel(std::move(p));
  return absl::OkStatus();
}

absl::Status EventRules::Split(const v1::Split& b) {
  v1::ParcelState parent = Touched(b.parcel_id());
  KP_RETURN_IF_ERROR(RequireActive(parent, "be split"));
  KP_RETURN_IF_ERROR(RequireSignedBy(parent.custodian(), "the custodian"));
  if (b.children_size() < 2) {
    return Invalid("children",
                   absl::StrCat("has ", b.children_size(),
                                ", a split makes at least 2 parcels"));
  }
  int64_t total = 0, total_value = 0;
  for (int i = 0; i < b.children_size(); ++i) {
    const v1::Split::Child& c = b.children(i);
    const std::string field = absl::StrCat("children[", i, "]");
    if (!IsValidMassMct(c.mass_mct())) {
      return Invalid(
          field + ".mass_mct",
          absl::StrCat("is ", c.mass_mct(), ", want 1 to ", kMaxMassMct));
    }
    if (!IsValidValueUsdCents(c.value_usd_cents())) {
      return Invalid(field + ".value_usd_cents",
                     absl::StrCat("is ", c.value_usd_cents(), ", want 1 to ",
                                  kMaxValueUsdCents));
    }
    if (!IsRoughDiamondHsCode(c.hs_code())) {
      return Invalid(field + ".hs_code",
                     absl::StrCat("\"", c.hs_code(),
                                  "\" is not 7102.10, 7102.21 or 7102.31"));
    }
    total += c.mass_mct();
    total_value += c.value_usd_cents();
  }
  if (absl::Status conserved = CheckMassConserved(
          parent.mass_mct(), total, policy_.policy().loss_tolerance_ppm());
      !conserved.ok()) {
    return Refuse(conserved.code(), "children", conserved.message());
  }
  // Sorting does not change what the stones are worth: children valued
  // out of line with their parent are flagged, as a lab's would be.
  if (ValuePerCaratOutsideBand(parent.mass_mct(), parent.value_usd_cents(),
                               total, total_value,
                               policy_.policy().value_band_ppm())) {
    AddFlag(v1::VALUE_OUTLIER);
  }
  for (const v1::Split::Child& c : b.children()) {
    v1::ParcelState child;
    child.set_parcel_id(c.parcel_id());
    child.set_status(v1::ACTIVE);
    child.set_custodian(parent.custodian());
    child.set_declared_mass_mct(c.mass_mct());
    child.set_mass_mct(c.mass_mct());
    child.set_value_usd_cents(c.value_usd_cents());
    child.set_hs_code(c.hs_code());
    *child.mutable_origins() = parent.origins();
    child.set_created_at_index(ctx_.index);
    *child.mutable_created_at() = entry::ToTimestamp(ctx_.now);
    child.add_parents(parent.parcel_id());
    *child.mutable_flags() = parent.flags();
    PutParcel(std::move(child));
  }
  parent.set_status(v1::CLOSED);
  PutParcel(std::move(parent));
  return absl::OkStatus();
}

absl::Status EventRules::Merge(const v1::Merge& b) {
  if (b.parcel_ids_size() < 2) {
    return Invalid("parcel_ids",
                   absl::StrCat("has ", b.parcel_ids_size(),
                                ", a merge joins at least 2 parcels"));
  }
  const std::string& custodian = Touched(b.parcel_ids(0)).custodian();
  std::vector<MergeInput> inputs;
  int64_t total = 0, total_value = 0;
  std::vector<int> flags;
  for (const std::string& id : b.parcel_ids()) {
    const v1::ParcelState& p = Touched(id);
    KP_RETURN_IF_ERROR(RequireActive(p, "be merged", "parcel_ids"));
    if (p.custodian() != custodian) {
      return Precondition(
          "parcel_ids",
          absl::StrCat("parcel ", id, " is held by ", p.custodian(),
                       " and parcel ", b.parcel_ids(0), " by ", custodian,
                       "; transfer them to one custodian before merging"));
    }
    inputs.push_back(
        MergeInput{p.mass_mct(), {p.origins().begin(), p.origins().end()}});
    total += p.mass_mct();
    total_value += p.value_usd_cents();
    flags.insert(flags.end(), p.flags().begin(), p.flags().end());
  }
  KP_RETURN_IF_ERROR(RequireSignedBy(custodian, "the custodian"));
  if (!IsValidMassMct(b.mass_mct())) {
    return Invalid("mass_mct", absl::StrCat("is ", b.mass_mct(), ", want 1 to ",
                                            kMaxMassMct));
  }
  if (!IsValidValueUsdCents(b.value_usd_cents())) {
    return Invalid("value_usd_cents",
                   absl::StrCat("is ", b.value_usd_cents(), ", want 1 to ",
                                kMaxValueUsdCents));
  }
  if (!IsRoughDiamondHsCode(b.hs_code())) {
    return Invalid("hs_code", absl::StrCat("\"", b.hs_code(),
                                           "\" is not 7102.10, 7102.21 or "
                                           "7102.31"));
  }
  if (absl::Status conserved = CheckMassConserved(
          total, b.mass_mct(), policy_.policy().loss_tolerance_ppm());
      !conserved.ok()) {
    return Refuse(conserved.code(), "mass_mct", conserved.message());
  }
  if (ValuePerCaratOutsideBand(total, total_value, b.mass_mct(),
                               b.value_usd_cents(),
                               policy_.policy().value_band_ppm())) {
    AddFlag(v1::VALUE_OUTLIER);
  }
  absl::StatusOr<std::vector<v1::OriginShare>> origins = MergeOrigins(inputs);
  KP_RETURN_IF_ERROR(Within(origins.status()));

  v1::ParcelState merged;
  merged.set_parcel_id(b.new_parcel_id());
  merged.set_status(v1::ACTIVE);
  merged.set_custodian(custodian);
  merged.set_declared_mass_mct(b.mass_mct());
  merged.set_mass_mct(b.mass_mct());
  merged.set_value_usd_cents(b.value_usd_cents());
  merged.set_hs_code(b.hs_code());
  for (v1::OriginShare& o : *origins) *merged.add_origins() = std::move(o);
  merged.set_created_at_index(ctx_.index);
  *merged.mutable_created_at() = entry::ToTimestamp(ctx_.now);
  for (const std::string& id : b.parcel_ids()) merged.add_parents(id);
  for (int f : flags) merged.add_flags(static_cast<v1::Flag>(f));
  PutParcel(std::move(merged));
  for (const std::string& id : b.parcel_ids()) {
    v1::ParcelState p = Touched(id);
    p.set_status(v1::CLOSED);
    PutParcel(std::move(p));
  }
  return absl::OkStatus();
}

absl::Status EventRules::Export(const v1::Export& b) {
  v1::ParcelState p = Touched(b.parcel_id());
  KP_RETURN_IF_ERROR(RequireActive(p, "be exported"));
  KP_RETURN_IF_ERROR(RequireRole(
      v1::KP_AUTHORITY, "the KP Authority issues the export certificate"));
  KP_RETURN_IF_ERROR(RequireRole(v1::CUSTOMS, "customs clears the export"));
  const v1::KpCertificate& cert = b.certificate();
  KP_RETURN_IF_ERROR(Within(
      CheckExportCertificate(cert, p, ctx_.genesis->country_code(), ctx_.now)));
  KP_ASSIGN_OR_RETURN(std::optional<v1::ExportRecord> issued,
                      view_.Export(cert.certificate_number()));
  if (issued.has_value()) {
    return Precondition(
        "certificate.certificate_number",
        absl::StrCat(cert.certificate_number(),
                     " was already issued by the export at entry ",
                     issued->leaf_index(), " (parcel ", issued->parcel_id(),
                     "); certificate numbers are unique"));
  }
  KP_ASSIGN_OR_RETURN(std::optional<v1::ActorRecord> holder,
                      view_.Actor(p.custodian()));
  if (holder.has_value() && holder->revoked()) {
    return Precondition(
        "certificate.exporter.license_id",
        absl::StrCat("parcel ", p.parcel_id(), " is held by ", p.custodian(),
                     ", whose registration is revoked: a revoked actor "
                     "exports nothing"));
  }
  const std::string holder_licence =
      holder.has_value() ? holder->license_id() : "";
  if (holder_licence.empty() ||
      cert.exporter().license_id() != holder_licence) {
    return Precondition(
        "certificate.exporter.license_id",
        absl::StrCat("is \"", cert.exporter().license_id(), "\", but parcel ",
                     p.parcel_id(), " is held by ", p.custodian(),
                     " (licence \"", holder_licence,
                     "\"); a parcel is exported by the licensed party "
                     "holding it"));
  }
  const uint32_t quick_days = policy_.policy().quick_reexport_days();
  if (quick_days > 0 && !p.import_certificate().empty() &&
      ctx_.now.seconds - p.created_at().seconds() <
          int64_t{quick_days} * entry::kSecondsPerDay) {
    AddFlag(v1::QUICK_REEXPORT);
  }
  p.set_status(v1::CLOSED);
  p.set_export_certificate(cert.certificate_number());
  PutParcel(std::move(p));

  v1::ExportRecord record;
  record.set_certificate_number(cert.certificate_number());
  record.set_parcel_id(b.parcel_id());
  record.set_event_id(ev_.event_id);
  record.set_leaf_index(ctx_.index);
  *record.mutable_exported_at() = entry::ToTimestamp(ctx_.now);
  record.set_mass_mct(cert.mass_mct());
  record.set_parcel_count(cert.parcel_count());
  record.set_importing_country(cert.importing_country());
  changes_->Put(ExportKey(cert.certificate_number()), record);
  return absl::OkStatus();
}

absl::Status EventRules::ImportConfirmation(const v1::ImportConfirmation& b) {
  KP_RETURN_IF_ERROR(
      RequireRole(v1::KP_AUTHORITY,
                  "the KP Authority records the confirmations it receives"));
  if (b.certificate_number().empty()) {
    return Invalid("certificate_number", "is missing");
  }
  KP_ASSIGN_OR_RETURN(std::optional<v1::ExportRecord> record,
                      view_.Export(b.certificate_number()));
  if (!record.has_value()) {
    return Refuse(absl::StatusCode::kNotFound, "certificate_number",
                  absl::StrCat("this ledger issued no export certificate ",
                               b.certificate_number()));
  }
  if (!record->confirmation_event_id().empty()) {
    return Precondition(
        "certificate_number",
        absl::StrCat(b.certificate_number(), " was already confirmed at entry ",
                     record->confirmation_leaf_index()));
  }
  if (b.confirming_authority().empty()) {
    return Invalid("confirming_authority", "is missing");
  }
  if (b.importing_country() != record->importing_country()) {
    return Precondition(
        "importing_country",
        absl::StrCat("is \"", b.importing_country(), "\", the certificate ",
                     "names ", record->importing_country()));
  }
  if (b.parcel_count() != record->parcel_count()) {
    return Precondition(
        "parcel_count",
        absl::StrCat("is ", b.parcel_count(), ", the certificate states ",
                     record->parcel_count()));
  }
  if (b.mass_mct() != record->mass_mct()) {
    return Precondition("mass_mct", absl::StrCat("is ", b.mass_mct(),
                                                 ", the certificate states ",
                                                 record->mass_mct()));
  }
  if (!b.has_received_at()) return Invalid("received_at", "is missing");
  const entry::LedgerTime received = entry::FromTimestamp(b.received_at());
  if (received < entry::FromTimestamp(record->exported_at()) ||
      ctx_.now < received) {
    return Precondition(
        "received_at",
        absl::StrCat(
            entry::FormatTime(received), " is not between the export (",
            entry::FormatTime(entry::FromTimestamp(record->exported_at())),
            ") and the ledger time (", entry::FormatTime(ctx_.now), ")"));
  }
  record->set_confirmation_event_id(ev_.event_id);
  record->set_confirmation_leaf_index(ctx_.index);
  changes_->Put(ExportKey(b.certificate_number()), *record);
  return absl::OkStatus();
}

absl::Status EventRules::Inspection(const v1::Inspection& b) {
  const v1::ActorRecord* inspector = SignerWithRole(v1::INSPECTOR);
  if (inspector == nullptr) inspector = SignerWithRole(v1::KP_AUTHORITY);
  if (inspector == nullptr) {
    return RequireRole(v1::INSPECTOR,
                       "inspections are recorded by an INSPECTOR or the "
                       "KP_AUTHORITY");
  }
  v1::ParcelState p = Touched(b.parcel_id());
  KP_RETURN_IF_ERROR(RequireNotClosed(p, "be inspected"));
  if (b.findings().empty()) return Invalid("findings", "is missing");
  PutParcel(std::move(p));
  return absl::OkStatus();
}

absl::Status EventRules::Hold(const v1::Hold& b) {
  bool allowed = false;
  for (const auto& [id, actor] : actor_signers_) {
    allowed = allowed || MayControl(actor.role());
  }
  if (!allowed) {
    return RequireRole(v1::INSPECTOR,
                       "holds are placed by an INSPECTOR, the KP_AUTHORITY "
                       "or CUSTOMS");
  }
  v1::ParcelState p = Touched(b.parcel_id());
  if (p.status() == v1::HELD) {
    return Precondition("parcel_id", absl::StrCat("parcel ", p.parcel_id(),
                                                  " is already held"));
  }
  KP_RETURN_IF_ERROR(RequireActive(p, "be held"));
  if (b.reason().empty()) return Invalid("reason", "is missing");
  p.set_status(v1::HELD);
  PutParcel(std::move(p));
  return absl::OkStatus();
}

absl::Status EventRules::Release(const v1::Release& b) {
  bool allowed = false;
  for (const auto& [id, actor] : actor_signers_) {
    allowed = allowed || MayControl(actor.role());
  }
  if (!allowed) {
    return RequireRole(v1::INSPECTOR,
                       "releases are made by an INSPECTOR, the "
                       "KP_AUTHORITY or CUSTOMS");
  }
  v1::ParcelState p = Touched(b.parcel_id());
  if (p.status() != v1::HELD) {
    return Precondition(
        "parcel_id",
        absl::StrCat("parcel ", p.parcel_id(), " is ",
                     v1::ParcelStatus_Name(p.status()), ", not HELD"));
  }
  if (b.reason().empty()) return Invalid("reason", "is missing");
  p.set_status(v1::ACTIVE);
  PutParcel(std::move(p));
  return absl::OkStatus();
}

}  // namespace kpledger::rules
