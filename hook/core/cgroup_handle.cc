#include "core/cgroup_handle.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstring>

#include "core/fd.h"

namespace tsp {
namespace {

// include/linux/exportfs.h FILEID_KERNFS: the handle is the 64-bit kernfs id.
constexpr int kFileIdKernfs = 0xfe;

}  // namespace

CgroupState cgroup_state(const std::string& cgroup_mount, std::uint64_t id) {
    if (id == 0) return CgroupState::kGone;
    UniqueFd mount(::open(cgroup_mount.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct statfs fs;
    // Another filesystem would decode the handle as its own and say ESTALE.
    if (!mount || ::fstatfs(mount.get(), &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC)
        return CgroupState::kUnknown;
    struct {
        file_handle fh;
        std::uint64_t id;
    } h;
    std::memset(&h, 0, sizeof(h));
    h.fh.handle_bytes = sizeof(std::uint64_t);
    h.fh.handle_type = kFileIdKernfs;
    std::memcpy(h.fh.f_handle, &id, sizeof(id));
    UniqueFd cg(::open_by_handle_at(mount.get(), &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (cg) return CgroupState::kLive;
    return errno == ESTALE || errno == ENOENT ? CgroupState::kGone : CgroupState::kUnknown;
}

}  // namespace tsp
