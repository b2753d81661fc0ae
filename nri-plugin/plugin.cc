#include "plugin.h"

#include <cstdint>
#include <cstdio>
#include <map>
#include <set>

#include "bounded_backend.h"
#include "core/containers.h"
#include "core/error.h"
#include "events.h"
#include "nri_api.pb.h"
#include "pod_annotations.h"

namespace tsp::nri {
namespace api = ::nri::pkg::api::v1alpha1;
namespace {

Annotations to_map(const google::protobuf::Map<std::string, std::string>& m) {
    return Annotations(m.begin(), m.end());
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : "; ") + s;
    return out;
}

template <typename M>
Reply ok(const M& msg) {
    Reply r;
    msg.SerializeToString(&r.payload);
    return r;
}

Reply bad(const std::string& what) {
    return {Code::InvalidArgument, "tcp-splice: cannot decode " + what, {}};
}

struct Decision {
    ContainerRequest req;
    std::string name;  // "pod/container (id)" for log lines
};

// Journal fields naming the container and its pod.
LogFields fields_of(const api::PodSandbox& pod, const api::Container& c) {
    LogFields f = {{"CONTAINER_ID", c.id()}};
    if (!c.name().empty()) f.emplace_back("CONTAINER_NAME", c.name());
    if (!pod.name().empty()) f.emplace_back("POD_NAME", pod.name());
    if (!pod.namespace_().empty()) f.emplace_back("POD_NAMESPACE", pod.namespace_());
    return f;
}

Decision decide(const api::PodSandbox& pod, const api::Container& c, bool strict_default) {
    Decision d;
    d.req = parse_annotations(
        effective_annotations(to_map(pod.annotations()), to_map(c.annotations()), c.name()),
        strict_default);
    d.name = (pod.namespace_().empty() ? "" : pod.namespace_() + "/") + pod.name() + "/" +
             c.name() + " (" + short_id(c.id()) + ")";
    return d;
}

}  // namespace

Reply Plugin::handle(std::string_view service, std::string_view method, std::string_view payload) {
    if (service != kPluginService)
        return {Code::Unimplemented, "unknown service " + std::string(service), {}};
    // Whatever goes wrong in one request is that request's error: nothing
    // thrown may reach the session and end the plugin.
    try {
        return dispatch(method, payload);
    } catch (const std::exception& e) {
        const std::string why = std::string(method) + " failed: " + e.what();
        log_.error(why);
        return {Code::Internal, "tcp-splice: " + why, {}};
    }
}

Reply Plugin::dispatch(std::string_view method, std::string_view payload) {
    if (method == "Configure") return configure(payload);
    if (method == "Synchronize") return synchronize(payload);
    if (method == "CreateContainer") return create_container(payload);
    if (method == "StopContainer") return stop_container(payload);
    if (method == "StateChange") return state_change(payload);
    if (method == "UpdateContainer") return ok(api::Empty());
    if (method == "Shutdown") {
        shutdown_ = true;
        log_.info("runtime requested shutdown");
        return ok(api::Empty());
    }
    // Newer runtimes fall back to StateChange on Unimplemented.
    return {Code::Unimplemented, "tcp-splice does not implement " + std::string(method), {}};
}

