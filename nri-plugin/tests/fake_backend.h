// A Backend that records calls: the plugin's decisions without a kernel.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bounded_backend.h"
#include "core/error.h"
#include "plugin.h"

namespace tsp::nri {

struct FakeBackend : Backend {
    std::map<std::string, std::string> attached_on;  // id -> cgroup
    std::map<std::string, PodRef> pod_of;            // id -> its pod, as attach got it
    std::vector<std::string> detached;
    std::string fail_attach;   // throw for this id
    std::string defer_attach;  // answer Deferred for this id (it goes on "in the background")

    bool attach(const std::string& id, const std::string& cg, const Policy&,
                const PodRef& pod) override {
        if (id == fail_attach) throw Error("module not loaded: load tcp_splice.ko first");
        pod_of[id] = pod;
        if (id == defer_attach) {
            attached_on[id] = cg;
            throw Deferred("timed out after 1500 ms");
        }
        bool fresh = !attached_on.count(id);
        attached_on[id] = cg;
        return fresh;
    }
    bool detach(const std::string& id) override {
        detached.push_back(id);
        return attached_on.erase(id) > 0;
    }
    std::vector<std::string> attached() override {
        std::vector<std::string> ids;
        for (const auto& [id, cg] : attached_on) ids.push_back(id);
        return ids;
    }
    std::string cgroup_dir(std::uint32_t, const std::string& cgroups_path) override {
        if (cgroups_path.empty()) throw Error("cannot find the container's cgroup");
        return "/sys/fs/cgroup" + cgroups_path;
    }
};

}  // namespace tsp::nri
