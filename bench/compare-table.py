#!/usr/bin/env python3
"""Prints the tables of bench/compare-etcd.sh from its TSV of results.

Each line: run, system (etcd or ours), row (as "put c=16"), then key=value fields from the
WRK_RESULT line (rps, p50_us, p99_us, ...). One table per run; with more than one run, the
median and the range (min-max) of each figure across runs.
"""
import statistics
import sys


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            run, system, row, fields = line.rstrip("\n").split("\t")
            values = dict(item.split("=", 1) for item in fields.split())
            rows.append((int(run), system, row, {k: float(v) for k, v in values.items()}))
    return rows


def errors(v):
    return int(sum(v.get(k, 0) for k in ("connect_errors", "read_errors", "write_errors", "timeouts", "non2xx")))


def table(title, order, figure):
    """figure(system, row) -> dict of rps, p50, p99 (ms), errors; or None."""
    print(title)
    header = f"{'row':<28}{'etcd req/s':>12}{'ours req/s':>12}{'ours/etcd':>10}   {'etcd p50/p99 ms':>16}   {'ours p50/p99 ms':>16}   errors e/o"
    print(header)
    print("-" * len(header))
    for row in order:
        e, o = figure("etcd", row), figure("ours", row)
        def rate(x):
            return f"{x['rps']:,.0f}" if x else "-"
        def lat(x):
            return f"{x['p50']:.2f}/{x['p99']:.2f}" if x else "-"
        ratio = f"{o['rps'] / e['rps']:.2f}x" if e and o and e["rps"] > 0 else "-"
        errs = f"{e['errors'] if e else '-'}/{o['errors'] if o else '-'}"
        print(f"{row:<28}{rate(e):>12}{rate(o):>12}{ratio:>10}   {lat(e):>16}   {lat(o):>16}   {errs}")
    print()


def main():
    rows = load(sys.argv[1])
    runs = sorted({r[0] for r in rows})
    order = []
    for _, _, row, _ in rows:
        if row not in order:
            order.append(row)
    by = {(run, system, row): v for run, system, row, v in rows}

    def single(run):
        def figure(system, row):
            v = by.get((run, system, row))
            if v is None:
                return None
            return {"rps": v["rps"], "p50": v["p50_us"] / 1000, "p99": v["p99_us"] / 1000, "errors": errors(v)}
        return figure

    for run in runs:
        table(f"run {run}", order, single(run))

    if len(runs) > 1:
        def median(system, row):
            vs = [by[(run, system, row)] for run in runs if (run, system, row) in by]
            if not vs:
                return None
            return {"rps": statistics.median(v["rps"] for v in vs),
                    "p50": statistics.median(v["p50_us"] for v in vs) / 1000,
                    "p99": statistics.median(v["p99_us"] for v in vs) / 1000,
                    "errors": sum(errors(v) for v in vs)}
        table(f"median of {len(runs)} runs", order, median)
        print("range across runs (min-max req/s):")
        for row in order:
            cells = []
            for system in ("etcd", "ours"):
                vs = [by[(run, system, row)]["rps"] for run in runs if (run, system, row) in by]
                cells.append(f"{system} {min(vs):,.0f}-{max(vs):,.0f}" if vs else f"{system} -")
            ratios = [by[(run, "ours", row)]["rps"] / by[(run, "etcd", row)]["rps"]
                      for run in runs if (run, "ours", row) in by and (run, "etcd", row) in by]
            extra = f", ratio {min(ratios):.2f}x-{max(ratios):.2f}x" if ratios else ""
            print(f"  {row:<28}{cells[0]:<22}{cells[1]:<22}{extra}")


if __name__ == "__main__":
    main()
