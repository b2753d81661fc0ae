// Edits of container-runtime configuration files so the runtime uses
// tcp-splice (`tcp-splice-ctl runtime configure|unconfigure`). Every edit is a
// pure text -> text function; ctl/runtime_cmd.cc does the file I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsp::runtime {

// The outcome of one edit. `text` equals the input when nothing changes;
// `notes` are lines for the operator (what was done or left, and why).
struct Edit {
    std::string text;
    std::vector<std::string> notes;
};

// Docker: /etc/docker/daemon.json.
inline constexpr std::string_view kDockerRuntimeName = "tcp-splice";
inline constexpr std::string_view kDockerRuntimePath = "/usr/sbin/tcp-splice-runtime";

// Adds runtimes."tcp-splice".path (and default-runtime with
// `set_as_default`), keeping key order and the file's indentation. An empty
// text is an empty object. Throws Error on invalid JSON or a non-object
// "runtimes".
Edit docker_configure(const std::string& text, bool set_as_default,
                      std::string_view runtime_path = kDockerRuntimePath);
// Removes only what configure adds: runtimes."tcp-splice", a "runtimes"
// left empty unless `original` (the backup) had one, and default-runtime
// when it is "tcp-splice" (restoring the original's value, if any).
Edit docker_unconfigure(const std::string& text, const std::optional<std::string>& original);

// containerd: /etc/containerd/config.toml, the NRI plugin's `disable`.
struct NriSetting {
    enum State { kEnabled, kDisabled, kDefault } state;
    int version;  // the config's `version` (1 when absent, as containerd reads it)
    // kDefault: the containerd release decides. Version 3 is read only by
    // containerd 2.x, where NRI is on by default; 1.7 (versions 1 and 2) has it off.
    bool default_enabled() const { return version >= 3; }
};
// Throws Error on invalid TOML.
NriSetting containerd_nri_enabled(const std::string& text);
// Sets the NRI plugin's `disable = false` with a minimal text edit (comments,
// layout and line endings kept), then re-parses the result and checks that
// NRI is on and nothing else changed. Throws Error naming the lines to add
// by hand when the layout cannot be edited safely.
Edit containerd_configure(const std::string& text);
// Puts `disable = true` back only when `original` (the backup) had it.
Edit containerd_unconfigure(const std::string& text, const std::optional<std::string>& original);

// CRI-O: a drop-in of its own in /etc/crio/crio.conf.d.
std::string crio_dropin();
// True when the drop-in text turns NRI on (ours, or an equivalent).
bool crio_dropin_enables_nri(const std::string& text);

// Podman (and CRI-O) hooks.d: the entry for `stage` ("createruntime" or
// "poststop"), from the template config/hooks.d installs.
std::string oci_hook_file_name(std::string_view stage);
std::string oci_hook_json(std::string_view stage, std::string_view hook_path);
// True when `text` is a hooks.d entry running tcp-splice-hook.
bool is_tcp_splice_hook(const std::string& text);
inline constexpr std::string_view kHookStages[] = {"createruntime", "poststop"};

}  // namespace tsp::runtime
