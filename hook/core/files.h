// Bounded reads, atomic whole-file writes, and the small filesystem
// questions the control plane asks.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

namespace tsp {

// Reads at most `limit` bytes; throws Error when there are more.
std::string read_all(int fd, std::size_t limit);
std::string read_file(const std::string& path, std::size_t limit);

// Writes `data` to <path>.tcp-splice.tmp with `mode` (and owner, when
// given and permitted), syncs it and renames it over `path`. Throws Error;
// the temporary file never stays behind.
void write_file_atomic(const std::string& path, const std::string& data, mode_t mode,
                       uid_t uid = static_cast<uid_t>(-1), gid_t gid = static_cast<gid_t>(-1));

// Whether @path exists (lstat: a dangling symlink counts).
bool path_exists(const std::string& path);

// The names in @dir but "." and ".."; none when it cannot be read.
std::vector<std::string> dir_entries(const std::string& dir);

// The names of @dir's subdirectories (by the entries' type), hidden ones
// (a leading ".") left out; none when it cannot be read.
std::vector<std::string> subdir_entries(const std::string& dir);

// The entries of @dir named by a positive decimal number (/proc's
// processes), as numbers; none when it cannot be read.
std::vector<long> pid_entries(const std::string& dir);

}  // namespace tsp
