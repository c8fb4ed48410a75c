#include "sys/file_transaction.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "sys/sys_error.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::sys {
namespace {

// Journals written before this code moved out of nginx/ carry the same
// first line; they must stay recoverable (see the header).
constexpr char kMagic[] = "certpilot-nginx-journal 1";
constexpr char kManifest[] = "manifest";
constexpr int kMaxLinks = 40;

std::string Octal(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::optional<std::string> ReadIfExists(Filesystem& fs,
                                        const std::string& path) {
  if (!fs.Exists(path)) return std::nullopt;
  return fs.ReadFile(path);
}

// One file of a journal as read back from disk.
struct JournalFile {
  std::string id;
  std::string path;
  bool existed = false;
  mode_t mode = 0644;
  std::optional<std::string> original;
  std::vector<std::string> versions;
};

// Restores one file; appends the outcome to `report`.
void RestoreOne(Filesystem& fs, const JournalFile& f,
                const ConflictHandler& on_conflict, RestoreReport* report) {
  try {
    std::optional<std::string> current = ReadIfExists(fs, f.path);
    const std::optional<std::string> want =
        f.existed ? f.original : std::nullopt;
    if (current == want) {
      report->unchanged.push_back(f.path);
      return;
    }
    // A file that is gone is put back whoever removed it.
    bool ours = !current;
    for (const std::string& v : f.versions)
      ours = ours || (current && *current == v);
    if (!ours) {
      std::optional<std::string> replacement;
      if (current && on_conflict) replacement = on_conflict(f.path, *current);
      if (replacement && replacement != current) {
        WriteFileAtomic(fs, f.path, *replacement, f.mode);
        report->rewritten.push_back(f.path);
      } else {
        report->conflicts.push_back(f.path);
      }
      return;
    }
    if (want) {
      WriteFileAtomic(fs, f.path, *want, f.mode);
    } else {
      fs.Unlink(f.path);
      fs.FsyncDir(DirName(f.path));
    }
    report->restored.push_back(f.path);
  } catch (const Error& e) {
    report->failed.push_back(f.path + ": " + e.what());
  }
}

RestoreReport RestoreAll(Filesystem& fs, const std::vector<JournalFile>& files,
                         const ConflictHandler& on_conflict) {
  RestoreReport report;
  // Newest first: the reverse of the order the files were touched.
  for (auto it = files.rbegin(); it != files.rend(); ++it)
    RestoreOne(fs, *it, on_conflict, &report);
  return report;
}

std::vector<JournalFile> ReadJournal(Filesystem& fs, const std::string& dir) {
  const std::string manifest = fs.ReadFile(JoinPath(dir, kManifest));
  std::vector<std::string> lines = Split(manifest, '\n');
  if (lines.empty() || lines[0] != kMagic) {
    throw Error("the nginx journal " + dir +
                " is not one certpilot wrote (bad manifest); "
                "restore the files by hand from it and remove it");
  }
  std::vector<JournalFile> files;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    std::vector<std::string> f = Split(lines[i], ' ');
    if (f.size() < 4)
      throw Error("the nginx journal " + dir + " has a damaged manifest");
    JournalFile jf;
    jf.id = f[0];
    jf.existed = f[1] == "1";
    jf.mode = static_cast<mode_t>(std::strtoul(f[2].c_str(), nullptr, 8));
    // The path is the rest of the line (it may contain spaces).
    size_t at = f[0].size() + f[1].size() + f[2].size() + 3;
    jf.path = lines[i].substr(at);
    if (jf.existed) jf.original = fs.ReadFile(JoinPath(dir, jf.id + ".orig"));
    for (int k = 1;; ++k) {
      std::string v = JoinPath(dir, jf.id + ".w" + std::to_string(k));
      if (!fs.Exists(v)) break;
      jf.versions.push_back(fs.ReadFile(v));
    }
    files.push_back(std::move(jf));
  }
  return files;
}

}  // namespace

std::string RestoreReport::Summary() const {
  std::vector<std::string> parts;
  if (!restored.empty()) parts.push_back("restored " + Join(restored, ", "));
  if (!rewritten.empty()) {
    parts.push_back("removed certpilot's lines from " + Join(rewritten, ", ") +
                    " (changed by someone else meanwhile)");
  }
  if (!conflicts.empty()) {
    parts.push_back("left " + Join(conflicts, ", ") +
                    " alone (changed by someone else meanwhile; the backup is "
                    "in the journal)");
  }
  if (!failed.empty())
    parts.push_back("could NOT restore " + Join(failed, "; "));
  if (parts.empty()) return "nothing needed restoring";
  return Join(parts, "; ");
}

std::string ResolveSymlinks(Filesystem& fs, const std::string& path) {
  std::string p = path;
  for (int i = 0; i < kMaxLinks; ++i) {
    if (!fs.Exists(p) || !fs.IsSymlink(p)) return p;
    std::string target = fs.ReadLink(p);
    p = StartsWith(target, "/") ? target : JoinPath(DirName(p), target);
    p = std::filesystem::path(p).lexically_normal().string();
  }
  throw SysError("resolving", path, ELOOP);
}

