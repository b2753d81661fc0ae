// Bounded reads and atomic whole-file writes.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

namespace tsp {

// Reads at most `limit` bytes; throws Error when there are more.
std::string read_all(int fd, std::size_t limit);
std::string read_file(const std::string& path, std::size_t limit);

// Writes `data` to <path>.tcp-splice.tmp with `mode` (and owner, when
// given and permitted), syncs it and renames it over `path`. Throws Error;
// the temporary file never stays behind.
void write_file_atomic(const std::string& path, const std::string& data, mode_t mode,
                       uid_t uid = static_cast<uid_t>(-1), gid_t gid = static_cast<gid_t>(-1));

}  // namespace tsp
