#include "ledger/rules/state.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/encoding.h"
#include "ledger/base/status_macros.h"

namespace kpledger::rules {

std::string ParcelKey(absl::string_view parcel_id) {
  return absl::StrCat("parcel/", parcel_id);
}
std::string ActorKey(absl::string_view actor_id) {
  return absl::StrCat("actor/", actor_id);
}
std::string KeyKey(absl::string_view key_id) {
  return absl::StrCat("key/", key_id);
}
std::string ImportCertificateKey(absl::string_view exporting_country,
                                 absl::string_view number) {
  return absl::StrCat("cert-in/", exporting_country, "/", number);
}
std::string ExportKey(absl::string_view number) {
  return absl::StrCat("cert-out/", number);
}
std::string FlagsKey(absl::string_view event_id) {
  return absl::StrCat("flags/", event_id);
}

absl::StatusOr<std::optional<std::string>> MemoryStateSource::Get(
    absl::string_view key) const {
  auto it = records_.find(key);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

void MemoryStateSource::Put(std::string key, std::string value) {
  records_[std::move(key)] = std::move(value);
}

template <typename Record>
absl::StatusOr<std::optional<Record>> StateView::Read(const std::string& key,
                                                      bool reuse) const {
  KP_ASSIGN_OR_RETURN(std::optional<std::string> bytes, source_->Get(key));
  if (!bytes.has_value()) return std::nullopt;
  ParsedRecords* parsed = reuse ? source_->parsed() : nullptr;
  if (parsed != nullptr) {
    if (const Record* known = parsed->Find<Record>(key, *bytes)) return *known;
  }
  Record record;
  if (!record.ParseFromString(*bytes)) {
    return absl::DataLossError(
        absl::StrCat("state record ", key, " does not parse"));
  }
  if (parsed != nullptr) parsed->Remember(key, *std::move(bytes), record);
  return record;
}

absl::StatusOr<std::optional<v1::ParcelState>> StateView::Parcel(
    absl::string_view parcel_id) const {
  return Read<v1::ParcelState>(ParcelKey(parcel_id));
}
absl::StatusOr<std::optional<v1::ActorRecord>> StateView::Actor(
    absl::string_view actor_id) const {
  return Read<v1::ActorRecord>(ActorKey(actor_id), /*reuse=*/true);
}
absl::StatusOr<std::optional<v1::KeyRecord>> StateView::Key(
    absl::string_view key_id) const {
  return Read<v1::KeyRecord>(KeyKey(key_id), /*reuse=*/true);
}
absl::StatusOr<std::optional<v1::ImportCertificateRecord>>
StateView::ImportCertificate(absl::string_view exporting_country,
                             absl::string_view number) const {
  return Read<v1::ImportCertificateRecord>(
      ImportCertificateKey(exporting_country, number));
}
absl::StatusOr<std::optional<v1::ExportRecord>> StateView::Export(
    absl::string_view number) const {
  return Read<v1::ExportRecord>(ExportKey(number));
}

absl::StatusOr<v1::PolicyRecord> StateView::Policy() const {
  KP_ASSIGN_OR_RETURN(
      std::optional<v1::PolicyRecord> policy,
      Read<v1::PolicyRecord>(std::string(kPolicyKey), /*reuse=*/true));
  if (!policy.has_value()) {
    return absl::DataLossError("state has no policy record (genesis sets it)");
  }
  return *std::move(policy);
}

absl::StatusOr<std::optional<v1::NodeSetRecord>> StateView::NodeSet() const {
  return Read<v1::NodeSetRecord>(std::string(kNodeSetKey), /*reuse=*/true);
}

absl::StatusOr<std::vector<v1::Flag>> StateView::Flags(
    absl::string_view event_id) const {
  KP_ASSIGN_OR_RETURN(std::optional<v1::EventFlags> flags,
                      Read<v1::EventFlags>(FlagsKey(event_id)));
  std::vector<v1::Flag> out;
  if (flags.has_value()) {
    for (int f : flags->flags()) out.push_back(static_cast<v1::Flag>(f));
  }
  return out;
}

absl::StatusOr<std::string> StateView::SignerActor(
    absl::string_view key_id) const {
  KP_ASSIGN_OR_RETURN(std::optional<v1::KeyRecord> key, Key(key_id));
  if (!key.has_value()) {
    return absl::DataLossError(absl::StrCat(
        "a custody event is signed by key ", base::ShortHex(key_id),
        ", of which the store has no record"));
  }
  return key->actor_id();
}

absl::StatusOr<std::optional<std::string>> StateChanges::Get(
    absl::string_view key) const {
  auto it = changes_.find(key);
  if (it != changes_.end()) return it->second;
  if (!remember_reads_) return base_->Get(key);
  auto read = base_reads_.find(key);
  if (read != base_reads_.end()) return read->second;
  absl::StatusOr<std::optional<std::string>> value = base_->Get(key);
  if (value.ok()) base_reads_.emplace(std::string(key), *value);
  return value;
}

void StateChanges::Put(std::string key,
                       const google::protobuf::MessageLite& record) {
  changes_[std::move(key)] = record.SerializeAsString();
}

void StateChanges::PutBytes(std::string key, std::string value) {
  changes_[std::move(key)] = std::move(value);
}

}  // namespace kpledger::rules