Reply Plugin::configure(std::string_view payload) {
    api::ConfigureRequest req;
    if (!req.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
        return bad("ConfigureRequest");
    configured_ = true;
    log_.info("configured by " + req.runtime_name() + " " + req.runtime_version() +
              "; subscribing to events 0x" + [] {
                  char b[16];
                  std::snprintf(b, sizeof(b), "%x", kEventMask);
                  return std::string(b);
              }());
    api::ConfigureResponse resp;
    resp.set_events(static_cast<std::int32_t>(kEventMask));
    return ok(resp);
}

// Attach every annotated live container; detach what we hold for
// containers the runtime no longer has (their stop came while we were away).
Reply Plugin::synchronize(std::string_view payload) {
    api::SynchronizeRequest part;
    if (!part.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
        return bad("SynchronizeRequest");
    sync_parts_.append(payload);
    api::SynchronizeResponse resp;
    if (part.more()) {
        resp.set_more(true);
        return ok(resp);
    }
    api::SynchronizeRequest all;
    all.ParseFromString(sync_parts_);
    sync_parts_.clear();

    std::map<std::string, const api::PodSandbox*> pods;
    for (const auto& p : all.pods()) pods[p.id()] = &p;
    std::set<std::string> live;
    int attached = 0;
    for (const auto& c : all.containers()) {
        live.insert(c.id());
        if (c.state() != api::CONTAINER_CREATED && c.state() != api::CONTAINER_RUNNING) continue;
        auto it = pods.find(c.pod_sandbox_id());
        api::PodSandbox none;
        if (attach_one(it == pods.end() ? none : *it->second, c, false).ok) ++attached;
    }
    std::vector<std::string> held;
    try {
        held = backend_.attached();
    } catch (const std::exception& e) {
        log_.error(std::string("cannot list our attachments: ") + e.what() +
                   "; skipping the stale-attachment check");
    }
    int removed = 0;
    for (const auto& id : held) {
        if (live.count(id)) continue;
        detach_one(id, "gone while we were away");
        ++removed;
    }
    log_.info("synchronized: " + std::to_string(all.containers_size()) + " containers, " +
              std::to_string(attached) + " attached, " + std::to_string(removed) +
              " stale attachments found");
    return ok(resp);
}

Plugin::Attached Plugin::attach_one(const api::PodSandbox& pod, const api::Container& c,
                                    bool may_fail) {
    Decision d = decide(pod, c, strict_default_);
    Attached out;
    out.name = d.name;
    const RequestAction action = action_of(d.req);
    if (action == RequestAction::kNone) return out;
    LogScope scope(fields_of(pod, c));
    const bool fatal = may_fail && d.req.strict;
    // Not fatal: the container runs without tcp-splice (fail-open), counted.
    auto failed = [&](const char* reason, const std::string& why) {
        out.failure = why;
        out.fatal = fatal;
        if (!fatal) {
            log_.error("container " + d.name + ": not attached: " + why);
            count_failopen(reason);
        }
        return out;
    };
    for (const auto& w : d.req.warnings) log_.warn("container " + d.name + ": " + w);
    if (action == RequestAction::kInvalid)
        return failed(failopen::kBadAnnotation, join(d.req.errors));
    if (action == RequestAction::kNoPolicy) return out;  // the warning above says why
    const char* step = failopen::kCgroupNotFound;
    try {
        std::string cg = backend_.cgroup_dir(c.pid(), c.linux().cgroups_path());
        step = failopen::kAttachFailed;
        bool fresh = backend_.attach(c.id(), cg, d.req.policy, {pod.name(), pod.namespace_()});
        pod_of_[c.id()] = c.pod_sandbox_id();
        log_.info("container " + d.name + ": " + (fresh ? "attached on " : "already attached on ") +
                  cg + " (" + describe(d.req.policy) + ")");
        out.ok = true;
        return out;
    } catch (const Deferred& e) {
        if (fatal) {
            // Not attached by the deadline, so it must not start as if it
            // were: fail it, and undo the attach once it has finished.
            try {
                backend_.detach_in_background(c.id());
            } catch (const std::exception& u) {
                log_.error("container " + d.name + ": undoing the late attach: " + u.what());
            }
            return failed(failopen::kTimeout,
                          std::string("attach ") + e.what() + " (undone in the background)");
        }
        pod_of_[c.id()] = c.pod_sandbox_id();
        log_.warn("container " + d.name + ": attach " + e.what() + "; finishing in the background");
        out.ok = true;
        return out;
    } catch (const std::exception& e) {
        return failed(failure_reason(e, step), e.what());
    }
}

// A strict container that is not attached fails here, with our reason in
// the runtime's error; any other container starts (fail-open).
Reply Plugin::start_container(const api::PodSandbox& pod, const api::Container& c) {
    const Attached a = attach_one(pod, c, true);
    if (a.fatal) {
        const std::string why = "container " + a.name + ": strict and not attached: " + a.failure;
        log_.error(why + ": failing its start");
        return {Code::FailedPrecondition, "tcp-splice: " + why, {}};
    }
    return ok(api::Empty());
}

void Plugin::detach_one(const std::string& id, const char* why) {
    LogScope scope({{"CONTAINER_ID", id}});
    pod_of_.erase(id);
    try {
        if (backend_.detach(id)) log_.info("container " + short_id(id) + ": " + why + ": detached");
    } catch (const Deferred& e) {
        log_.warn("container " + short_id(id) + ": " + why + ": detach " + e.what() +
                  "; finishing in the background");
    } catch (const std::exception& e) {
        log_.error("container " + short_id(id) + ": detaching failed: " + e.what());
    }
}

// Validation only: a strict container with bad annotations fails here,
// before it exists; everything else is decided at StartContainer.
Reply Plugin::create_container(std::string_view payload) {
    api::CreateContainerRequest req;
    if (!req.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
        return bad("CreateContainerRequest");
    Decision d = decide(req.pod(), req.container(), strict_default_);
    if (d.req.requested && !d.req.ok() && d.req.strict) {
        std::string why = "container " + d.name + ": strict and " + join(d.req.errors);
        log_.error(why + ": failing its creation");
        return {Code::FailedPrecondition, "tcp-splice: " + why, {}};
    }
    return ok(api::CreateContainerResponse());
}

Reply Plugin::stop_container(std::string_view payload) {
    api::StopContainerRequest req;
    if (!req.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
        return bad("StopContainerRequest");
    detach_one(req.container().id(), "stopped");
    return ok(api::StopContainerResponse());
}

Reply Plugin::state_change(std::string_view payload) {
    api::StateChangeEvent ev;
    if (!ev.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
        return bad("StateChangeEvent");
    switch (static_cast<Event>(ev.event())) {
        case Event::StartContainer:
            return start_container(ev.pod(), ev.container());
        case Event::RemoveContainer:
            detach_one(ev.container().id(), "removed");
            break;
        case Event::StopPodSandbox:
        case Event::RemovePodSandbox: {
            // Containers of this pod whose stop we did not see.
            std::vector<std::string> ids;
            for (const auto& [id, pod] : pod_of_)
                if (pod == ev.pod().id()) ids.push_back(id);
            for (const auto& id : ids) detach_one(id, "pod gone");
            break;
        }
        default:
            break;
    }
    return ok(api::Empty());
}

}  // namespace tsp::nri
