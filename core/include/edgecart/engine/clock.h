#pragma once
// Time comes in through this interface so the core never asks its host for it directly.

#include <cstdint>
#include <string>

namespace edgecart {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t nowMs() const = 0;
};

// Wall-clock time from std::chrono (works natively and under WebAssembly).
class SystemClock : public Clock {
 public:
  int64_t nowMs() const override;
};

// A clock the caller sets; each read advances it by `stepMs` (0 = frozen).
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t startMs = 1705314600000, int64_t stepMs = 0)
      : now_(startMs), step_(stepMs) {}
  int64_t nowMs() const override {
    int64_t t = now_;
    now_ += step_;
    return t;
  }
  void set(int64_t ms) { now_ = ms; }

 private:
  mutable int64_t now_;
  int64_t step_;
};

// ISO-8601 UTC with milliseconds: 2024-01-15T10:30:00.000Z.
std::string formatIsoTime(int64_t ms);

}  // namespace edgecart
