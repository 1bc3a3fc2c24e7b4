// A child process whose standard output the test reads: for the crash
// tests, which read a writer's acknowledgements and kill it with SIGKILL.
#ifndef KPLEDGER_TESTS_TESTING_CHILD_PROCESS_H_
#define KPLEDGER_TESTS_TESTING_CHILD_PROCESS_H_

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

extern char** environ;

namespace kpledger::testing {

class ChildProcess {
 public:
  // Starts `program` with one argument; pid() is -1 if it cannot start.
  ChildProcess(const char* program, const std::string& arg) {
    int out[2];
    if (pipe(out) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const char* argv[] = {program, arg.c_str(), nullptr};
    if (posix_spawn(&pid_, program, &actions, nullptr, const_cast<char**>(argv),
                    environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    stdout_ = fdopen(out[0], "r");
  }
  ~ChildProcess() {
    Kill();
    if (stdout_ != nullptr) fclose(stdout_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The child's standard output; what it wrote before dying stays readable.
  FILE* out() const { return stdout_; }
  // SIGKILL, then reaps the child. Safe to call twice.
  void Kill() { Wait(SIGKILL); }
  // Waits for the child to exit on its own.
  void Wait() { Wait(0); }

 private:
  void Wait(int signal) {
    if (pid_ <= 0) return;
    if (signal != 0) kill(pid_, signal);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
};

}  // namespace kpledger::testing

#endif  // KPLEDGER_TESTS_TESTING_CHILD_PROCESS_H_
