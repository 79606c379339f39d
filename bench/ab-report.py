#!/usr/bin/env python3
"""make bench-ab's report: the "BENCH AB ..." lines of bench/ab-guest.sh as
Markdown. Per workload and round, each build's BPF time per command in both
attach orders, and B - A averaged over the two orders (which cancels what
running first costs, the same for either build); then the median over the
rounds and what attaching first cost; and each build's start to attached.

usage: ab-report.py [--a NAME] [--b NAME] [--icount SHIFT] VM.TXT
"""
import argparse
import statistics
import sys


def records(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2 or parts[0] != "BENCH":
                continue
            r = {"kind": parts[1]}
            for p in parts[2:]:
                k, sep, v = p.partition("=")
                if sep:
                    r[k] = v
            r["text"] = line.rstrip("\n")
            yield r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", default="A")
    ap.add_argument("--b", default="B")
    ap.add_argument("--icount", type=int, default=None,
                    help="QEMU's -icount shift the VM ran with")
    ap.add_argument("vm")
    args = ap.parse_args()
    recs = list(records(args.vm))
    info = [r["text"].split(" ", 2)[2] for r in recs if r["kind"] == "INFO"]
    errors = [r["text"] for r in recs if r["kind"] == "ERROR"]
    # per[(workload, round, order, build)] = ns per command
    per = {}
    for r in recs:
        if r["kind"] != "AB":
            continue
        n = int(r.get("commands", 0) or 0)
        # No program ran: not a measurement (the round shows incomplete).
        if n > 0 and int(r.get("runs", 0) or 0) > 0:
            per[(r["workload"], int(r["round"]), r["order"], r["build"])] = int(r["ns"]) / n
    print("# nvmetrace A/B\n")
    print(f"A: {args.a}  \nB: {args.b}  \n{'; '.join(info)}\n")
    print("Both builds attached at once, each in turn first; BPF run time "
          "(kernel.bpf_stats_enabled) of each build's programs per command "
          "of the workload (block I/O: per I/O), ns. B - A is "
          "the mean over the two orders.\n")
    if args.icount is not None:
        print(f"Under QEMU's `-icount shift={args.icount}` the guest's clock advances "
              f"{1 << args.icount} ns for each instruction it runs: these figures are "
              f"instruction counts{f' times {1 << args.icount}' if args.icount else ''}, the same from one run to the next, "
              "not times (no caches, no device). Block I/O is dd's 4 KiB O_DIRECT reads, "
              "one at a time, through mq-deadline (fio completes no I/O under icount).\n")
    for e in errors:
        print(f"- {e}")
    if errors:
        print()
    ok = True
    workloads = [("storm", "Passthrough storm (Identify)"),
                 ("fio", "Block I/O (fio)" if args.icount is None else "Block I/O (dd)")]
    for wl, title in workloads:
        rounds = sorted({k[1] for k in per if k[0] == wl})
        print(f"## {title}\n")
        # Measured, but no program of either build ran: the mode does
        # not trace this workload (the default mode and block I/O).
        if not rounds and any(r["kind"] == "AB" and r.get("workload") == wl
                              and int(r.get("commands", 0) or 0) > 0 for r in recs):
            print("No program of either build ran: these options do not trace it.\n")
            continue
        print("| round | A first: A | A first: B | B first: A | B first: B | B - A | first pays |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        diffs, firsts, a_all = [], [], []
        for n in rounds:
            v = {(o, b): per.get((wl, n, o, b)) for o in ("AB", "BA") for b in "AB"}
            if any(x is None for x in v.values()):
                print(f"| {n} | incomplete | | | | | |")
                ok = False
                continue
            d = ((v["AB", "B"] - v["AB", "A"]) + (v["BA", "B"] - v["BA", "A"])) / 2
            first = ((v["AB", "A"] - v["BA", "A"]) + (v["BA", "B"] - v["AB", "B"])) / 2
            diffs.append(d)
            firsts.append(first)
            a_all += [v["AB", "A"], v["BA", "A"]]
            print(f"| {n} | {v['AB', 'A']:,.0f} | {v['AB', 'B']:,.0f} | {v['BA', 'A']:,.0f} "
                  f"| {v['BA', 'B']:,.0f} | {d:+,.0f} | {first:+,.0f} |")
        print()
        if diffs:
            med = statistics.median(diffs)
            base = statistics.median(a_all)
            print(f"B - A: median {med:+,.0f} ns a command ({med / base:+.1%} of A's "
                  f"{base:,.0f}), from {min(diffs):+,.0f} to {max(diffs):+,.0f} over "
                  f"{len(diffs)} round{'s' if len(diffs) != 1 else ''}; attaching first "
                  f"cost {statistics.median(firsts):+,.0f} ns a command.\n")
        else:
            print("No complete round.\n")
            ok = False
    # Start to attached: B starts while A is attached in order AB, alone
    # in order BA, and A the other way round.
    start = {}
    for r in recs:
        if r["kind"] == "AB" and r.get("workload") == "start" and r.get("us", "").isdigit():
            start[(int(r["round"]), r["order"], r["build"])] = int(r["us"]) / 1000
    rounds = sorted({k[0] for k in start})
    print("## Start to attached (ms)\n")
    print("From the command to its `-v` line \"attached to\", asked every 10 ms.\n")
    print("| round | A first: A | A first: B | B first: A | B first: B | B - A |")
    print("|---:|---:|---:|---:|---:|---:|")
    diffs, a_all, b_all = [], [], []
    for n in rounds:
        v = {(o, b): start.get((n, o, b)) for o in ("AB", "BA") for b in "AB"}
        if any(x is None for x in v.values()):
            print(f"| {n} | incomplete | | | | |")
            continue
        d = ((v["AB", "B"] - v["AB", "A"]) + (v["BA", "B"] - v["BA", "A"])) / 2
        diffs.append(d)
        a_all += [v["AB", "A"], v["BA", "A"]]
        b_all += [v["AB", "B"], v["BA", "B"]]
        print(f"| {n} | {v['AB', 'A']:.0f} | {v['AB', 'B']:.0f} | {v['BA', 'A']:.0f} "
              f"| {v['BA', 'B']:.0f} | {d:+.0f} |")
    print()
    if diffs:
        print(f"Median start: A {statistics.median(a_all):.0f} ms, B "
              f"{statistics.median(b_all):.0f} ms; B - A: median {statistics.median(diffs):+.0f} ms, "
              f"from {min(diffs):+.0f} to {max(diffs):+.0f} over {len(diffs)} "
              f"round{'s' if len(diffs) != 1 else ''}.\n")
    else:
        print("No complete round.\n")
    return 0 if ok and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
