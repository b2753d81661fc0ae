// Per-container state the hook keeps between createRuntime and poststop
// (at poststop the pid and the cgroup are gone): one JSON record per
// container under <state_dir>/containers/, named after its attachment.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tsp {

struct ContainerRecord {
    std::string id;
    std::string attachment;  // link name under <bpffs>/tcp_splice/links/
    std::string cgroup;      // directory the link was attached to
    std::string policy;      // describe(policy), for operators
    std::string source;      // "oci-hook", "nri", ...
};

// The first 12 characters of a container id, as runtimes print it.
std::string short_id(const std::string& container_id);

// "ctr-<id>" when the id is a valid link name, else "ctr-h<hash of id>".
std::string attachment_name(const std::string& container_id);

class ContainerRecords {
public:
    explicit ContainerRecords(std::string state_dir);

    // Atomic (write + rename); creates the directories.
    void save(const ContainerRecord& r) const;
    std::optional<ContainerRecord> load(const std::string& container_id) const;
    // True when there was a record.
    bool remove(const std::string& container_id) const;
    std::vector<ContainerRecord> all() const;

    std::string dir() const { return dir_; }

private:
    std::string path_of(const std::string& container_id) const;
    std::string dir_;
};

}  // namespace tsp
