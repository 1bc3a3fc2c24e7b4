// A real 3-member etcd cluster (Debian's /usr/bin/etcd) on free loopback
// ports, for the cluster tests: members started, killed (SIGKILL) and
// restarted one by one; data under the test's scratch folder.
#ifndef KPLEDGER_TESTS_INTEGRATION_ETCD_PROCESS_H_
#define KPLEDGER_TESTS_INTEGRATION_ETCD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace kpledger::testing {

class EtcdCluster {
 public:
  // Picks ports; starts nothing. `extra_flags` go to every member.
  EtcdCluster(std::string dir, int members = 3,
              std::vector<std::string> extra_flags = {});
  ~EtcdCluster();  // kills every member

  // Starts every member and waits until the cluster takes a put.
  absl::Status Start();
  // Starts member i again on its data dir (it rejoins).
  absl::Status StartMember(int i);
  void KillMember(int i);

  // "127.0.0.1:port,..." of the members' client ports.
  std::string Endpoints() const;
  std::vector<std::string> EndpointList() const;
  std::string Log(int i) const;
  // The members' process ids (-1 for one not running).
  const std::vector<pid_t>& pids() const { return pids_; }

 private:
  std::string dir_;
  std::vector<std::string> extra_flags_;
  std::vector<int> client_ports_;
  std::vector<int> peer_ports_;
  std::vector<pid_t> pids_;
};

}  // namespace kpledger::testing

#endif  // KPLEDGER_TESTS_INTEGRATION_ETCD_PROCESS_H_
