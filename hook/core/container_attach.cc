#include "core/container_attach.h"

#include "core/error.h"

namespace tsp {

ContainerAttach attach_container(const Paths& paths, const ProgramOptions& opts,
                                 const std::string& id, const std::string& cgroup_dir,
                                 const Policy& policy, const std::string& source,
                                 const PodRef& pod) {
    ContainerRecords records(paths.state_dir);
    ContainerAttach out;
    out.attachment = attachment_name(id);
    std::optional<ContainerRecord> previous;
    try {
        previous = records.load(id);
    } catch (const Error& e) {
        out.replaced = e.what();  // overwritten below
    }
    records.save(
        {id, out.attachment, cgroup_dir, describe(policy), source, pod.name, pod.pod_namespace});
    Program prog(paths, opts);
    try {
        AttachResult r;
        try {
            r = prog.attach(out.attachment, cgroup_dir, policy);
        } catch (const ConflictError&) {
            // Same container id, other cgroup or policy: the old one is dead.
            prog.detach(out.attachment);
            r = prog.attach(out.attachment, cgroup_dir, policy);
        }
        out.already = r == AttachResult::kAlreadyAttached;
    } catch (...) {
        if (previous)
            records.save(*previous);
        else
            records.remove(id);
        throw;
    }
    return out;
}

ContainerDetach detach_container(const Paths& paths, const std::string& id) {
    ContainerRecords records(paths.state_dir);
    ContainerDetach out;
    std::optional<ContainerRecord> rec;
    try {
        rec = records.load(id);
    } catch (const Error& e) {
        out.malformed = e.what();
    }
    const std::string name = rec ? rec->attachment : attachment_name(id);
    const bool had_link = Program(paths).detach(name);
    const bool had_record = records.remove(id);
    out.found = had_link || had_record;
    return out;
}

}  // namespace tsp
