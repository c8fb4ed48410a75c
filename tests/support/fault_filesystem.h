// A Filesystem that forwards to another one and fails the k-th mutating call
// (see sys/filesystem.h for which calls mutate), to check that code is safe
// against a crash or an I/O error at every step. Header-only.
//
//  - Mode::kCrash: call k and every later mutating call throw, as if the
//    process had died at call k: clean-up code gets no further. A crashing
//    CreateFileExclusive leaves the first half of its data on disk, as a
//    crash between write(2) and fsync(2) can.
//  - Mode::kFailOnce: only call k throws (like ENOSPC or EIO), with no side
//    effect; later calls, including clean-up, succeed.
//
// Reads always pass through. Not thread-safe.
#pragma once

#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sys/filesystem.h"

namespace certpilot::testing {

class FaultFilesystem : public sys::Filesystem {
 public:
  enum class Mode { kCrash, kFailOnce };

  // fail_at: 1-based index of the mutating call to fail; 0 = never.
  FaultFilesystem(sys::Filesystem& inner, int fail_at, Mode mode = Mode::kCrash,
                  int error_code = EIO)
      : inner_(inner),
        fail_at_(fail_at),
        mode_(mode),
        error_code_(error_code) {}

  // Mutating calls seen so far (failed ones included).
  int mutations() const { return mutations_; }
  bool faulted() const { return faulted_; }
  // "Rename a b", "Unlink p", ... for every mutating call, in order.
  const std::vector<std::string>& log() const { return log_; }
  // When false, Exchange returns false like a filesystem without
  // RENAME_EXCHANGE (it still counts as a mutating call).
  void set_exchange_supported(bool supported) {
    exchange_supported_ = supported;
  }

  std::string ReadFile(const std::string& path) override {
    return inner_.ReadFile(path);
  }
  bool Exists(const std::string& path) override { return inner_.Exists(path); }
  bool IsDir(const std::string& path) override { return inner_.IsDir(path); }
  bool IsSymlink(const std::string& path) override {
    return inner_.IsSymlink(path);
  }
  std::string ReadLink(const std::string& path) override {
    return inner_.ReadLink(path);
  }
  std::vector<std::string> ListDir(const std::string& path) override {
    return inner_.ListDir(path);
  }
  sys::FileInfo Stat(const std::string& path) override {
    return inner_.Stat(path);
  }

  void MakeDirs(const std::string& path, mode_t mode) override {
    Check("MakeDirs", path);
    inner_.MakeDirs(path, mode);
  }
  void CreateFileExclusive(const std::string& path, std::string_view data,
                           mode_t mode, std::optional<gid_t> group) override {
    if (Fails("CreateFileExclusive", path)) {
      if (mode_ == Mode::kCrash) {
        inner_.CreateFileExclusive(path, data.substr(0, data.size() / 2), mode,
                                   group);
      }
      Throw("writing", path);
    }
    inner_.CreateFileExclusive(path, data, mode, group);
  }
  void Rename(const std::string& from, const std::string& to) override {
    Check("Rename", from + " " + to);
    inner_.Rename(from, to);
  }
  bool Exchange(const std::string& a, const std::string& b) override {
    Check("Exchange", a + " " + b);
    if (!exchange_supported_) return false;
    return inner_.Exchange(a, b);
  }
  void Symlink(const std::string& target,
               const std::string& link_path) override {
    Check("Symlink", target + " " + link_path);
    inner_.Symlink(target, link_path);
  }
  void Link(const std::string& existing, const std::string& new_path) override {
    Check("Link", existing + " " + new_path);
    inner_.Link(existing, new_path);
  }
  void Unlink(const std::string& path) override {
    Check("Unlink", path);
    inner_.Unlink(path);
  }
  void RemoveDir(const std::string& path) override {
    Check("RemoveDir", path);
    inner_.RemoveDir(path);
  }
  void FsyncDir(const std::string& path) override {
    Check("FsyncDir", path);
    inner_.FsyncDir(path);
  }
  void Chmod(const std::string& path, mode_t mode) override {
    Check("Chmod", path);
    inner_.Chmod(path, mode);
  }

 private:
  // Counts one mutating call; true if it is to fail.
  bool Fails(const char* op, const std::string& args) {
    ++mutations_;
    log_.push_back(std::string(op) + " " + args);
    bool fail =
        (mode_ == Mode::kCrash && fail_at_ > 0 && mutations_ >= fail_at_) ||
        (mode_ == Mode::kFailOnce && mutations_ == fail_at_);
    if (fail) faulted_ = true;
    return fail;
  }
  void Check(const char* op, const std::string& args) {
    if (Fails(op, args)) Throw(op, args);
  }
  [[noreturn]] void Throw(const std::string& op, const std::string& path) {
    throw sys::SysError(std::string("injected fault: ") + op, path,
                        error_code_);
  }

  sys::Filesystem& inner_;
  int fail_at_;
  Mode mode_;
  int error_code_;
  int mutations_ = 0;
  bool faulted_ = false;
  bool exchange_supported_ = true;
  std::vector<std::string> log_;
};

}  // namespace certpilot::testing