FileTransaction::FileTransaction(Filesystem& fs, std::string journal_dir)
    : fs_(fs), dir_(std::move(journal_dir)) {
  if (fs_.Exists(JoinPath(dir_, kManifest))) {
    throw Error("an earlier certpilot run left unfinished nginx changes in " +
                dir_ + "; they must be recovered first");
  }
}

FileTransaction::Entry& FileTransaction::Touch(const std::string& path) {
  for (Entry& e : entries_)
    if (e.path == path) return e;
  if (entries_.empty()) {
    // A journal dir left without a manifest holds nothing worth keeping.
    RemoveTree(fs_, dir_);
    fs_.MakeDirs(dir_, 0700);
  }
  Entry e;
  e.id = std::to_string(entries_.size() + 1);
  e.path = path;
  e.original = ReadIfExists(fs_, path);
  e.existed = e.original.has_value();
  if (e.existed) {
    e.mode = fs_.Stat(path).mode;
    fs_.CreateFileExclusive(JoinPath(dir_, e.id + ".orig"), *e.original, 0600,
                            std::nullopt);
  }
  e.last = e.original;
  entries_.push_back(std::move(e));
  WriteManifest();  // the backup is durable before the file changes
  return entries_.back();
}

void FileTransaction::WriteManifest() {
  std::string text = std::string(kMagic) + "\n";
  for (const Entry& e : entries_) {
    if (e.path.find('\n') != std::string::npos)
      throw UsageError("refusing to journal a path with a newline: " +
                       StripControl(e.path));
    text += e.id + " " + (e.existed ? "1" : "0") + " " + Octal(e.mode) + " " +
            e.path + "\n";
  }
  WriteFileAtomic(fs_, JoinPath(dir_, kManifest), text, 0600);
}

void FileTransaction::Write(const std::vector<FileState>& files) {
  for (const FileState& f : files) {
    const std::string path = ResolveSymlinks(fs_, f.path);
    const Entry* known = nullptr;
    for (const Entry& e : entries_)
      if (e.path == path) known = &e;
    if (known ? known->last == f.text : ReadIfExists(fs_, path) == f.text)
      continue;
    Entry& e = Touch(path);
    if (f.text) {
      const std::string version =
          JoinPath(dir_, e.id + ".w" + std::to_string(e.versions + 1));
      if (fs_.Exists(version))
        fs_.Unlink(version);  // half-made by an earlier failed attempt
      fs_.CreateFileExclusive(version, *f.text, 0600, std::nullopt);
      ++e.versions;
      fs_.FsyncDir(dir_);
      WriteFileAtomic(fs_, path, *f.text, e.mode);
    } else {
      fs_.Unlink(path);
      fs_.FsyncDir(DirName(path));
    }
    e.last = f.text;
  }
}

std::vector<std::string> FileTransaction::touched() const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) out.push_back(e.path);
  return out;
}

RestoreReport FileTransaction::Rollback(const ConflictHandler& on_conflict) {
  if (entries_.empty()) return {};
  std::vector<JournalFile> files;
  for (const Entry& e : entries_) {
    JournalFile f{e.id, e.path, e.existed, e.mode, e.original, {}};
    // Only versions we actually wrote count; re-read from the journal so an
    // in-memory slip cannot make us overwrite someone else's edit.
    for (int k = 1; k <= e.versions; ++k) {
      const std::string version =
          JoinPath(dir_, e.id + ".w" + std::to_string(k));
      if (fs_.Exists(version)) f.versions.push_back(fs_.ReadFile(version));
    }
    files.push_back(std::move(f));
  }
  RestoreReport report = RestoreAll(fs_, files, on_conflict);
  if (report.failed.empty()) {
    RemoveTree(fs_, dir_);
    entries_.clear();
  }
  return report;
}

void FileTransaction::Commit(const std::string& archive_dir) {
  if (entries_.empty()) return;
  entries_.clear();
  if (!archive_dir.empty()) {
    try {
      fs_.MakeDirs(DirName(archive_dir), 0700);
      fs_.Rename(dir_, archive_dir);  // atomic: a journal, or a backup
      fs_.FsyncDir(DirName(dir_));
      return;
    } catch (const SysError&) {
      // Fall through: the journal must stop being one, backups or not.
    }
  }
  // Without its manifest a journal is never replayed; the rest is litter.
  fs_.Unlink(JoinPath(dir_, kManifest));
  fs_.FsyncDir(dir_);
  RemoveTree(fs_, dir_);
}

std::optional<RestoreReport> RecoverJournal(
    Filesystem& fs, const std::string& journal_dir,
    const ConflictHandler& on_conflict) {
  if (!fs.Exists(journal_dir)) return std::nullopt;
  if (!fs.Exists(JoinPath(journal_dir, kManifest))) {
    RemoveTree(fs, journal_dir);
    return std::nullopt;
  }
  RestoreReport report =
      RestoreAll(fs, ReadJournal(fs, journal_dir), on_conflict);
  if (report.failed.empty()) RemoveTree(fs, journal_dir);
  return report;
}

}  // namespace certpilot::sys
