// Per-container state the hook keeps between createRuntime and poststop
// (at poststop the pid and the cgroup are gone): one JSON record per
// container under <state_dir>/containers/, named after its attachment.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsp {

struct ContainerRecord {
    std::string id;
    std::string attachment;  // link name under <bpffs>/tcp_splice/links/
    std::string cgroup;      // directory the link was attached to
    std::string policy;      // describe(policy), for operators
    std::string source;      // "oci-hook", "nri", ...
    // Kubernetes pod name and namespace, when known ("" otherwise); with
    // initializers, so initializations naming only the members above stay
    // warning-free.
    std::string pod{};
    std::string pod_namespace{};
};

// The pod a container belongs to, when the caller knows it.
struct PodRef {
    std::string name;
    std::string pod_namespace;
};

// The first 12 characters of a container id, as runtimes print it.
std::string short_id(const std::string& container_id);

// "ctr-<id>" when the id is a valid link name, else "ctr-h<hash of id>".
std::string attachment_name(const std::string& container_id);

// One record file's text as a record; throws Error naming `path` when it is
// not one (not a JSON object, id missing or not a string, a member of the
// wrong type, an attachment other than attachment_name(id)); pod and
// pod_namespace are optional (older records have none). Never throws
// anything else.
ContainerRecord parse_record(std::string_view text, const std::string& path);

class ContainerRecords {
public:
    explicit ContainerRecords(std::string state_dir);

    // Atomic (write + rename); creates the directories.
    void save(const ContainerRecord& r) const;
    // nullopt when the container has no record; throws Error naming the file
    // when its record is unreadable or malformed (callers replace or remove it).
    std::optional<ContainerRecord> load(const std::string& container_id) const;
    // True when there was a record.
    bool remove(const std::string& container_id) const;
    // Every well-formed record. An entry that is not one (malformed,
    // oversized, not a regular file, named for another container) is
    // skipped, and one line naming it goes to `skipped` when given.
    std::vector<ContainerRecord> all(std::vector<std::string>* skipped = nullptr) const;

    std::string dir() const { return dir_; }

private:
    std::string path_of(const std::string& container_id) const;
    std::string dir_;
};

}  // namespace tsp
