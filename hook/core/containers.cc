#include "core/containers.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"
#include "core/program.h"

namespace tsp {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxRecordBytes = 64 << 10;

std::string fnv1a_hex(const std::string& s) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

void mkdirs(const std::string& path) {
    for (std::size_t pos = 1; pos != std::string::npos;) {
        pos = path.find('/', pos + 1);
        const std::string part = path.substr(0, pos);
        if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
            throw Error(errno_message("cannot create " + part, errno));
    }
}

ContainerRecord from_json(const json& j) {
    ContainerRecord r;
    r.id = j.value("id", "");
    r.attachment = j.value("attachment", "");
    r.cgroup = j.value("cgroup", "");
    r.policy = j.value("policy", "");
    r.source = j.value("source", "");
    return r;
}

}  // namespace

std::string short_id(const std::string& container_id) { return container_id.substr(0, 12); }

std::string attachment_name(const std::string& id) {
    const std::string direct = "ctr-" + id;
    if (Program::valid_name(direct)) return direct;
    return "ctr-h" + fnv1a_hex(id);
}

ContainerRecords::ContainerRecords(std::string state_dir) : dir_(state_dir + "/containers") {}

std::string ContainerRecords::path_of(const std::string& id) const {
    return dir_ + "/" + attachment_name(id) + ".json";
}

void ContainerRecords::save(const ContainerRecord& r) const {
    mkdirs(dir_);
    const json j = {{"id", r.id},
                    {"attachment", r.attachment},
                    {"cgroup", r.cgroup},
                    {"policy", r.policy},
                    {"source", r.source}};
    write_file_atomic(path_of(r.id), j.dump() + "\n", 0600);
}

std::optional<ContainerRecord> ContainerRecords::load(const std::string& id) const {
    const std::string path = path_of(id);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    json j = json::parse(read_file(path, kMaxRecordBytes), nullptr, false);
    if (!j.is_object()) throw Error(path + " is not a container record: remove it");
    auto r = from_json(j);
    if (r.id != id) return std::nullopt;  // hash collision: not ours
    return r;
}

bool ContainerRecords::remove(const std::string& id) const {
    return ::unlink(path_of(id).c_str()) == 0;
}

std::vector<ContainerRecord> ContainerRecords::all() const {
    std::vector<ContainerRecord> out;
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir_.c_str()), ::closedir);
    if (!d) return out;
    while (auto* e = ::readdir(d.get())) {
        std::string name = e->d_name;
        if (!name.ends_with(".json")) continue;
        try {
            json j = json::parse(read_file(dir_ + "/" + name, kMaxRecordBytes), nullptr, false);
            if (j.is_object()) out.push_back(from_json(j));
        } catch (const Error&) {
        }
    }
    return out;
}

}  // namespace tsp
