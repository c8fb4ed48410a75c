#!/usr/bin/env python3
"""Makes COUNT copies of one certbot-style lineage, fast, for bench/run.

    make_lineages.py SRC_CONFIG SOURCE DST_CONFIG PREFIX COUNT [FIRST_CONF_LINE]

For i in 1..COUNT, lineage PREFIX-i in DST_CONFIG gets: archive/PREFIX-i/
with hard links to SOURCE's archive files (the same bytes; renew only reads
them, and a renewal writes new version files beside them), live/PREFIX-i/
with the same relative symlinks as live/SOURCE/ (pointing into its own
archive), and renewal/PREFIX-i.conf: SOURCE's conf with its paths
rewritten (lineage name, and SRC_CONFIG to DST_CONFIG), preceded by FIRST_CONF_LINE when given (e.g. a
renew_before_expiry setting). SRC_CONFIG and DST_CONFIG may be the same.
One process and a handful of syscalls per lineage: 10,000 copies take
seconds, where a shell loop of cp/ln/sed takes minutes.
"""
import os
import re
import sys

src_cfg, source, dst_cfg, prefix, count = sys.argv[1:6]
src_cfg, dst_cfg = os.path.abspath(src_cfg), os.path.abspath(dst_cfg)
first_line = sys.argv[6] if len(sys.argv) > 6 else ""
count = int(count)

src_archive = os.path.join(src_cfg, "archive", source)
src_live = os.path.join(src_cfg, "live", source)
archive_files = sorted(os.listdir(src_archive))
live_entries = []  # (name, symlink target or None for a regular file)
for entry in sorted(os.listdir(src_live)):
    path = os.path.join(src_live, entry)
    live_entries.append((entry, os.readlink(path) if os.path.islink(path) else None))
with open(os.path.join(src_cfg, "renewal", source + ".conf")) as f:
    conf = f.read()
source_path = re.compile(re.escape("/" + source) + r"(?=/|$)", re.M)

for d in ("archive", "live", "renewal"):
    os.makedirs(os.path.join(dst_cfg, d), exist_ok=True)
for i in range(1, count + 1):
    name = f"{prefix}-{i}"
    archive = os.path.join(dst_cfg, "archive", name)
    live = os.path.join(dst_cfg, "live", name)
    os.mkdir(archive, 0o700)
    os.mkdir(live, 0o755)
    for entry in archive_files:
        os.link(os.path.join(src_archive, entry), os.path.join(archive, entry))
    for entry, target in live_entries:
        if target is None:
            os.link(os.path.join(src_live, entry), os.path.join(live, entry))
        else:
            os.symlink(target.replace("/" + source + "/", "/" + name + "/"),
                       os.path.join(live, entry))
    with open(os.path.join(dst_cfg, "renewal", name + ".conf"), "w") as f:
        if first_line:
            f.write(first_line + "\n")
        f.write(source_path.sub("/" + name, conf.replace(src_cfg + "/", dst_cfg + "/")))
