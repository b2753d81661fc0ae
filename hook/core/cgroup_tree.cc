#include "core/cgroup_tree.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <functional>
#include <sstream>

#include "core/error.h"
#include "core/files.h"

namespace tsp {
namespace {

// cgroup2 nests far less; these stop walks on loops and huge trees.
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxDirs = 200000;

// Calls @fn(path, id) for @dir and the directories below it, on @dir's
// filesystem only.
void walk(const std::string& root,
          const std::function<void(const std::string&, std::uint64_t)>& fn) {
    struct stat st;
    const int err = ::stat(root.c_str(), &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    if (err != 0)
        throw Error(errno_message("cannot read cgroup directory " + root, err) +
                    ": pass a directory of the cgroup2 mount");
    const dev_t dev = st.st_dev;
    std::size_t seen = 0;
    std::function<void(const std::string&, std::uint64_t, int)> visit =
        [&](const std::string& dir, std::uint64_t id, int depth) {
            fn(dir, id);
            if (++seen >= kMaxDirs || depth >= kMaxDepth) return;
            for (const auto& name : subdir_entries(dir)) {
                std::string sub = dir == "/" ? "/" + name : dir + "/" + name;
                struct stat sst;
                if (::lstat(sub.c_str(), &sst) != 0 || !S_ISDIR(sst.st_mode) || sst.st_dev != dev)
                    continue;
                visit(sub, sst.st_ino, depth + 1);
                if (seen >= kMaxDirs) return;
            }
        };
    visit(root, st.st_ino, 0);
}

}  // namespace

std::string cgroup2_mount(const std::string& fallback) {
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);) {
        // "id parent maj:min root mountpoint opts [optional...] - fstype source superopts"
        const auto sep = line.find(" - ");
        if (sep == std::string::npos) continue;
        std::istringstream tail(line.substr(sep + 3));
        std::string fstype;
        tail >> fstype;
        if (fstype != "cgroup2") continue;
        std::istringstream head(line.substr(0, sep));
        std::string id, parent, devno, root, mountpoint;
        head >> id >> parent >> devno >> root >> mountpoint;
        // Mount points with spaces are octal-escaped (\040); cgroup2's never are.
        if (!mountpoint.empty() && mountpoint.find('\\') == std::string::npos) return mountpoint;
    }
    return fallback;
}

std::set<std::uint64_t> cgroup_subtree_ids(const std::string& dir) {
    std::set<std::uint64_t> ids;
    walk(dir, [&](const std::string&, std::uint64_t id) { ids.insert(id); });
    return ids;
}

std::unordered_map<std::uint64_t, std::string> cgroup_dirs(const std::string& root) {
    std::unordered_map<std::uint64_t, std::string> dirs;
    walk(root, [&](const std::string& path, std::uint64_t id) { dirs.emplace(id, path); });
    return dirs;
}

}  // namespace tsp
