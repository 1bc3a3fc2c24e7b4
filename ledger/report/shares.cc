#include "ledger/report/shares.h"

#include <algorithm>
#include <map>

namespace kpledger::report {
namespace {

using Wide = unsigned __int128;

struct Part {
  std::string country;
  Wide numerator = 0;  // amount * share
  int64_t amount = 0;
  Wide remainder = 0;
};

}  // namespace

std::vector<Portion> Apportion(
    int64_t amount,
    const google::protobuf::RepeatedPtrField<v1::OriginShare>& origins) {
  std::map<std::string, uint64_t> shares;  // ordered: by country code
  uint64_t total_share = 0;
  for (const v1::OriginShare& o : origins) {
    shares[o.country()] += o.share_ppm();
    total_share += o.share_ppm();
  }
  if (amount < 0 || total_share == 0) return {};
  std::vector<Part> parts;
  int64_t assigned = 0;
  for (const auto& [country, share] : shares) {
    Part p;
    p.country = country;
    p.numerator = static_cast<Wide>(amount) * share;
    p.amount = static_cast<int64_t>(p.numerator / total_share);
    p.remainder = p.numerator % total_share;
    assigned += p.amount;
    parts.push_back(std::move(p));
  }
  // Fewer units are left than there are parts (each remainder is below one
  // unit). stable_sort keeps country order among equal remainders.
  std::vector<Part*> order;
  for (Part& p : parts) order.push_back(&p);
  std::stable_sort(
      order.begin(), order.end(),
      [](const Part* a, const Part* b) { return a->remainder > b->remainder; });
  for (size_t k = 0; assigned < amount && k < order.size(); ++k) {
    ++order[k]->amount;
    ++assigned;
  }
  std::vector<Portion> out;
  out.reserve(parts.size());
  for (Part& p : parts) out.push_back({std::move(p.country), p.amount});
  return out;
}

}  // namespace kpledger::report
