// The ledger's state as the custody rules see it: parcel states, actors and
// their keys, used certificates, the policy in force, and the flags of
// accepted events. It is a projection of the log: the rules derive every
// record from the events they accept, so replaying the log from genesis
// derives the same records.
//
// Records are protobufs (kpledger/v1/state.proto, ParcelState) under string
// keys:
//   parcel/<parcel id>                      ParcelState
//   actor/<actor id>                        ActorRecord
//   key/<key id>                            KeyRecord
//   cert-in/<exporting country>/<number>    ImportCertificateRecord
//   cert-out/<number>                       ExportRecord
//   policy                                  PolicyRecord
//   nodes                                   NodeSetRecord
//   flags/<event id>                        EventFlags (only when non-empty)
// A node keeps them in its store's `state` column family; a provenance
// verifier keeps them in memory.
//
// Thread safety: a StateView is read-only and may be shared between
// threads if its source may; a StateChanges is not thread-safe.
#ifndef KPLEDGER_LEDGER_RULES_STATE_H_
#define KPLEDGER_LEDGER_RULES_STATE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"
#include "kpledger/v1/ledger.pb.h"
#include "kpledger/v1/state.pb.h"

namespace kpledger::rules {

std::string ParcelKey(absl::string_view parcel_id);
std::string ActorKey(absl::string_view actor_id);
std::string KeyKey(absl::string_view key_id);
std::string ImportCertificateKey(absl::string_view exporting_country,
                                 absl::string_view number);
std::string ExportKey(absl::string_view number);
inline constexpr absl::string_view kPolicyKey = "policy";
inline constexpr absl::string_view kNodeSetKey = "nodes";
std::string FlagsKey(absl::string_view event_id);

// Records parsed once for all the events of a batch: nearly every event
// reads the policy and its signers' key and actor records. A parsed record
// is reused only while its bytes are the same, so an event that changes
// one (a policy update, a re-key) is seen by every event after it.
class ParsedRecords {
 public:
  // The record parsed from exactly `bytes` under `key`; null if none.
  template <typename Record>
  const Record* Find(absl::string_view key, absl::string_view bytes) const {
    auto it = records_.find(key);
    if (it == records_.end() ||
        it->second.type != &Record::default_instance() ||
        it->second.bytes != bytes) {
      return nullptr;
    }
    return static_cast<const Record*>(it->second.record.get());
  }
  template <typename Record>
  void Remember(absl::string_view key, std::string bytes,
                const Record& record) {
    Parsed& p = records_[key];
    p.bytes = std::move(bytes);
    p.type = &Record::default_instance();
    p.record = std::make_unique<Record>(record);
  }

 private:
  struct Parsed {
    std::string bytes;
    const google::protobuf::MessageLite* type = nullptr;  // default instance
    std::unique_ptr<google::protobuf::MessageLite> record;
  };
  // Only looked up, never iterated: the apply path stays deterministic.
  absl::flat_hash_map<std::string, Parsed> records_;
};

// Where records are read from: a store, or a map in memory.
class StateSource {
 public:
  virtual ~StateSource() = default;
  // The record's serialized value; nullopt if there is none. An error only
  // for a source that cannot be read (I/O).
  virtual absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const = 0;
  // Where typed reads keep the records they parse; null to parse every
  // time. The cache does not change what a read returns.
  virtual ParsedRecords* parsed() const { return nullptr; }
};

// A source in memory, in key order.
class MemoryStateSource : public StateSource {
 public:
  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const override;
  void Put(std::string key, std::string value);
  const std::map<std::string, std::string, std::less<>>& records() const {
    return records_;
  }

 private:
  std::map<std::string, std::string, std::less<>> records_;
};

// Typed reads of the state. A record that does not parse is DataLoss.
class StateView {
 public:
  explicit StateView(const StateSource* source) : source_(source) {}

  absl::StatusOr<std::optional<v1::ParcelState>> Parcel(
      absl::string_view parcel_id) const;
  absl::StatusOr<std::optional<v1::ActorRecord>> Actor(
      absl::string_view actor_id) const;
  absl::StatusOr<std::optional<v1::KeyRecord>> Key(
      absl::string_view key_id) const;
  absl::StatusOr<std::optional<v1::ImportCertificateRecord>> ImportCertificate(
      absl::string_view exporting_country, absl::string_view number) const;
  absl::StatusOr<std::optional<v1::ExportRecord>> Export(
      absl::string_view number) const;
  // DataLoss if there is none: genesis writes it.
  absl::StatusOr<v1::PolicyRecord> Policy() const;
  // nullopt in a store written before node keys could change, whose set is
  // the genesis' (rules::NodeSetOf).
  absl::StatusOr<std::optional<v1::NodeSetRecord>> NodeSet() const;
  // Empty if the event earned none (or is not in the log).
  absl::StatusOr<std::vector<v1::Flag>> Flags(absl::string_view event_id) const;
  // The actor whose key signed an accepted custody event. DataLoss if the
  // state has no record of the key: the rules accept custody events signed
  // by registered keys only, so such a store is damaged.
  absl::StatusOr<std::string> SignerActor(absl::string_view key_id) const;

 private:
  // `reuse`: the record is read by most events and rarely changes (policy,
  // keys, actors), so its parsed form is kept (StateSource::parsed).
  template <typename Record>
  absl::StatusOr<std::optional<Record>> Read(const std::string& key,
                                             bool reuse = false) const;

  const StateSource* source_;
};

// Records written on top of a source, not yet stored: the changes of the
// events accepted so far in a batch. Reads see the changes first. Reads of
// the source are remembered (a batch reads the policy and its signers'
// records once per event), so the source must not change while a
// StateChanges reads it; `remember_reads` false skips that, for a layer
// over another StateChanges, which remembers them already.
class StateChanges : public StateSource {
 public:
  explicit StateChanges(const StateSource* base, bool remember_reads = true,
                        ParsedRecords* parsed = nullptr)
      : base_(base), remember_reads_(remember_reads), parsed_(parsed) {}

  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const override;
  // `parsed` if given, else the base's.
  ParsedRecords* parsed() const override {
    return parsed_ != nullptr ? parsed_ : base_->parsed();
  }
  void Put(std::string key, const google::protobuf::MessageLite& record);
  void PutBytes(std::string key, std::string value);

  // The changed records, in key order.
  const std::map<std::string, std::string, std::less<>>& changes() const {
    return changes_;
  }
  // Moves the changed records out, leaving none.
  std::map<std::string, std::string, std::less<>> TakeChanges() {
    return std::move(changes_);
  }

 private:
  const StateSource* base_;
  const bool remember_reads_;
  ParsedRecords* const parsed_;
  std::map<std::string, std::string, std::less<>> changes_;
  // Only looked up, never iterated, so a hash map keeps the apply path
  // deterministic; a batch remembers thousands of reads.
  mutable absl::flat_hash_map<std::string, std::optional<std::string>>
      base_reads_;
};

}  // namespace kpledger::rules

#endif  // KPLEDGER_LEDGER_RULES_STATE_H_
