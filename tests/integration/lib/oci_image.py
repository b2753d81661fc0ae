#!/usr/bin/env python3
"""oci_image.py OUT.tar NAME [NAME...]: an OCI image layout archive holding one
busybox image (the guest's static /bin/busybox, with sh, sleep, nc, cat and
sha256sum links), tagged with every NAME, for `ctr -n k8s.io images import`.
Stands in for the pause image and the test application: no registry needed."""
import hashlib
import io
import json
import sys
import tarfile

out, names = sys.argv[1], sys.argv[2:]


def layer():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for d in ("bin", "tmp", "proc", "sys", "dev", "etc"):
            ti = tarfile.TarInfo(d)
            ti.type, ti.mode = tarfile.DIRTYPE, 0o1777 if d == "tmp" else 0o755
            t.addfile(ti)
        t.add("/bin/busybox", "bin/busybox")
        for app in ("sh", "sleep", "nc", "cat", "sha256sum", "head", "wc", "echo", "true"):
            ti = tarfile.TarInfo("bin/" + app)
            ti.type, ti.linkname = tarfile.SYMTYPE, "busybox"
            t.addfile(ti)
    return buf.getvalue()


def blob(t, data):
    d = hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo(f"blobs/sha256/{d}")
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
    return f"sha256:{d}", len(data)


def add(t, path, data):
    info = tarfile.TarInfo(path)
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))


with tarfile.open(out, "w") as t:
    lay = layer()
    lay_digest, lay_size = blob(t, lay)
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Entrypoint": ["/bin/sleep", "1000000"], "Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [lay_digest]},
    }).encode()
    cfg_digest, cfg_size = blob(t, config)
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": cfg_digest, "size": cfg_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": lay_digest, "size": lay_size}],
    }).encode()
    man_digest, man_size = blob(t, manifest)
    index = {"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json",
         "digest": man_digest, "size": man_size,
         "annotations": {"io.containerd.image.name": n,
                         "org.opencontainers.image.ref.name": n.rsplit(":", 1)[-1]}}
        for n in names]}
    add(t, "index.json", json.dumps(index).encode())
    add(t, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
