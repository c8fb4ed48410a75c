// Changes to configuration files (a web server's, for one) made as one
// undoable unit, journaled on disk so that a crash at any instant can be
// undone by the next run: back up, write atomically, restore byte for byte.
//
// Journal directory (created 0700; one transaction at a time per directory):
//   manifest   "certpilot-nginx-journal 1", then one line per file:
//              "<id> <existed 0|1> <mode, octal> <path>"
//   <id>.orig  the bytes the file held before the transaction (if it existed)
//   <id>.w<k>  every version the transaction wrote, k = 1, 2, ...
// A file's backup (<id>.orig, then the manifest naming it) is durable before
// the file is first written, and each version (<id>.w<k>) before it is
// written; so whenever a file differs from its backup, the journal knows
// whether we made that difference.
//
// Restoring (Rollback, RecoverJournal) puts back the bytes (and mode) of
// every file the journal names whose current content is a version we wrote,
// and removes files that did not exist before. A file that holds neither its
// backup nor one of our versions was changed by someone else since: it is
// left alone (unless the caller's conflict handler rewrites it) and reported.
// Then the journal is deleted.
//
// Paths are resolved through symlinks first (sites-enabled/x → the file in
// sites-available), so a link stays a link. Writes use WriteFileAtomic with
// the file's existing mode (0644 for new files). Not thread-safe.
//
// The first line still names nginx, the journal's first user: a journal an
// interrupted older run left behind must stay recoverable, so the format is
// the same for every caller.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sys/filesystem.h"

namespace certpilot::sys {

// A file as it should be: `text`, or absent (nullopt).
struct FileState {
  std::string path;
  std::optional<std::string> text;
};

// What a restore did, file by file (resolved paths).
struct RestoreReport {
  std::vector<std::string>
      restored;  // rewritten to, or removed back to, their old state
  std::vector<std::string> unchanged;  // already in their old state
  std::vector<std::string>
      rewritten;  // changed by someone else; the conflict handler cleaned them
  std::vector<std::string>
      conflicts;  // changed by someone else; left as they are
  std::vector<std::string>
      failed;  // "path: reason" — the backup stays in the journal
  bool ok() const { return conflicts.empty() && failed.empty(); }
  // One line for a person: "restored a, b; left c alone (changed since)".
  std::string Summary() const;
};

// Called for a file changed by someone else since we wrote it, with its
// current text: returns the text to write instead, or nullopt to leave it.
using ConflictHandler = std::function<std::optional<std::string>(
    const std::string& path, const std::string& current)>;

class FileTransaction {
 public:
  // Throws Error when `journal_dir` holds an unfinished journal (recover it
  // first with RecoverJournal). Creates nothing until the first Write.
  FileTransaction(Filesystem& fs, std::string journal_dir);
  // Leaves files and journal as they are: an unfinished transaction is
  // recovered by the next run.
  ~FileTransaction() = default;
  FileTransaction(const FileTransaction&) = delete;
  FileTransaction& operator=(const FileTransaction&) = delete;

  // Brings every file to its state; files already in that state are not
  // written. Throws SysError (the journal then describes every change
  // made so far, so Rollback still works).
  void Write(const std::vector<FileState>& files);

  // The resolved paths written so far, in order of first touch.
  std::vector<std::string> touched() const;
  bool empty() const { return entries_.empty(); }

  // Restores every touched file (see the file comment) and deletes the
  // journal — unless a file could not be restored, then the journal stays
  // for the next run. Never throws for a single file; reports it.
  RestoreReport Rollback(const ConflictHandler& on_conflict = nullptr);

  // Keeps the files as written and ends the transaction: moves the journal
  // to `archive_dir` (its parent is created; it must not exist) where the
  // backups stay for a person, or — without an archive, or when that move
  // fails — deletes its manifest first, then the rest. Throws SysError
  // only when even the manifest cannot be deleted.
  void Commit(const std::string& archive_dir = "");

 private:
  struct Entry {
    std::string id;
    std::string path;
    bool existed = false;
    mode_t mode = 0644;
    std::optional<std::string> original;
    std::optional<std::string> last;  // what the file holds as far as we know
    int versions = 0;
  };
  Entry& Touch(const std::string& path);
  void WriteManifest();

  Filesystem& fs_;
  std::string dir_;
  std::vector<Entry> entries_;
};

// Restores the files of an unfinished journal in `journal_dir` and deletes
// it. nullopt when there is none. A journal without a manifest (the crash
// came before the first file was written) is just deleted.
std::optional<RestoreReport> RecoverJournal(
    Filesystem& fs, const std::string& journal_dir,
    const ConflictHandler& on_conflict = nullptr);

// `path` with every symlink along the final component followed (relative
// targets resolved against the link's directory). Throws SysError on a
// loop (ELOOP after 40 links).
std::string ResolveSymlinks(Filesystem& fs, const std::string& path);

}  // namespace certpilot::sys
