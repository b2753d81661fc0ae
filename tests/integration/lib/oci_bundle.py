#!/usr/bin/env python3
"""oci_bundle.py DIR ROOTFS [options] -- ARGS...: write DIR/config.json for a
runc container running ARGS on ROOTFS (read-only, with the guest's /usr and
the test library bind-mounted read-only).
  --netns PATH          join that network namespace (default: a new one)
  --cgroup PATH         linux.cgroupsPath
  --annotation K=V      repeatable
  --hook PATH           add PATH as createRuntime and poststop hook
  --hook-env K=V        environment for the hook (repeatable)"""
import json
import os
import sys

argv = sys.argv[1:]
sep = argv.index("--")
opts, args = argv[:sep], argv[sep + 1:]
bundle, rootfs = opts[0], opts[1]
netns = cgroup = hook = None
ann, hook_env = {}, []
i = 2
while i < len(opts):
    k, v = opts[i], opts[i + 1]
    i += 2
    if k == "--netns":
        netns = v
    elif k == "--cgroup":
        cgroup = v
    elif k == "--annotation":
        a, b = v.split("=", 1)
        ann[a] = b
    elif k == "--hook":
        hook = v
    elif k == "--hook-env":
        hook_env.append(v)
    else:
        sys.exit("unknown option " + k)

lib = os.path.dirname(os.path.abspath(__file__))
ro_bind = ["rbind", "ro", "nosuid", "nodev"]
spec = {
    "ociVersion": "1.2.0",
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": args,
        "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONDONTWRITEBYTECODE=1"],
        "cwd": "/",
        "capabilities": {k: ["CAP_NET_BIND_SERVICE", "CAP_KILL"] for k in
                         ("bounding", "effective", "permitted")},
        "noNewPrivileges": True,
    },
    "root": {"path": rootfs, "readonly": True},
    "hostname": os.path.basename(bundle),
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/usr", "type": "bind", "source": "/usr", "options": ro_bind},
        {"destination": "/t", "type": "bind", "source": lib, "options": ro_bind},
    ],
    "linux": {
        "namespaces": [{"type": t} for t in ("pid", "ipc", "uts", "mount")] +
                      [{"type": "network", **({"path": netns} if netns else {})}],
        "maskedPaths": ["/proc/kcore", "/sys/firmware"],
        "readonlyPaths": ["/proc/sys"],
    },
}
if cgroup:
    spec["linux"]["cgroupsPath"] = cgroup
if ann:
    spec["annotations"] = ann
if hook:
    entry = lambda stage: {"path": hook, "args": ["tcp-splice-hook", stage],
                           **({"env": hook_env} if hook_env else {})}
    spec["hooks"] = {"createRuntime": [entry("createRuntime")], "poststop": [entry("poststop")]}
os.makedirs(bundle, exist_ok=True)
with open(os.path.join(bundle, "config.json"), "w") as f:
    json.dump(spec, f, indent=1)
