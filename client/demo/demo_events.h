// The custody events the ledger-core demo signs: a Botswana import, a lab
// assessment and a vault transfer, with realistic KP certificate fields.
#ifndef KPLEDGER_CLIENT_DEMO_DEMO_EVENTS_H_
#define KPLEDGER_CLIENT_DEMO_DEMO_EVENTS_H_

#include <string>

#include "kpledger/v1/event.pb.h"
#include "kpledger/v1/genesis.pb.h"

namespace kpledger::demo {

inline constexpr char kOrigin[] = "kpledger.demo/az-custody";

v1::CustodyEvent ImportEvent(const std::string& parcel_id,
                             const std::string& certificate_number,
                             int64_t mass_mct, int64_t value_usd_cents);
v1::CustodyEvent LabAssessmentEvent(const std::string& parcel_id,
                                    const std::string& head,
                                    int64_t measured_mass_mct);
v1::CustodyEvent TransferEvent(const std::string& parcel_id,
                               const std::string& head, const std::string& from,
                               const std::string& to);

// A one-line description of an event, for the demo's output.
std::string Describe(const v1::CustodyEvent& ev);

}  // namespace kpledger::demo

#endif  // KPLEDGER_CLIENT_DEMO_DEMO_EVENTS_H_
