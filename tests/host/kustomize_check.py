#!/usr/bin/env python3
"""Host-tier check of config/kubernetes and the Containerfile.

Renders the kustomize base, the base with each component and the uninstall
overlay with `kubectl kustomize`, and checks what the DaemonSet needs to work
on a node: the mounts of the plugin and the module loader, the lock file under
a host mount, the image tag against VERSION, the probes' port, the >= 6.15
node affinity, the NRI enabler, the uninstall overlay's `disable --all`; then
that the Containerfile's COPY sources exist. No cluster is needed.

Usage: kustomize_check.py [-v]. Closing line: "N passed, N failed".
"""
import fnmatch
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
K8S = os.path.join(TOP, "config", "kubernetes")
NAMESPACE = "tcp-splice-system"
IMAGE = "ghcr.io/tcp-splice/tcp-splice"
PORT_NAME = "metrics"

passed = 0
failed = 0


def check(name, fn):
    """Run one check: fn returns None (pass) or raises/returns a reason."""
    global passed, failed
    try:
        reason = fn()
    except Exception as e:  # a check that cannot even look is a failure
        reason = f"{type(e).__name__}: {e}"
    if reason:
        failed += 1
        print(f"FAIL {name}: {reason}")
    else:
        passed += 1
        print(f"ok   {name}")


def read(path):
    with open(os.path.join(TOP, path)) as f:
        return f.read()


VERSION = read("VERSION").strip()


# --- rendering ---------------------------------------------------------------

renders = {}  # name -> list of objects, or the error text


MIN_KUSTOMIZE = (5, 0)  # components, `labels`, `patches` with targets
_tool = None


def kustomize_command():
    """`kubectl kustomize` when its kustomize is new enough, else `kustomize build`."""
    global _tool
    if _tool:
        return _tool
    seen = []
    for cmd, version_cmd in ((["kubectl", "kustomize"], ["kubectl", "version", "--client", "-o", "json"]),
                             (["kustomize", "build"], ["kustomize", "version"])):
        if not shutil.which(cmd[0]):
            continue
        p = subprocess.run(version_cmd, capture_output=True, text=True)
        m = re.search(r'v(\d+)\.(\d+)', p.stdout.split("kustomizeVersion")[-1])
        if m and (int(m.group(1)), int(m.group(2))) >= MIN_KUSTOMIZE:
            _tool = cmd
            return cmd
        seen.append(f"{cmd[0]} has kustomize {m.group(0) if m else '(unknown)'}")
    raise RuntimeError(
        "need kustomize >= v%d.%d (kubectl >= 1.27, or a kustomize binary): " % MIN_KUSTOMIZE
        + ("; ".join(seen) if seen else "no kubectl or kustomize found"))


def kustomize(path):
    p = subprocess.run(kustomize_command() + [path], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip() or f"kubectl kustomize {path} failed")
    return [d for d in yaml.safe_load_all(p.stdout) if d is not None]


