// tsp-cri: a minimal CRI client (gRPC) for the guest's NRI suite. Creates
// host-network pods and containers from local images, so no CNI and no
// registry are needed, and prints the ids it gets.
//
//   tsp-cri [--socket S] version
//   tsp-cri [--socket S] runp NAME [--annotation K=V]... [--cgroup-parent P]
//   tsp-cri [--socket S] create POD NAME IMAGE --sh SCRIPT [--pod-name NAME]
//                               [--annotation K=V]... [--pod-annotation K=V]...
//                               [--cgroup-parent P]
//   tsp-cri [--socket S] start|stop|rm ID      tsp-cri [--socket S] stopp|rmp POD
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <map>

#include "cri_api.grpc.pb.h"

namespace rt = runtime::v1;

namespace {

std::map<std::string, std::string> pairs(const std::vector<std::string>& kvs) {
    std::map<std::string, std::string> out;
    for (const auto& kv : kvs) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) throw CLI::ValidationError("annotation", kv + ": want K=V");
        out[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return out;
}

rt::PodSandboxConfig pod_config(const std::string& name, const std::vector<std::string>& ann,
                                const std::string& cgroup_parent) {
    rt::PodSandboxConfig c;
    c.mutable_metadata()->set_name(name);
    c.mutable_metadata()->set_uid("uid-" + name);
    c.mutable_metadata()->set_namespace_("tsp");
    // No hostname: a host-network pod has no UTS namespace of its own.
    c.set_log_directory("/var/log/tsp-pods/" + name);
    for (const auto& [k, v] : pairs(ann)) (*c.mutable_annotations())[k] = v;
    c.mutable_linux()->set_cgroup_parent(cgroup_parent);
    // Host network: no CNI needed.
    c.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(
        rt::NODE);
    return c;
}

int check(const grpc::Status& s, const char* what) {
    if (s.ok()) return 0;
    std::cerr << "tsp-cri: " << what << ": " << s.error_message() << " (code " << s.error_code()
              << ")\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"minimal CRI client for the tcp-splice guest tests"};
    std::string socket = "unix:///run/containerd/containerd.sock";
    int timeout_s = 60;
    app.add_option("--socket", socket);
    app.add_option("--timeout", timeout_s, "seconds per call");
    app.require_subcommand(1);
    std::string name, pod, image, id, cgroup_parent = "/tsp-pods", pod_name;
    std::string script;
    std::vector<std::string> ann, pod_ann;
    app.add_subcommand("version", "runtime name and version");
    auto* runp = app.add_subcommand("runp", "run a pod sandbox; prints its id");
    runp->add_option("name", name)->required();
    runp->add_option("--annotation", ann);
    runp->add_option("--cgroup-parent", cgroup_parent);
    auto* create = app.add_subcommand("create", "create a container; prints its id");
    create->add_option("pod", pod)->required();
    create->add_option("name", name)->required();
    create->add_option("image", image)->required();
    create->add_option("--pod-name", pod_name, "the pod's name, as given to runp");
    create->add_option("--annotation", ann);
    create->add_option("--pod-annotation", pod_ann);
    create->add_option("--cgroup-parent", cgroup_parent);
    create->add_option("--sh", script, "the container runs /bin/sh -c SCRIPT")->required();
    for (const char* verb : {"start", "stop", "rm", "stopp", "rmp"})
        app.add_subcommand(verb)->add_option("id", id)->required();
    CLI11_PARSE(app, argc, argv);

    auto stub = rt::RuntimeService::NewStub(
        grpc::CreateChannel(socket, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_s));
    const std::string verb = app.get_subcommands().front()->get_name();

    if (verb == "version") {
        rt::VersionResponse r;
        if (check(stub->Version(&ctx, rt::VersionRequest(), &r), "Version")) return 1;
        std::cout << r.runtime_name() << " " << r.runtime_version() << "\n";
    } else if (verb == "runp") {
        rt::RunPodSandboxRequest req;
        *req.mutable_config() = pod_config(name, ann, cgroup_parent);
        rt::RunPodSandboxResponse r;
        if (check(stub->RunPodSandbox(&ctx, req, &r), "RunPodSandbox")) return 1;
        std::cout << r.pod_sandbox_id() << "\n";
    } else if (verb == "create") {
        rt::CreateContainerRequest req;
        req.set_pod_sandbox_id(pod);
        auto* c = req.mutable_config();
        c->mutable_metadata()->set_name(name);
        c->mutable_image()->set_image(image);
        for (const char* a : {"/bin/sh", "-c"}) c->add_command(a);
        c->add_command(script);
        for (const auto& [k, v] : pairs(ann)) (*c->mutable_annotations())[k] = v;
        c->set_log_path(name + ".log");
        *req.mutable_sandbox_config() =
            pod_config(pod_name.empty() ? pod : pod_name, pod_ann, cgroup_parent);
        rt::CreateContainerResponse r;
        if (check(stub->CreateContainer(&ctx, req, &r), "CreateContainer")) return 1;
        std::cout << r.container_id() << "\n";
    } else {
        // The verbs that take one id and return nothing.
        using Call = std::function<grpc::Status(grpc::ClientContext*)>;
        const std::map<std::string, std::pair<const char*, Call>> calls = {
            {"start",
             {"StartContainer",
              [&](auto* cx) {
                  rt::StartContainerRequest q;
                  q.set_container_id(id);
                  rt::StartContainerResponse r;
                  return stub->StartContainer(cx, q, &r);
              }}},
            {"stop",
             {"StopContainer",
              [&](auto* cx) {
                  rt::StopContainerRequest q;
                  q.set_container_id(id);
                  q.set_timeout(5);
                  rt::StopContainerResponse r;
                  return stub->StopContainer(cx, q, &r);
              }}},
            {"rm",
             {"RemoveContainer",
              [&](auto* cx) {
                  rt::RemoveContainerRequest q;
                  q.set_container_id(id);
                  rt::RemoveContainerResponse r;
                  return stub->RemoveContainer(cx, q, &r);
              }}},
            {"stopp",
             {"StopPodSandbox",
              [&](auto* cx) {
                  rt::StopPodSandboxRequest q;
                  q.set_pod_sandbox_id(id);
                  rt::StopPodSandboxResponse r;
                  return stub->StopPodSandbox(cx, q, &r);
              }}},
            {"rmp",
             {"RemovePodSandbox",
              [&](auto* cx) {
                  rt::RemovePodSandboxRequest q;
                  q.set_pod_sandbox_id(id);
                  rt::RemovePodSandboxResponse r;
                  return stub->RemovePodSandbox(cx, q, &r);
              }}},
        };
        const auto& [what, call] = calls.at(verb);
        return check(call(&ctx), what);
    }
    return 0;
}
