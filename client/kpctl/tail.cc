// kpctl tail: the log's entries, one line each, from an index on; with
// --follow, new entries as the node appends them (until interrupted).
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/kpctl/commands.h"
#include "client/kpctl/connect.h"
#include "client/kpctl/text.h"

namespace kpledger::kpctl {
namespace {

constexpr char kCmd[] = "tail";

struct TailFlags {
  uint64_t from = 0;
  bool follow = false;
};

// "INDEX  TIME  TYPE  EVENT-ID…  PARCELS", the type padded to the longest.
std::string Line(const v1::LedgerEntry& e) {
  v1::CustodyEvent ev;
  DecodeEvent(e, &ev);
  const std::string parcels = ParcelIds(ev);
  char type[32];
  std::snprintf(type, sizeof(type), "%-19s", EntryType(e, ev).c_str());
  return absl::StrCat(e.index(), "  ", Time(e.ledger_time()), "  ", type, "  ",
                      Short(e.event_id()), "  ",
                      parcels.empty() ? "-" : parcels, "\n");
}

int Run(const Globals& globals, const TailFlags& flags) {
  int code = kExitOk;
  std::unique_ptr<NodeClient> client = ConnectOrReport(globals, kCmd, &code);
  if (client == nullptr) return code;
  v1::StreamEntriesRequest req;
  req.set_from_index(flags.from);
  req.set_follow(flags.follow);
  // The stream may last: no deadline (Connect checked the node answers).
  std::unique_ptr<grpc::ClientContext> ctx = client->Context(false);
  std::unique_ptr<grpc::ClientReader<v1::LedgerEntry>> reader =
      client->ledger().StreamEntries(ctx.get(), req);
  v1::LedgerEntry entry;
  while (reader->Read(&entry)) {
    const std::string line = globals.json ? ToJsonLine(entry) : Line(entry);
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);
  }
  const grpc::Status st = reader->Finish();
  if (!st.ok()) return ReportRpcError(kCmd, st);
  return kExitOk;
}

}  // namespace

void AddTail(CLI::App& app, Globals& globals) {
  CLI::App* cmd = app.add_subcommand(
      "tail",
      "print the log's entries, one line each: index, ledger time, "
      "event type, event id, parcel ids; --follow for new ones");
  cmd->footer(
      "--json prints one kpledger.v1.LedgerEntry per line (JSON Lines).\n\n"
      "Example:\n"
      "  kpctl tail --from 2000 --follow");
  auto flags = std::make_shared<TailFlags>();
  cmd->add_option("--from", flags->from, "first entry index (0: the genesis)")
      ->capture_default_str();
  cmd->add_flag("--follow,-f", flags->follow,
                "keep the stream open and print new entries as they come");
  cmd->callback(
      [&globals, flags] { globals.exit_code = Run(globals, *flags); });
}

}  // namespace kpledger::kpctl
