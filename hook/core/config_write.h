// Applying a configuration edit to a file: a unified-style diff for
// --dry-run, else a one-time backup and an atomic replace.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/runtime_config.h"

namespace tsp {

// `<path>.tcp-splice.bak`: the file as it was before the first change.
std::string backup_path(const std::string& path);

// The file's bytes, or nullopt when it does not exist. Throws Error.
std::optional<std::string> read_optional(const std::string& path);

// A unified-style diff (3 lines of context) of two texts; empty when equal.
std::string line_diff(const std::string& before, const std::string& after,
                      const std::string& before_name, const std::string& after_name);

struct FileChange {
    std::string path;
    std::optional<std::string> before;  // nullopt: the file does not exist
    std::optional<std::string> after;   // nullopt: remove the file
    bool backup = true;                 // keep the first original in backup_path()
};

enum class Applied { kUnchanged, kDryRun, kWritten, kRemoved };

// Unchanged: writes nothing. Dry run: prints the diff to `out`. Else backs up
// the original once (never over an existing backup), creates missing parent
// directories and replaces the file atomically with its mode and owner.
// Throws Error (naming root and --dry-run when the directory is not writable).
Applied apply_change(const FileChange& c, bool dry_run, std::ostream& out);

// The edit of one config file: `edit` gets its text (empty when missing) and
// the backup's, if any; its notes go to `out` as "<label>: <note>".
using TextEditFn = std::function<runtime::Edit(const std::string& text,
                                               const std::optional<std::string>& original)>;
Applied edit_config_file(const std::string& label, const std::string& path, const TextEditFn& edit,
                         bool dry_run, std::ostream& out);

}  // namespace tsp