def with_components(*components):
    """A throwaway kustomization: the base plus these components."""
    d = tempfile.mkdtemp(prefix="tsp-kustomize-")
    with open(os.path.join(d, "kustomization.yaml"), "w") as f:
        yaml.safe_dump({
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            # kustomize takes only relative paths to other kustomizations.
            "resources": [os.path.relpath(os.path.join(K8S, "base"), d)],
            "components": [os.path.relpath(os.path.join(K8S, "components", c), d)
                           for c in components],
        }, f)
    try:
        return kustomize(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


TARGETS = {
    "base": lambda: kustomize(os.path.join(K8S, "base")),
    "base+enable-nri": lambda: with_components("enable-nri"),
    "base+without-nfd": lambda: with_components("without-nfd"),
    "overlays/with-nri-enabler": lambda: kustomize(os.path.join(K8S, "overlays", "with-nri-enabler")),
    "overlays/uninstall": lambda: kustomize(os.path.join(K8S, "overlays", "uninstall")),
}


def render_check(name):
    def fn():
        renders[name] = TARGETS[name]()
        if not renders[name]:
            return "rendered nothing"
    return fn


def objects_check(name):
    def fn():
        objs = renders.get(name)
        if objs is None:
            return "not rendered"
        bad = []
        for i, o in enumerate(objs):
            if not isinstance(o, dict):
                bad.append(f"document {i} is not a mapping")
                continue
            md = o.get("metadata") or {}
            for what, v in (("apiVersion", o.get("apiVersion")), ("kind", o.get("kind")),
                            ("metadata.name", md.get("name"))):
                if not isinstance(v, str) or not v:
                    bad.append(f"document {i} ({o.get('kind')}) has no {what}")
            if o.get("kind") not in ("Namespace",) and md.get("namespace") != NAMESPACE:
                bad.append(f"{o.get('kind')}/{md.get('name')} is not in {NAMESPACE}")
        if not any(o.get("kind") == "Namespace" and o["metadata"]["name"] == NAMESPACE
                   for o in objs):
            bad.append(f"no Namespace {NAMESPACE}")
        return "; ".join(bad)
    return fn


def find(objs, kind, name=None):
    for o in objs or []:
        if o.get("kind") == kind and (name is None or o["metadata"]["name"] == name):
            return o
    raise LookupError(f"no {kind}{'/' + name if name else ''} in the rendering")


def daemonset(target):
    if target not in renders:
        raise LookupError(f"{target} not rendered")
    return find(renders[target], "DaemonSet", "tcp-splice")


def pod(target):
    return daemonset(target)["spec"]["template"]["spec"]


def container(spec, name, init=False):
    for c in spec.get("initContainers" if init else "containers") or []:
        if c["name"] == name:
            return c
    raise LookupError(f"no {'init ' if init else ''}container {name}")


def all_containers(spec):
    return (spec.get("initContainers") or []) + (spec.get("containers") or [])


def volume(spec, name):
    for v in spec.get("volumes") or []:
        if v["name"] == name:
            return v
    raise LookupError(f"no volume {name}")


def mount_at(spec, c, path):
    """The (mount, volume) of container c at mountPath path, or None."""
    for m in c.get("volumeMounts") or []:
        if os.path.normpath(m["mountPath"]) == os.path.normpath(path):
            return m, volume(spec, m["name"])
    return None


def host_mount_covering(spec, c, path):
    """A hostPath mount of c holding path at the same path as on the host."""
    for m in c.get("volumeMounts") or []:
        mp = os.path.normpath(m["mountPath"])
        v = volume(spec, m["name"])
        hp = (v.get("hostPath") or {}).get("path")
        if hp and os.path.normpath(hp) == mp and (path == mp or path.startswith(mp + "/")):
            return m
    return None


def script(c):
    """The shell script of a `sh -c SCRIPT` container."""
    cmd = (c.get("command") or []) + (c.get("args") or [])
    if len(cmd) >= 3 and cmd[0].endswith("sh") and cmd[1] == "-c":
        return cmd[2]
    raise LookupError(f"container {c['name']} is not `sh -c SCRIPT`")


def sh_syntax(text):
    sh = shutil.which("dash") or shutil.which("sh")
    p = subprocess.run([sh, "-n"], input=text, capture_output=True, text=True)
    return p.stderr.strip() if p.returncode else None


# --- the DaemonSet -----------------------------------------------------------

# mountPath -> (host path or "configMap", must be read-only, propagation)
PLUGIN_MOUNTS = {
    "/var/run/nri": ("/var/run/nri", False, None),
    "/sys/fs/bpf": ("/sys/fs/bpf", False, "Bidirectional"),
    "/sys/fs/cgroup": ("/sys/fs/cgroup", True, None),
    "/run/tcp-splice": ("/run/tcp-splice", False, None),
    "/etc/tcp-splice": ("configMap", True, None),
    "/run/systemd/journal": ("/run/systemd/journal", False, None),
}


def mounts_problems(spec, c, wanted):
    bad = []
    for path, (src, ro, prop) in wanted.items():
        found = mount_at(spec, c, path)
        if not found:
            bad.append(f"{c['name']}: nothing mounted at {path}")
            continue
        m, v = found
        if src == "configMap":
            if "configMap" not in v:
                bad.append(f"{c['name']}: {path} is not a ConfigMap")
        elif (v.get("hostPath") or {}).get("path") != src:
            bad.append(f"{c['name']}: {path} is not hostPath {src}")
        if ro and not m.get("readOnly"):
            bad.append(f"{c['name']}: {path} should be read-only")
        if prop and m.get("mountPropagation") != prop:
            bad.append(f"{c['name']}: {path} needs mountPropagation {prop}")
    return bad


def check_plugin_container():
    spec = pod("base")
    c = container(spec, "nri-plugin")
    bad = mounts_problems(spec, c, PLUGIN_MOUNTS)
    want = ["/usr/sbin/tcp-splice-nri", "--socket", "/var/run/nri/nri.sock", "--stderr",
            "--metrics-address", "0.0.0.0:9464"]
    got = (c.get("command") or []) + (c.get("args") or [])
    if got != want:
        bad.append(f"command is {got}, want {want}")
    if not (c.get("securityContext") or {}).get("privileged"):
        bad.append("not privileged")
    if not spec.get("hostPID"):
        bad.append("no hostPID (the plugin reads /proc/<pid>/cgroup of host pids)")
    for kind in ("requests", "limits"):
        if not (c.get("resources") or {}).get(kind):
            bad.append(f"no resource {kind}")
    return "; ".join(bad)


def check_config_map():
    spec = pod("base")
    v = volume(spec, "config")
    name = v["configMap"]["name"]
    cm = find(renders["base"], "ConfigMap", name)
    want = read("config/tcp-splice.json")
    if read("config/kubernetes/base/config.json") != want:
        return "config/kubernetes/base/config.json differs from config/tcp-splice.json: copy it"
    if (cm.get("data") or {}).get("config.json") != want:
        return f"ConfigMap {name} has no config.json equal to config/tcp-splice.json"


def check_pod_settings():
    ds = daemonset("base")
    spec = ds["spec"]["template"]["spec"]
    bad = []
    if spec.get("priorityClassName") != "system-node-critical":
        bad.append("priorityClassName is not system-node-critical")
    if not spec.get("tolerations"):
        bad.append("no tolerations")
    us = ds["spec"].get("updateStrategy") or {}
    if us.get("type") != "RollingUpdate" or (us.get("rollingUpdate") or {}).get("maxUnavailable") != 1:
        bad.append("updateStrategy is not RollingUpdate with maxUnavailable 1")
    sa = spec.get("serviceAccountName")
    if not sa:
        bad.append("no serviceAccountName")
    else:
        find(renders["base"], "ServiceAccount", sa)
    for kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"):
        if any(o["kind"] == kind for o in renders["base"]):
            bad.append(f"a {kind}: the plugin needs no RBAC")
    for c in all_containers(spec):
        if (c.get("lifecycle") or {}).get("preStop"):
            bad.append(f"{c['name']} has a preStop (a rolling update must keep attachments)")
    return "; ".join(bad)


def check_module_loader():
    spec = pod("base")
    c = container(spec, "module", init=True)
    bad = []
    found = mount_at(spec, c, "/lib/modules")
    if not found or (found[1].get("hostPath") or {}).get("path") != "/lib/modules" \
            or not found[0].get("readOnly"):
        bad.append("host /lib/modules is not mounted read-only at /lib/modules")
    if not any((volume(spec, m["name"]).get("hostPath") or {}).get("path") == "/usr/src"
               and m.get("readOnly") for m in c.get("volumeMounts") or []):
        bad.append("host /usr/src (the headers behind /lib/modules/<kver>/build) is not mounted read-only")
    if not (c.get("securityContext") or {}).get("privileged"):
        bad.append("not privileged (loading a module)")
    text = script(c)
    err = sh_syntax(text)
    if err:
        bad.append(f"script: {err}")
    for needle, why in (("/proc/modules", "the already-loaded case"),
                        ("modprobe tcp_splice", "the tcp-splice-dkms case"),
                        ("/usr/src/tcp-splice-", "the image's module source"),
                        ("/lib/modules/$kver/build", "the node's headers"),
                        ("/sys/kernel/btf/vmlinux", "the node's BTF"),
                        ("insmod", "loading the module built here"),
                        ("linux-headers-", "the missing headers package in the error")):
        if needle not in text:
            bad.append(f"script lacks {needle!r} ({why})")
    return "; ".join(bad)


def paths_h_defaults():
    text = read("hook/core/paths.h")
    return dict(re.findall(r'std::string\s+(\w+)\s*=\s*"([^"]*)"', text))


def lock_path():
    # paths.h: lock_file empty (the default) means <state_dir>/tcp-splice.lock
    # (Paths::lock_path()), shared with the host's tools through the
    # state directory's mount.
    d = paths_h_defaults()
    text = read("hook/core/paths.h")
    if 'state_dir + "/tcp-splice.lock"' not in text:
        raise AssertionError("hook/core/paths.h no longer derives the lock from state_dir")
    return d.get("lock_file") or d["state_dir"] + "/tcp-splice.lock"


def check_lock_mounted(target, name, init=False):
    def fn():
        lock = lock_path()
        spec = pod(target)
        c = container(spec, name, init)
        m = host_mount_covering(spec, c, os.path.dirname(lock))
        if not m:
            return f"{name}: the lock file {lock} (hook/core/paths.h) is under no hostPath mount at the host's path"
    return fn


def check_state_mounted():
    state = paths_h_defaults()["state_dir"]
    spec = pod("base")
    if not host_mount_covering(spec, container(spec, "nri-plugin"), state):
        return f"state_dir {state} (hook/core/paths.h) is not a host mount"


def check_images():
    bad = []
    want = f"{IMAGE}:{VERSION}"
    for target, objs in renders.items():
        for o in objs:
            if o.get("kind") != "DaemonSet":
                continue
            for c in all_containers(o["spec"]["template"]["spec"]):
                if c.get("image") != want:
                    bad.append(f"{target}: {c['name']} runs {c.get('image')}, want {want}")
    for k in glob.glob(os.path.join(K8S, "**", "kustomization.yaml"), recursive=True):
        for img in (yaml.safe_load(open(k)) or {}).get("images") or []:
            if img.get("newTag") != VERSION:
                bad.append(f"{os.path.relpath(k, TOP)}: images newTag {img.get('newTag')} != VERSION {VERSION}")
    if len(renders) < len(TARGETS):
        bad.append("not every target rendered")
    return "; ".join(bad)


def check_probes():
    bad = []
    spec = pod("base")
    for c in all_containers(spec):
        ports = c.get("ports") or []
        names = {p.get("name") for p in ports if p.get("name")}
        numbers = {p.get("containerPort") for p in ports}
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            p = c.get(probe)
            if not p:
                continue
            port = (p.get("httpGet") or p.get("tcpSocket") or {}).get("port")
            if port not in names and port not in numbers:
                bad.append(f"{c['name']}.{probe} uses port {port!r}, not one it declares")
            if p.get("httpGet", {}).get("path") not in (None, "/healthz"):
                bad.append(f"{c['name']}.{probe} path is not /healthz")
    c = container(spec, "nri-plugin")
    for probe in ("livenessProbe", "readinessProbe"):
        if not c.get(probe):
            bad.append(f"nri-plugin has no {probe}")
    if 9464 not in {p.get("containerPort") for p in c.get("ports") or []}:
        bad.append("nri-plugin does not declare port 9464 (its --metrics-address)")
    return "; ".join(bad)


# --- node affinity -----------------------------------------------------------

MAJOR = "feature.node.kubernetes.io/kernel-version.major"
MINOR = "feature.node.kubernetes.io/kernel-version.minor"


def expr_matches(e, labels):
    key, op, values = e["key"], e["operator"], e.get("values") or []
    v = labels.get(key)
    if op == "In":
        return v is not None and v in values
    if op == "NotIn":
        return v is None or v not in values
    if op == "Exists":
        return v is not None
    if op == "DoesNotExist":
        return v is None
    if op in ("Gt", "Lt"):
        if v is None or len(values) != 1:
            return False
        try:
            a, b = int(v), int(values[0])
        except ValueError:
            return False
        return a > b if op == "Gt" else a < b
    raise ValueError(f"unknown operator {op}")


def node_matches(spec, labels):
    na = ((spec.get("affinity") or {}).get("nodeAffinity") or {})
    req = na.get("requiredDuringSchedulingIgnoredDuringExecution")
    if not req:
        return True
    # Terms are ORed, a term's expressions ANDed.
    return any(all(expr_matches(e, labels) for e in t.get("matchExpressions") or [])
               for t in req.get("nodeSelectorTerms") or [])


KERNELS = [(4, 19), (5, 15), (5, 20), (6, 0), (6, 1), (6, 9), (6, 12), (6, 14), (6, 15),
           (6, 16), (6, 20), (6, 100), (7, 0), (7, 14), (8, 2), (10, 0)]


def check_affinity():
    spec = pod("base")
    bad = []
    for major, minor in KERNELS:
        labels = {MAJOR: str(major), MINOR: str(minor)}
        want = (major, minor) >= (6, 15)
        if node_matches(spec, labels) != want:
            bad.append(f"{major}.{minor} {'excluded' if want else 'admitted'}")
    if node_matches(spec, {}):
        bad.append("a node without NFD labels is admitted")
    return "; ".join(bad)


def check_without_nfd():
    spec = pod("base+without-nfd")
    if not node_matches(spec, {}):
        return "a node without NFD labels is still excluded"
    if container(spec, "nri-plugin") is None:
        return "lost the plugin"


# --- components and overlays -------------------------------------------------

def check_enable_nri(target):
    def fn():
        spec = pod(target)
        c = container(spec, "enable-nri", init=True)
        bad = []
        text = script(c)
        err = sh_syntax(text)
        if err:
            bad.append(f"script: {err}")
        if "tcp-splice-ctl runtime configure --runtime containerd" not in text:
            bad.append("does not run `tcp-splice-ctl runtime configure --runtime containerd`")
        if "nsenter -t 1 -m -u -i -n -p -- systemctl restart containerd" not in text:
            bad.append("does not restart containerd through nsenter into pid 1")
        if "/etc/containerd/config.toml" not in text:
            bad.append("does not look at /etc/containerd/config.toml")
        found = mount_at(spec, c, "/etc/containerd")
        if not found or (found[1].get("hostPath") or {}).get("path") != "/etc/containerd" \
                or found[0].get("readOnly"):
            bad.append("host /etc/containerd is not mounted writable at /etc/containerd")
        if not spec.get("hostPID"):
            bad.append("no hostPID (nsenter -t 1)")
        if not (c.get("securityContext") or {}).get("privileged"):
            bad.append("not privileged")
        container(spec, "module", init=True)
        container(spec, "nri-plugin")
        return "; ".join(bad)
    return fn


def check_uninstall():
    spec = pod("overlays/uninstall")
    bad = []
    cmds = [(c, (c.get("command") or []) + (c.get("args") or [])) for c in all_containers(spec)]
    runs = [c for c, cmd in cmds
            if (cmd[:1] and os.path.basename(cmd[0]) == "tcp-splice-ctl"
                and cmd[1:] == ["disable", "--all"])]
    if not runs:
        bad.append("no container runs `tcp-splice-ctl disable --all`")
    for c, cmd in cmds:
        if any("tcp-splice-nri" in a for a in cmd):
            bad.append(f"{c['name']} still runs the plugin")
    for c in runs:
        bad += mounts_problems(spec, c, {k: v for k, v in PLUGIN_MOUNTS.items()
                                         if k in ("/sys/fs/bpf", "/run/tcp-splice")})
        if not (c.get("securityContext") or {}).get("privileged"):
            bad.append(f"{c['name']} is not privileged")
    if any(c["name"] == "module" for c in all_containers(spec)):
        bad.append("still loads the module")
    if spec.get("affinity"):
        bad.append("keeps an affinity: it must reach every node the plugin may have run on")
    return "; ".join(bad)


# --- the Containerfile -------------------------------------------------------

def containerfile_lines():
    text = read("Containerfile")
    text = re.sub(r"\\\n", " ", text)  # line continuations
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def ignore_patterns():
    return [ln.strip() for ln in read(".containerignore").splitlines()
            if ln.strip() and not ln.startswith("#")]


def ignored(path, patterns):
    parts = path.split("/")
    for p in patterns:
        p = p.rstrip("/")
        for i in range(1, len(parts) + 1):
            if fnmatch.fnmatch("/".join(parts[:i]), p):
                return True
    return False


def check_containerfile_copies():
    bad = []
    srcs = []
    for ln in containerfile_lines():
        words = ln.split(None, 1)
        if words[0].upper() not in ("COPY", "ADD") or len(words) < 2:
            continue
        rest = words[1]
        if rest.startswith("["):
            args = yaml.safe_load(rest)
        else:
            args = shlex.split(rest)
        flags = [a for a in args if a.startswith("--")]
        args = [a for a in args if not a.startswith("--")]
        if any(f.startswith("--from") for f in flags):
            continue
        srcs += args[:-1]
    if not srcs:
        return "no COPY from the build context"
    pats = ignore_patterns()
    for s in srcs:
        if not glob.glob(os.path.join(TOP, s)):
            bad.append(f"COPY source {s} does not exist")
        elif ignored(os.path.normpath(s), pats):
            bad.append(f"COPY source {s} is excluded by .containerignore")
    return "; ".join(bad)


def check_module_source_copy():
    """The module source the init container builds: what kernel/Kbuild needs."""
    for ln in containerfile_lines():
        m = re.search(r"cp -p (.*?)\"\$dst/\"", ln)
        if m:
            files = m.group(1).split()
            break
    else:
        return "no `cp -p ... \"$dst/\"` of the module source"
    bad = []
    for f in files:
        if not glob.glob(os.path.join(TOP, f)):
            bad.append(f"{f} matches nothing")
    for need in ("kernel/Kbuild", "kernel/Makefile", "kernel/gen_btf.sh", "VERSION"):
        if need not in files:
            bad.append(f"{need} is not copied")
    for src in glob.glob(os.path.join(TOP, "kernel", "*.[ch]")):
        rel = os.path.relpath(src, TOP)
        if not any(fnmatch.fnmatch(rel, f) for f in files):
            bad.append(f"{rel} is not copied")
    if "/usr/src/tcp-splice-$(cat VERSION)" not in "\n".join(containerfile_lines()):
        bad.append("the source does not go to /usr/src/tcp-splice-<VERSION>")
    return "; ".join(bad)


def check_ignore_files():
    if read(".containerignore") != read(".dockerignore"):
        return ".containerignore and .dockerignore differ"


def check_docs():
    """Paths under config/kubernetes that the README names exist."""
    bad = []
    for doc in ("README.md", "config/kubernetes/README.md"):
        for p in sorted(set(re.findall(r"config/kubernetes/[\w./-]+", read(doc)))):
            p = p.rstrip(".")
            if not os.path.exists(os.path.join(TOP, p)):
                bad.append(f"{doc} names {p}, which does not exist")
    if os.path.exists(os.path.join(K8S, "daemonset.yaml")):
        bad.append("config/kubernetes/daemonset.yaml is back")
    return "; ".join(bad)


def main():
    verbose = "-v" in sys.argv[1:]
    for t in TARGETS:
        check(f"render {t}", render_check(t))
    for t in TARGETS:
        check(f"objects of {t}", objects_check(t))
    check("plugin container: command, privileges, mounts", check_plugin_container)
    check("config ConfigMap equals config/tcp-splice.json", check_config_map)
    check("pod: priority, tolerations, update strategy, no RBAC, no preStop", check_pod_settings)
    check("module init container: mounts and script", check_module_loader)
    check("state_dir is a host mount", check_state_mounted)
    check("lock file under a host mount (plugin)", check_lock_mounted("base", "nri-plugin"))
    check("lock file under a host mount (uninstall)",
          check_lock_mounted("overlays/uninstall", "disable", init=True))
    check("image tag equals VERSION", check_images)
    check("probes use a declared port", check_probes)
    check("node affinity admits exactly kernels >= 6.15", check_affinity)
    check("components/without-nfd drops the kernel affinity", check_without_nfd)
    check("components/enable-nri", check_enable_nri("base+enable-nri"))
    check("overlays/with-nri-enabler", check_enable_nri("overlays/with-nri-enabler"))
    check("overlays/uninstall runs disable --all", check_uninstall)
    check("Containerfile COPY sources exist", check_containerfile_copies)
    check("Containerfile copies the module source", check_module_source_copy)
    check(".containerignore equals .dockerignore", check_ignore_files)
    check("docs name existing paths", check_docs)
    if verbose:
        print(f"lock file: {lock_path()}, VERSION {VERSION}, kustomize: {' '.join(_tool or [])}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
