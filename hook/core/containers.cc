#include "core/containers.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/fd.h"
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

// A member that must be a string when present ("" when absent).
std::string string_member(const json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end()) return "";
    if (!it->is_string()) throw Error(std::string(name) + " is not a string");
    return it->get<std::string>();
}

// The file's bytes, refusing what is not a regular file (a directory, or a
// FIFO that would block us) and anything over kMaxRecordBytes.
std::string read_record(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) throw Error(errno_message("cannot open " + path, errno));
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) throw Error(errno_message("cannot stat " + path, errno));
    if (!S_ISREG(st.st_mode)) throw Error(path + " is not a regular file");
    try {
        return read_all(fd.get(), kMaxRecordBytes);
    } catch (const Error& e) {
        throw Error(path + ": " + e.what());
    }
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
    json j = {{"id", r.id},
              {"attachment", r.attachment},
              {"cgroup", r.cgroup},
              {"policy", r.policy},
              {"source", r.source}};
    if (!r.pod.empty()) j["pod"] = r.pod;
    if (!r.pod_namespace.empty()) j["pod_namespace"] = r.pod_namespace;
    write_file_atomic(path_of(r.id), j.dump() + "\n", 0600);
}

ContainerRecord parse_record(std::string_view text, const std::string& path) {
    auto malformed = [&](const std::string& why) {
        return Error(path + " is not a container record: " + why);
    };
    try {
        const json j = json::parse(text.begin(), text.end(), nullptr, false);
        if (j.is_discarded()) throw malformed("not valid JSON");
        if (!j.is_object()) throw malformed("not a JSON object");
        ContainerRecord r;
        try {
            r.id = string_member(j, "id");
            r.attachment = string_member(j, "attachment");
            r.cgroup = string_member(j, "cgroup");
            r.policy = string_member(j, "policy");
            r.source = string_member(j, "source");
            r.pod = string_member(j, "pod");
            r.pod_namespace = string_member(j, "pod_namespace");
        } catch (const Error& e) {
            throw malformed(e.what());
        }
        if (r.id.empty()) throw malformed("no container id");
        if (r.id.size() > 1024) throw malformed("container id over 1024 bytes");
        // Records name the attachment derived from the id; anything else
        // would have a detach remove another container's link.
        const std::string expected = attachment_name(r.id);
        if (r.attachment.empty()) r.attachment = expected;
        if (r.attachment != expected)
            throw malformed("attachment '" + r.attachment + "' is not " + expected);
        return r;
    } catch (const json::exception& e) {
        throw malformed(e.what());
    }
}

std::optional<ContainerRecord> ContainerRecords::load(const std::string& id) const {
    const std::string path = path_of(id);
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
    auto r = parse_record(read_record(path), path);
    if (r.id != id) return std::nullopt;  // hash collision: not ours
    return r;
}

bool ContainerRecords::remove(const std::string& id) const {
    return ::unlink(path_of(id).c_str()) == 0;
}

std::vector<ContainerRecord> ContainerRecords::all(std::vector<std::string>* skipped) const {
    std::vector<ContainerRecord> out;
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir_.c_str()), ::closedir);
    if (!d) return out;
    while (auto* e = ::readdir(d.get())) {
        const std::string name = e->d_name;
        if (!name.ends_with(".json")) continue;
        const std::string path = dir_ + "/" + name;
        try {
            auto r = parse_record(read_record(path), path);
            if (name != attachment_name(r.id) + ".json")
                throw Error(path + " is not a container record: it names container " + r.id +
                            ", whose record is " + attachment_name(r.id) + ".json");
            out.push_back(std::move(r));
        } catch (const Error& err) {
            if (skipped) skipped->push_back(err.what());
        }
    }
    return out;
}

}  // namespace tsp
