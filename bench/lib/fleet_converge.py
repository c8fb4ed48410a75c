#!/usr/bin/env python3
"""Times fleet convergence for bench/run's fleet section (issue #17).

    fleet_converge.py PREFIX NODES VERSION COUNT TIMEOUT_S OUT_JSON ETCDCTL...

ETCDCTL is the etcdctl command line with its connection flags (endpoints,
--cacert). Watches PREFIX/ (etcdctl watch -w json: one line per watch
response) and stamps every event with this process's monotonic clock when
it arrives:
  - PREFIX/lineages/NAME/current = VERSION: the renewal's commit to etcd;
  - PREFIX/deployed/NAME/NODE {"version": >= VERSION}: NODE's agent has
    written that version into its live/ tree and says so.
A lineage has converged when each of the NODES (comma-separated) has
deployed it; its latency is the last node's stamp minus the commit's. Both
stamps come from the same watch stream, so its own delay cancels out.

Prints READY once its watch is known to be live (it writes PREFIX/bench-probe
and waits to see it), then waits until COUNT lineages have converged or
TIMEOUT_S pass. Writes {"count", "p50_ms", "p99_ms", "min_ms", "max_ms",
"span_ms", "per_node"} to OUT_JSON (span: first commit to last convergence;
per_node: each node's p50 and max lag) and exits 0;
on timeout names what is missing and exits 1.
"""
import base64
import json
import select
import subprocess
import sys
import time

prefix, nodes, version, count, timeout_s, out_path = sys.argv[1:7]
etcdctl = sys.argv[7:]
nodes = set(nodes.split(","))
version, count, deadline = int(version), int(count), time.monotonic() + float(timeout_s)
lineages, deployed = prefix + "/lineages/", prefix + "/deployed/"
probe = prefix + "/bench-probe"

watch = subprocess.Popen(etcdctl + ["watch", "--prefix", prefix + "/", "-w", "json"],
                         stdout=subprocess.PIPE, text=True)
commit = {}    # lineage -> stamp of its commit of VERSION
done = {}      # lineage -> {node: stamp}
converged = {}  # lineage -> latency in ms
ready = False


def handle(line, stamp):
    global ready
    response = json.loads(line)
    for event in response.get("Events") or []:
        if event.get("type") == "DELETE":
            continue
        kv = event["kv"]
        key = base64.b64decode(kv["key"]).decode()
        value = base64.b64decode(kv.get("value", "")).decode(errors="replace")
        if key == probe:
            ready = True
        elif key.startswith(lineages) and key.endswith("/current"):
            name = key[len(lineages):-len("/current")]
            if value.strip() == str(version):
                commit.setdefault(name, stamp)
        elif key.startswith(deployed):
            name, _, node = key[len(deployed):].rpartition("/")
            try:
                v = int(json.loads(value).get("version", 0))
            except (ValueError, AttributeError):
                v = 0
            if node in nodes and v >= version:
                done.setdefault(name, {}).setdefault(node, stamp)
                if set(done[name]) == nodes and name in commit and name not in converged:
                    converged[name] = (max(done[name].values()) - commit[name]) * 1000


def pump(until):
    """Reads watch lines until until() holds or the deadline passes."""
    while not until():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        readable, _, _ = select.select([watch.stdout], [], [], min(left, 0.5))
        if readable:
            line = watch.stdout.readline()
            if not line:
                sys.exit("fleet_converge: etcdctl watch ended")
            handle(line, time.monotonic())
        elif not ready:
            subprocess.run(etcdctl + ["put", probe, str(time.time())], check=True,
                           stdout=subprocess.DEVNULL)
    return True


subprocess.run(etcdctl + ["put", probe, str(time.time())], check=True, stdout=subprocess.DEVNULL)
if not pump(lambda: ready):
    sys.exit("fleet_converge: the watch never saw its probe")
print("READY", flush=True)
ok = pump(lambda: len(converged) >= count)
watch.terminate()
if not ok:
    missing = sorted(set(commit) - set(converged))[:5]
    sys.exit(f"fleet_converge: {len(converged)} of {count} converged in {timeout_s} s "
             f"({len(commit)} committed); not converged, e.g.: {missing} "
             f"deployed by {[sorted(done.get(m, {})) for m in missing]}")
lat = sorted(converged.values())


def rank(p):  # nearest-rank percentile
    return lat[max(0, -(-len(lat) * p // 100) - 1)]


span = (max(max(d.values()) for d in done.values()) - min(commit.values())) * 1000
# Per node, the p50 and max of its own lag behind the commit: which one is slow.
per_node = {}
for node in sorted(nodes):
    lags = sorted((done[n][node] - commit[n]) * 1000 for n in converged)
    per_node[node] = {"p50_ms": lags[(len(lags) - 1) // 2], "max_ms": lags[-1]}
with open(out_path, "w") as f:
    json.dump({"count": len(lat), "p50_ms": rank(50), "p99_ms": rank(99), "min_ms": lat[0],
               "max_ms": lat[-1], "span_ms": span, "per_node": per_node}, f)
