#pragma once
// A real edgecart-server process on 127.0.0.1 for the HTTP tests: started on a free port with a
// given database and JWT secret, its access log captured, stopped with SIGTERM.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace edgecart::testing {

class ServerProcess {
 public:
  ServerProcess(const std::string& db, const std::string& secret, const std::string& logFile,
                const std::vector<std::string>& extra = {}) {
    int err[2];
    if (pipe(err) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      setenv("EDGECART_JWT_SECRET", secret.c_str(), 1);
      const int out = ::open(logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(out, 1);
      dup2(err[1], 2);
      close(err[0]);
      std::vector<const char*> argv = {EDGECART_SERVER, "--port", "0", "--db", db.c_str()};
      for (const std::string& a : extra) argv.push_back(a.c_str());
      argv.push_back(nullptr);
      execv(EDGECART_SERVER, const_cast<char* const*>(argv.data()));
      _exit(127);
    }
    close(err[1]);
    errFd_ = err[0];
    // Wait for "listening on http://127.0.0.1:PORT/".
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (port_ == 0 && std::chrono::steady_clock::now() < deadline) {
      pollfd p{errFd_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char buf[512];
      const ssize_t n = read(errFd_, buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
      const size_t at = text.find("127.0.0.1:");
      if (at != std::string::npos && text.find('/', at) != std::string::npos) {
        port_ = std::atoi(text.c_str() + at + 10);
      }
    }
    if (port_ == 0) {
      stop();
      throw std::runtime_error("edgecart-server did not start: " + text);
    }
  }
  ~ServerProcess() { stop(); }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Stops the server (SIGTERM, or SIGKILL for a crash) and waits for it; returns its exit status.
  int stop(int signal = SIGTERM) {
    if (pid_ <= 0) return exit_;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (errFd_ >= 0) {
      // What it wrote to stderr after it started (a sanitizer's report, an error): still in the
      // pipe, for a test to show when the exit status is not the one it expects.
      fcntl(errFd_, F_SETFL, fcntl(errFd_, F_GETFL) | O_NONBLOCK);
      char buf[4096];
      ssize_t n;
      while ((n = read(errFd_, buf, sizeof buf)) > 0) stderr_.append(buf, static_cast<size_t>(n));
      close(errFd_);
    }
    errFd_ = -1;
    exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_;
  }
  // Its stderr after the line that said where it listens, once stopped.
  const std::string& stderrAfterStart() const { return stderr_; }

 private:
  pid_t pid_ = -1;
  int errFd_ = -1;
  int port_ = 0;
  int exit_ = -1;
  std::string stderr_;
};

}  // namespace edgecart::testing
