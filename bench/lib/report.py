#!/usr/bin/env python3
"""Turns bench/run's measurements into its one table and its JSON file.

    report.py ROWS_TSV META_JSON OUT_JSON

ROWS_TSV has one figure per line, tab-separated:
    key  figure  better  certpilot  certbot  lego  target  load  note
  better     "lower" (times), "higher" (rates) or "-" (no comparison)
  certpilot, certbot, lego
             "VALUE" or "VALUE|DETAIL" (e.g. "133.2|83.1-136.0" for a median
             with its min-max), or "-" when not measured
  target     "<= 150", ">= 10" or "-"; compared with certpilot's VALUE
  load       the 1-minute load average while the figure was measured
  note       free text kept in the JSON (what was measured, caveats)

ratio is how many times better certpilot is than each peer: peer/certpilot
for times, certpilot/peer for rates. Prints the table to stdout and writes
META (date, machine, versions, sizes) plus the rows to OUT_JSON.
"""
import json
import sys

rows_path, meta_path, out_path = sys.argv[1:4]


def cell(text):
    """'133.2|83.1-136.0' -> (133.2, '83.1-136.0'); '-' -> (None, '')."""
    if text == "-":
        return None, ""
    value, _, detail = text.partition("|")
    return float(value), detail


def number(v):
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.2f}".rstrip("0").rstrip(".")


def shown(v, detail):
    return number(v) + (f" ({detail})" if detail else "")


rows = []
with open(rows_path) as f:
    for line in f:
        key, figure, better, cp, cb, lg, target, load, note = line.rstrip("\n").split("\t")
        (cpv, cpd), (cbv, cbd), (lgv, lgd) = cell(cp), cell(cb), cell(lg)
        ratios = {}
        for peer, v in (("certbot", cbv), ("lego", lgv)):
            if better == "-" or v is None or cpv is None or v == 0 or cpv == 0:
                ratios[peer] = None
            else:
                ratios[peer] = round(v / cpv if better == "lower" else cpv / v, 1)
        met = None
        if target != "-" and cpv is not None:
            op, limit = target.split()
            met = cpv <= float(limit) if op == "<=" else cpv >= float(limit)
        rows.append({
            "key": key, "figure": figure, "better": better,
            "certpilot": cpv, "certpilot_detail": cpd,
            "certbot": cbv, "certbot_detail": cbd,
            "lego": lgv, "lego_detail": lgd,
            "ratio_vs_certbot": ratios["certbot"], "ratio_vs_lego": ratios["lego"],
            "target": None if target == "-" else target, "met": met,
            "load1": float(load), "note": note,
        })

headers = ["figure", "certpilot", "certbot", "lego", "ratio cb/lego", "target", "met?", "load"]
table = []
for r in rows:
    ratio = "-"
    if r["ratio_vs_certbot"] is not None or r["ratio_vs_lego"] is not None:
        ratio = " / ".join("-" if x is None else f"{x:g}x"
                           for x in (r["ratio_vs_certbot"], r["ratio_vs_lego"]))
    table.append([
        r["figure"],
        shown(r["certpilot"], r["certpilot_detail"]),
        shown(r["certbot"], r["certbot_detail"]),
        shown(r["lego"], r["lego_detail"]),
        ratio,
        r["target"] or "-",
        "-" if r["met"] is None else ("yes" if r["met"] else "NO"),
        f"{r['load1']:.2f}",
    ])
widths = [max(len(str(x)) for x in col) for col in zip(headers, *table)]
for line in [headers, ["-" * w for w in widths]] + table:
    print("  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w)
                    for i, (x, w) in enumerate(zip(line, widths))).rstrip())

with open(meta_path) as f:
    meta = json.load(f)
meta["figures"] = rows
with open(out_path, "w") as f:
    json.dump(meta, f, indent=2)
    f.write("\n")
