#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the BENCH lines of bench/guest.sh and the replay table of
bench/replay.sh into docs/PERFORMANCE.md (Markdown on stdout)."""
import argparse
import datetime
import functools
import io
import os
import statistics
import sys

NAMES = {
    "none": "no tracer",
    "nvmetrace": "nvmetrace (default: passthrough)",
    "nvmetrace-a": "nvmetrace -a >/dev/null",
    "nvmetrace-a-j": "nvmetrace -a -j >/dev/null",
    "nvmetrace-a-w": "nvmetrace -a -w /dev/null (a capture, no formatting)",
    "nvmetrace-H": "nvmetrace -a -H (histograms)",
    "bpftrace": "bpftrace, the seeds' one-liner",
    "bcc": "BCC, the seeds' Python script",
    "tracefs": "tracefs nvme events + trace_pipe",
    "spin": "no tracer, a busy loop on one vCPU (nice 19)",
    "empty-a": "empty BPF programs on -a's four programs (floor)",
    "floor-hist": "the least latency histogram on -a's four programs (floor)",
    "floor-rec": "the least tracer sending each command to user space, on -a's four programs (floor)",
    "floor-print": "the same, printing each command as a line of text (floor)",
    "empty-kprobe": "empty BPF kprobe (floor)",
    "empty-tp_btf": "empty BPF tp_btf (floor)",
    "floor-ktime": "floor: timestamp",
    "floor-sqe": "floor: copy the 64-byte SQE (helper)",
    "floor-sqe_btf": "floor: the SQE by direct loads (BTF)",
    "floor-lookup": "floor: hash lookup (miss)",
    "floor-delete": "floor: hash delete (miss)",
    "floor-update": "floor: hash update (replace)",
    "floor-map": "floor: hash insert + delete (pairing)",
    "floor-table": "floor: pairing-table claim + release (pairing)",
    "floor-ringbuf": "floor: ring-buffer record",
    "floor-record": "floor: timestamp + task + SQE + record (direct loads)",
    "nvmetrace-j": "nvmetrace -j",
    "nvmetrace-a-j-storm": "nvmetrace -a -j -c nvme-storm",
    "nvmetrace-j-tiny": "nvmetrace -j --ringbuf-size=4",
    "nvmetrace-a-j-tiny": "nvmetrace -a -j -c nvme-storm --ringbuf-size=4",
}
ALTERNATIVES = ("bpftrace", "bcc", "tracefs")
# The alternatives that see block I/O commands at all.
SEE_BLOCK_IO = ("tracefs",)


def parse(path):
    recs = []
    for line in open(path):
        parts = line.split()
        if len(parts) < 2 or parts[0] != "BENCH":
            continue
        rec = {"kind": parts[1], "text": " ".join(parts[2:])}
        for p in parts[2:]:
            if "=" in p:
                k, v = p.split("=", 1)
                rec.setdefault(k, v)
        recs.append(rec)
    return recs


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec="{:,.0f}"):
    return "n/a" if v is None else spec.format(v)


def verdict(ok, reach=True):
    """reach False: a floor measured in the same run (the least any tool
    doing the same must pay) is above the target already."""
    if ok is None:
        return "n/a"
    if ok:
        return "met"
    return "**missed**" if reach else "**missed**: out of reach, a measured floor is above it"


class Report:
    def __init__(self, recs):
        self.recs = recs
        self.targets = []

    def of(self, kind, **match):
        return [r for r in self.recs if r["kind"] == kind
                and all(r.get(k) == v for k, v in match.items())]

    def configs(self, kind):
        seen = []
        for r in self.of(kind):
            if r["config"] not in seen:
                seen.append(r["config"])
        return seen

    def ratio(self, config, workload):
        """Median over repetitions of traced/untraced, each traced run
        against the untraced run just before it."""
        rs = []
        for r in self.of("RATE", config=config, workload=workload):
            b, t = num(r.get("base")), num(r.get("traced"))
            if b and t is not None:
                rs.append(t / b)
        return med(rs), len(rs)

    def rate(self, config, workload, key="traced"):
        return med(num(r.get(key)) for r in self.of("RATE", config=config, workload=workload))

    def target(self, what, measured, ok, reach=True):
        self.targets.append((what, measured, verdict(ok, reach)))

    # --- sections ---------------------------------------------------------
    def rates(self):
        print("## Workload rate under each tracer\n")
        print("Each traced run follows an untraced run of the same workload; the "
              "ratio is traced/untraced, median over the repetitions, with "
              "kernel.bpf_stats_enabled off. Storm: "
              "`nvme-storm`, Identify passthrough ioctls back to back (commands/s). "
              "Block I/O: fio, 4 KiB O_DIRECT random reads, queue depth 16 (IOPS).\n")
        print("| configuration | storm cmds/s | storm ratio | block IOPS | block ratio | runs |")
        print("|---|---:|---:|---:|---:|---:|")
        for c in self.configs("RATE"):
            s, n = self.ratio(c, "storm")
            f, _ = self.ratio(c, "fio")
            print(f"| {NAMES.get(c, c)} | {fmt(self.rate(c, 'storm'))} | {fmt(s, '{:.3f}')} "
                  f"| {fmt(self.rate(c, 'fio'))} | {fmt(f, '{:.3f}')} | {n} |")
        print()
        for wl, label in (("storm", "passthrough storm"), ("fio", "block I/O")):
            a, _ = self.ratio("nvmetrace-a", wl)
            # Empty programs on the same hooks: what attaching there costs
            # before any work (under TCG, part of the run-to-run noise too).
            e, _ = self.ratio("empty-a", wl)
            floor = "" if e is None else \
                f" (empty programs on the same hooks: {(1 - e) * 100:.1f}%)"
            # On the storm one command is in flight at a time and every
            # program runs on its path (setup before the doorbell, completion
            # before the submitter wakes): the BPF time is a cost the rate
            # cannot beat, whatever the run-to-run noise says.
            share = self.serial_share("nvmetrace-a") if wl == "storm" else None
            self.target(f"nvmetrace -a costs <= 5% on the {label}",
                        fmt(None if a is None else (1 - a) * 100, "{:.1f}%") + floor +
                        ("" if share is None else
                         f"; its BPF time is {share * 100:.1f}% of an untraced storm command"),
                        None if a is None else a >= 0.95 and (share is None or share <= 0.05),
                        e is None or 1 - e <= 0.05)
            # The seeds' bpftrace and BCC scripts hook nvme_submit_user_cmd,
            # which block I/O never calls: there they record nothing, and
            # what they cost says nothing about tracing those commands.
            seeing = ALTERNATIVES if wl == "storm" else SEE_BLOCK_IO
            alts = {c: self.ratio(c, wl)[0] for c in seeing}
            alts = {c: v for c, v in alts.items() if v is not None}
            blind = "" if wl == "storm" else \
                " (bpftrace's and BCC's seed scripts hook nvme_submit_user_cmd, which " \
                "block I/O does not call: they trace none of it, so only tracefs compares)"
            # Faster than untraced: say how busy the tool kept the vCPUs.
            base_v = self.host_vcpu("none", wl)

            def alt(c, v):
                t = f"{c} {(1 - v) * 100:.1f}%"
                busy = self.host_vcpu(c, wl)
                if v > 1 and busy is not None and base_v is not None:
                    t += f" (vCPUs {busy:.0f}% of a host core, untraced {base_v:.0f}%)"
                return t
            sp, _ = self.ratio("spin", wl)
            spin = "" if sp is None or wl != "storm" else \
                f"; no tracer but a busy loop on one vCPU: {(1 - sp) * 100:.1f}%"
            self.target(f"nvmetrace -a cheaper than every alternative on the {label}",
                        (", ".join(alt(c, v) for c, v in alts.items()) or "n/a") + blind + spin,
                        None if a is None or not alts else all(a >= v for v in alts.values()),
                        # A busy loop, no tracer, faster than untraced:
                        # the comparison measures the emulator.
                        sp is None or wl != "storm" or sp <= 1.05)
            h, _ = self.ratio("nvmetrace-H", wl)
            share = self.serial_share("nvmetrace-H") if wl == "storm" else None
            self.target(f"nvmetrace -a -H costs <= 2% on the {label}",
                        fmt(None if h is None else (1 - h) * 100, "{:.1f}%") + floor +
                        (self.hist_bound() if wl == "storm" else ""),
                        None if h is None else h >= 0.98 and (share is None or share <= 0.02),
                        e is None or 1 - e <= 0.02)

    def per_run_ns(self, config):
        """ns per program run of a one-program configuration on the storm."""
        progs, _ = self.cost_of(config, "storm")
        runs = sum(p[1] for p in progs.values())
        return sum(p[2] for p in progs.values()) / runs if runs else None

    def storm_cmd_ns(self):
        """An untraced storm command's time: the median untraced rate."""
        base = med(num(r.get("base")) for r in self.of("RATE", workload="storm"))
        return 1e9 / base if base else None

    def serial_share(self, config):
        """config's BPF time a storm command, as a share of an untraced one."""
        _, ns = self.cost_of(config)
        cmd = self.storm_cmd_ns()
        return ns / cmd if ns is not None and cmd else None

    def hist_bound(self):
        """-H's BPF time a storm command, and the least a latency histogram
        needs on the same hooks (bench/empty.bpf.c's floor_hist programs),
        each as a share of an untraced storm command's time."""
        cmd = self.storm_cmd_ns()
        _, h = self.cost_of("nvmetrace-H")
        _, least = self.cost_of("floor-hist")
        if not cmd or h is None:
            return ""
        t = f"; its BPF time, {h:,.0f} ns a command, is {h / cmd * 100:.1f}% of an untraced storm command ({cmd / 1000:,.0f} us)"
        if least is not None:
            t += (f"; the least latency histogram on these hooks (bench/empty.bpf.c: timestamps, "
                  f"pairing table, status and controller reads, counts; {least:,.0f} ns) is "
                  f"{least / cmd * 100:.1f}%, and -H takes {h / least:.2f}x its time")
        return t

    @functools.cached_property
    def windows(self):
        """Host CPU of QEMU's threads (% of one host core, by kind) over each
        measured run: between the first sample taken after the run's start
        line and the last sample taken before its end line (bench/run.sh).
        {(config, workload, run): [(main, vcpu, other), ...]}"""
        hz = num((self.of("HOSTHZ") or [{}])[0].get("hz"))
        samples = [(num(r["t"]), int(r["phases"]), num(r["main"]), num(r["vcpu"]), num(r["other"]))
                   for r in self.of("HOST")]
        out = {}
        if not hz or not samples:
            return out
        starts = {}
        for i, r in enumerate(self.of("PHASE"), 1):
            key = (r["config"], r["rep"], r["workload"], r["run"])
            if r["edge"] == "start":
                starts[key] = i
                continue
            first = starts.pop(key, None)
            if first is None:
                continue
            a = next((s for s in samples if s[1] >= first), None)
            b = next((s for s in reversed(samples) if s[1] < i), None)
            # A window shorter than a second says too little.
            if a is None or b is None or b[0] - a[0] < 1:
                continue
            secs = b[0] - a[0]
            out.setdefault((key[0], key[2], key[3]), []).append(
                tuple((b[k] - a[k]) / hz / secs * 100 for k in (2, 3, 4)))
        return out

    def host_runs(self, config, workload):
        """(main, vcpu, other) over config's traced runs of workload; for
        "none", over every untraced run of the boot."""
        if config == "none":
            return [v for (c, w, r), vs in self.windows.items()
                    if w == workload and r == "base" for v in vs]
        return self.windows.get((config, workload, "traced"), [])

    def host_vcpu(self, config, workload):
        """Median host CPU of the vCPU threads, % of one host core."""
        return med(v[1] for v in self.host_runs(config, workload))

    def bound_text(self):
        """What the host CPU table says bounds the rates, in a sentence."""
        tot = {wl: med(sum(v) for v in self.host_runs("none", wl)) for wl in ("storm", "fio")}
        if None in tot.values():
            return ""
        progs, _ = self.cost_of("empty-a", "fio")
        e_ns = sum(ns / runs for _, runs, ns in progs.values() if runs) if progs else None
        e_ratio, _ = self.ratio("empty-a", "fio")
        empty = "" if e_ns is None or e_ratio is None else \
            (f": empty programs on -a's hooks, {e_ns / 1000:.1f} us of BPF time an I/O, "
             f"changed the block I/O rate by {(e_ratio - 1) * 100:+.1f}%")
        return (f"During the untraced runs QEMU used {tot['storm']:.0f}% (storm) and "
                f"{tot['fio']:.0f}% (block I/O) of one host core, of the host's "
                f"{os.cpu_count() * 100}% (host CPU table at the end): the rates are set "
                "by the latency of each emulated round trip (a halted vCPU woken for the "
                "interrupt, MMIO exits, the device model's timers), not by a shortage of "
                "CPU, and small changes in guest timing move them far more than the "
                f"CPU they cost{empty}. ")

    def spin_text(self):
        s, _ = self.ratio("spin", "storm")
        f, _ = self.ratio("spin", "fio")
        if s is None or f is None:
            return ""
        return (f" (with no tracer at all, a busy loop at nice 19 on one vCPU changed "
                f"the storm's rate by {(s - 1) * 100:+.1f}% and block I/O's by "
                f"{(f - 1) * 100:+.1f}%)")

    def host_cpu(self):
        if not self.windows:
            return
        print("## Host CPU of QEMU during each workload\n")
        print(f"Sampled on the host every half second from /proc (user + system ticks "
              f"of each QEMU thread), over each measured run, in % of one host core "
              f"({os.cpu_count()} cores: {os.cpu_count() * 100}% in all), median over the runs. "
              "\"main\" is QEMU's main loop, where the emulated NVMe controller does "
              "its work (and 9p, idle here); \"vCPUs\" the guest's two vCPU threads, "
              "which run the guest kernel, the workload, and every tracer's programs and "
              "reader; \"other\" QEMU's I/O workers. Untraced rows are every "
              "untraced run of the boot. When the sum nears the host's cores, every "
              "microsecond a tracer adds to the vCPUs is host time the device model "
              "waits for.\n")
        print("| configuration | storm: main | vCPUs | other | total "
              "| block I/O: main | vCPUs | other | total |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for c in ["none"] + [c for c in self.configs("RATE") if c != "none"]:
            cells = []
            for wl in ("storm", "fio"):
                vals = self.host_runs(c, wl)
                m = [med(v[k] for v in vals) for k in range(3)]
                total = None if None in m else sum(m)
                cells += [fmt(x, "{:.0f}%") for x in m + [total]]
            if all(x == "n/a" for x in cells):
                continue
            print(f"| {NAMES.get(c, c)} | " + " | ".join(cells) + " |")
        print()

    def cost_of(self, config, workload="storm"):
        """Per program: (type, ns per run, runs per command), summed over reps;
        and the total ns per traced command."""
        progs = {}
        commands = 0
        reps = set()
        for r in self.of("COST", config=config, workload=workload):
            p = progs.setdefault(r["prog"], [r["type"], 0, 0])
            p[1] += int(r["runs"])
            p[2] += int(r["ns"])
            if r["rep"] not in reps:
                reps.add(r["rep"])
                commands += int(r["commands"])
        total = sum(p[2] for p in progs.values())
        return progs, (total / commands if commands else None)

    def costs(self):
        print("## In-kernel cost per event\n")
        print("`kernel.bpf_stats_enabled=1`: run_time_ns / run_cnt of each program "
              "while the storm ran, in a window of its own after each repetition's "
              "rate runs, pooled over the repetitions (the rates are measured with the stats off, as in production, "
              "since they add two clock reads and a counter update to every run). "
              "\"ns per command\" sums every "
              "program of the tool over the commands the storm issued. Block I/O "
              "rows are the same for the programs -a attaches to the block path.\n")
        print("| configuration | workload | program | hook type | runs | ns per run | ns per command |")
        print("|---|---|---|---|---:|---:|---:|")
        per_cmd = {}
        per_run = {}
        for c in self.configs("COST"):
            for wl in ("storm", "fio"):
                progs, pc = self.cost_of(c, wl)
                if wl == "storm":
                    per_cmd[c] = pc
                for name, (typ, runs, ns) in progs.items():
                    per_run[(c, wl, name)] = ns / runs
                    print(f"| {NAMES.get(c, c)} | {wl} | {name} | {typ} | {runs:,} "
                          f"| {ns / runs:,.0f} | {fmt(pc) if wl == 'storm' else ''} |")
        print()
        # On the same hook: nvmetrace's kprobe against each alternative's
        # (their only program); nvmetrace also runs a kretprobe for the
        # status and latency, which they do not read: shown, not compared.
        kp = [v for (c, wl, n), v in per_run.items() if c == "nvmetrace" and wl == "storm" and n.endswith(("_kp", "_kp_t"))]
        alt = {}
        for a in ("bpftrace", "bcc"):
            v = [x for (c, wl, n), x in per_run.items() if c == a and wl == "storm"]
            if v:
                alt[a] = v[0]
        nv = per_cmd.get("nvmetrace")
        self.target("nvmetrace's per-event cost <= bpftrace's and BCC's on the same hook "
                    "(kprobe on nvme_submit_user_cmd, ns per run)",
                    (f"nvmetrace {kp[0]:,.0f} ns; " if kp else "nvmetrace n/a; ") +
                    ", ".join(f"{c} {v:,.0f} ns" for c, v in alt.items()) +
                    (f" (with its kretprobe, which reads the status and latency the others "
                     f"do not, nvmetrace takes {fmt(nv)} ns a command)" if nv else ""),
                    None if not kp or not alt else all(kp[0] <= v for v in alt.values()))
        # The floor: an empty program on the same hook.
        ekp = [v for (c, wl, n), v in per_run.items() if c == "empty-kprobe" and wl == "storm"]
        # The least a program that pairs and records a command pays, over
        # an empty one (the ladder below): above 2x, the targets are out
        # of reach for any such program.
        floor = self.pair_floor_ns()
        reach = floor is None or floor[0] <= 2 * floor[1]
        floor_text = "" if floor is None else \
            f"; the least pairing tracer's program {floor[0] / floor[1]:.2f}x an empty one (below)"
        if kp and ekp:
            self.target("nvmetrace's kprobe within 2x of an empty kprobe",
                        f"{kp[0]:,.0f} vs {ekp[0]:,.0f} ns/run ({kp[0] / ekp[0]:.2f}x){floor_text}",
                        kp[0] <= 2 * ekp[0], reach)
        tp = [v for (c, wl, n), v in per_run.items() if c == "nvmetrace-a" and wl == "storm" and n.endswith("_setup")]
        etp = [v for (c, wl, n), v in per_run.items() if c == "empty-tp_btf" and wl == "storm"]
        if tp and etp:
            self.target("nvmetrace -a's nvme_setup_cmd program within 2x of an empty tp_btf",
                        f"{tp[0]:,.0f} vs {etp[0]:,.0f} ns/run ({tp[0] / etp[0]:.2f}x){floor_text}",
                        tp[0] <= 2 * etp[0], reach)

    def pair_floor_ns(self):
        """(ns, empty ns, how): the least a pairing tracer's program pays
        per run on the tp_btf setup hook (bench/empty.bpf.c's ladder: a
        record, and the cheaper pairing measured), and an empty one there."""
        per_run = self.per_run_ns
        empty = per_run("empty-tp_btf")
        rec = per_run("floor-record")
        # The cheaper way to pair measured (the table, where this run had it).
        pairs = [(v, how) for v, how in ((per_run("floor-table"), "pairing-table claim + release"),
                                         (per_run("floor-map"), "hash insert + delete")) if v]
        if not (rec and pairs and empty):
            return None
        pair, how = min(pairs)
        return rec + pair - empty, empty, how

    def ladder(self):
        """The floor ladder: one step of a tracer's work each, on
        nvme:nvme_setup_cmd, against an empty program there."""
        # floor-hist is a whole tracer on four programs, not a step.
        steps = [c for c in self.configs("COST") if c.startswith("floor-") and c != "floor-hist"]
        if not steps:
            return
        per_run = self.per_run_ns
        empty = per_run("empty-tp_btf")
        print("## What each step of tracing costs on this machine\n")
        print("bench/empty.bpf.c: programs on the tp_btf nvme_setup_cmd hook that "
              "each do one thing a tracer of NVMe commands does, measured like the "
              "tools above (bpf_stats, storm). \"x empty\" is the ratio to the "
              "empty program on the same hook; the target asks nvmetrace -a's "
              "setup program to stay within 2x of it.\n")
        print("| step | ns per run | x empty |")
        print("|---|---:|---:|")
        print(f"| {NAMES['empty-tp_btf']} | {fmt(empty)} | 1.00 |")
        for c in steps:
            v = per_run(c)
            print(f"| {NAMES.get(c, c)} | {fmt(v)} | "
                  f"{fmt(None if v is None or not empty else v / empty, '{:.2f}')} |")
        print()
        floor = self.pair_floor_ns()
        if floor:
            v, empty, how = floor
            self.target("the least a pairing tracer pays (timestamp, task, SQE, record, "
                        f"{how}) within 2x of an empty tp_btf",
                        f"{v:,.0f} vs {empty:,.0f} ns/run "
                        f"({v / empty:.2f}x): the floor itself, not nvmetrace",
                        v <= 2 * empty)

    def start_phases(self, warm):
        """Where an empty libbpf program's start goes, by its own clock."""
        rows = []
        for c, label in (("empty-kprobe", "empty BPF kprobe"), ("empty-tp_btf", "empty BPF tp_btf")):
            ph = self.of("STARTPHASES", config=c)
            if not ph or warm.get(c) is None:
                continue
            m = {k: med(num(r.get(k)) for r in ph)
                 for k in ("main_ms", "open_ms", "load_ms", "attach_ms", "btf_ms")}
            if any(v is None for v in m.values()):
                continue
            own = m["main_ms"] + m["open_ms"] + m["load_ms"] + m["attach_ms"]
            rows.append((label, m, warm[c] * 1e3 - own))
        if not rows:
            return {}
        print("Where the floor's start goes, by bench-empty's own clock (ms, median): "
              "from the fork that started it to main() (exec, the dynamic linker), "
              "libbpf's open of the skeleton, its load (feature probes, the kernel's "
              "BTF parsed for CO-RE, maps, the verifier), the attach; \"BTF parse\" "
              "is one parse of /sys/kernel/btf/vmlinux timed apart, after, as libbpf "
              "does it during the load; the rest is the harness noticing (a polling "
              "loop that starts no process, every 10 ms).\n")
        print("| program | to main() | open | load | of which BTF parse | attach | harness | attached |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for label, m, rest in rows:
            print(f"| {label} | {m['main_ms']:.0f} | {m['open_ms']:.0f} | {m['load_ms']:.0f} "
                  f"| {m['btf_ms']:.0f} | {m['attach_ms']:.0f} | {rest:.0f} "
                  f"| {m['main_ms'] + m['open_ms'] + m['load_ms'] + m['attach_ms'] + rest:.0f} |")
        print()
        return {label: m for label, m, _ in rows}

    def start(self):
        print("## Start to tracing\n")
        print("From exec to tracing. \"First record\": a marker command, issued "
              "every 50 ms, first appears in the tool's output; this is each tool's "
              "first start in the boot, its files not yet cached. \"Attached\": "
              "the tool is attached (nvmetrace -v says so; bpftrace's and BCC's "
              "kprobe is registered; asked every 10 ms), median of the later, warm "
              "starts; the target is checked on these.\n")
        print("| tool | first record, cold (s) | attached, warm (s) |")
        print("|---|---:|---:|")
        first = {}
        for r in self.of("LOSS"):
            first[r["config"]] = num(r.get("start_s"))
        warm = {c: med(num(r.get("seconds")) for r in self.of("ATTACH", config=c))
                for c in self.configs("ATTACH")}
        rows = [("nvmetrace", "nvmetrace-j", "nvmetrace"), ("nvmetrace -a", "nvmetrace-a-j-storm", "nvmetrace-a"),
                ("nvmetrace -a -H", None, "nvmetrace-H"),
                ("bpftrace", "bpftrace", "bpftrace"), ("BCC", "bcc", "bcc"), ("tracefs", "tracefs", "tracefs"),
                ("empty BPF kprobe (floor)", None, "empty-kprobe"),
                ("empty BPF tp_btf (floor)", None, "empty-tp_btf")]
        for label, lc, ac in rows:
            print(f"| {label} | {fmt(first.get(lc), '{:.2f}')} | {fmt(warm.get(ac), '{:.2f}')} |")
        print()
        print("The floor rows are bench-empty (a libbpf skeleton with one empty "
              "program): what loading and attaching any libbpf CO-RE program on "
              "these hooks takes here, before a tool does anything of its own.\n")
        phases = self.start_phases(warm)
        nv = max([v for v in (warm.get("nvmetrace"), warm.get("nvmetrace-a"), warm.get("nvmetrace-H"))
                  if v is not None], default=None)
        floors = [(warm[c], label) for c, label in (("empty-kprobe", "empty BPF kprobe"),
                                                    ("empty-tp_btf", "empty BPF tp_btf"))
                  if warm.get(c) is not None]
        floor, floor_label = min(floors) if floors else (None, None)
        for c, label in (("bpftrace", "bpftrace"), ("bcc", "BCC")):
            o = warm.get(c)
            extra = ""
            if o is not None and floor is not None and floor * 20 > o:
                extra = (f"; the quickest empty libbpf program alone takes {floor:.2f} s "
                         f"(1/{o / floor:.0f})")
                m = phases.get(floor_label)
                if m:
                    extra += (f", of which {m['main_ms']:.0f} ms to start the process and "
                              f"{m['btf_ms']:.0f} ms to parse the kernel's BTF, as any CO-RE "
                              f"program must")
                extra += ": 1/20 is out of reach here"
            self.target(f"start to tracing <= 1/20 of {label}'s (slowest nvmetrace mode, warm)",
                        "n/a" if nv is None or o is None else f"{nv:.2f} s vs {o:.2f} s (1/{o / nv:.0f}){extra}",
                        None if nv is None or o is None else nv * 20 <= o,
                        o is None or floor is None or floor * 20 <= o)

    def loss(self):
        print("## Events lost at the VM's top rate\n")
        print("Each tool traced the storm with its output going to a file; issued "
              "counts the storm's commands and the markers the tool printed.\n")
        print("| configuration | storm cmds/s | issued | received | issued - received | reported lost |")
        print("|---|---:|---:|---:|---:|---:|")
        for r in self.of("LOSS"):
            i, g, rep = int(r["issued"]), int(r["received"]), int(r["reported"])
            print(f"| {NAMES.get(r['config'], r['config'])} | {fmt(num(r.get('rate')))} "
                  f"| {i:,} | {g:,} | {i - g:,} | {rep:,} |")
            if r["config"] in ("nvmetrace-j", "nvmetrace-a-j-storm"):
                self.target(f"{NAMES[r['config']]}: nothing lost with the default buffer",
                            f"{i - g} missing, {rep} reported", i == g and rep == 0)
            if r["config"].endswith("-tiny"):
                # Only an overflow shows the count is exact; the faults
                # suite forces one (SIGSTOP) when the rate does not.
                self.target(f"{NAMES[r['config']]}: the exact loss is reported",
                            f"{i - g} missing, {rep} reported"
                            + ("" if i > g else " (no overflow at this rate)"),
                            (i - g == rep) if i > g else None)
        print()

    def rss(self):
        print("## Peak RSS and CPU of each tool\n")
        print("The tool's own process (the reader; for tracefs, `cat trace_pipe`): "
              "peak RSS, and the CPU it used while each workload ran, in % of one "
              "vCPU (user + system, from /proc/PID/stat), median over the "
              "repetitions. In-kernel BPF time is in the cost table above. On 2 host "
              "cores a busy reader also takes host CPU from QEMU's device emulation.\n")
        print("| configuration | peak RSS (MiB, median) | CPU during the storm | CPU during block I/O |")
        print("|---|---:|---:|---:|")
        for c in self.configs("RSS"):
            v = med(num(r.get("kib")) for r in self.of("RSS", config=c))
            cpu = {wl: med(num(r.get(wl)) for r in self.of("CPU", config=c))
                   for wl in ("storm", "fio")}
            print(f"| {NAMES.get(c, c)} | {fmt(None if v is None else v / 1024, '{:.1f}')} "
                  f"| {fmt(None if cpu['storm'] is None else cpu['storm'] * 100, '{:.1f}%')} "
                  f"| {fmt(None if cpu['fio'] is None else cpu['fio'] * 100, '{:.1f}%')} |")
        print()

    # --- instruction counts (the -icount boot) ------------------------------
    def ic_base(self, wl):
        """An untraced command's instructions, the whole system's, one per
        repetition: busy over the long run less the short, over the
        difference in commands."""
        vals = []
        for r in self.of("IBASE", workload=wl):
            dn = int(r["long_commands"]) - int(r["short_commands"])
            if dn > 0:
                vals.append((int(r["long_busy"]) - int(r["short_busy"])) / dn)
        return vals

    def ic_idle(self, config):
        """The reader's instructions per second of the clock while idle."""
        return med(int(r["ns"]) / int(r["clock_ns"]) * 1e9
                   for r in self.of("IREADER", config=config, workload="idle")
                   if int(r.get("clock_ns", 0)) > 0)

    def ic_tool(self, config, wl):
        """(BPF, reader) instructions per command of config on wl; the
        reader's less what it runs idle over the same clock (its timers)."""
        _, bpf = self.cost_of(config, wl)
        idle = self.ic_idle(config) or 0
        rd = [max(0, int(r["ns"]) - idle / 1e9 * int(r.get("clock_ns", 0))) / int(r["commands"])
              for r in self.of("IREADER", config=config, workload=wl) if int(r["commands"]) > 0]
        return bpf, med(rd)

    def ic_sys(self, config, wl, base):
        """The whole system's instructions per command with config attached
        (as ic_base, less what the reader runs idle over the clock between
        the runs), less an untraced command's (base); one a repetition."""
        idle = self.ic_idle(config) or 0
        vals = []
        for r in self.of("ISYS", config=config, workload=wl):
            dn = int(r["long_commands"]) - int(r["short_commands"])
            if dn > 0 and base:
                busy = int(r["long_busy"]) - int(r["short_busy"])
                clock = int(r["long_clock"]) - int(r["short_clock"])
                vals.append((busy - idle / 1e9 * clock) / dn - base)
        return vals

    def icount_section(self, ic):
        shift = (ic.of("INFO") or [{}])[0].get("icount_shift", "0")
        print("## Instructions per command (QEMU -icount)\n")
        print(f"A second boot runs the guest under QEMU's `-icount shift={shift},sleep=off` on one "
              "vCPU: the guest's clock advances one nanosecond for each instruction the vCPU runs "
              "and jumps over the time it is halted, so the kernel's own nanosecond counters "
              "count instructions, the same from one run to the next, and what the emulated "
              "device and the host do does not enter them. An untraced command's instructions "
              "are the whole system's (the clock of /proc/timer_list less its idle time), over "
              "runs of 20,000 and 5,000 commands, the difference over the difference in "
              "commands; they vary by a few percent from run to run (whether the submitter has "
              "gone to sleep before the completion comes), shown as the range over the "
              "repetitions. A tool's instructions are its BPF programs' (bpf_stats, exact) and "
              "its own process's (the reader: its threads' run time, /proc/PID/task/*/schedstat) "
              "over 20,000 commands, less what the reader runs idle over the same clock (its "
              "timers: the clock jumps over the halted vCPU's waits, by minutes over the block "
              "reads, and the timers fire all the same; \"idle\" below, per second of the "
              "clock); the kernel's work to enable a hook (the tracepoint's or "
              "kprobe's dispatch) is in neither. Block I/O here is dd's 4 KiB O_DIRECT reads, one "
              "at a time (fio completes no I/O under -icount), through mq-deadline (one vCPU, "
              "one I/O queue, the kernel's default), so -a's block:block_rq_insert program runs "
              "for every read. A share is the tool's instructions over an untraced command's: "
              "what it adds to a CPU-bound workload, where the timed rates above also carry "
              "the emulated device's latency.\n")
        base = {wl: ic.ic_base(wl) for wl in ("storm", "block")}
        bmed = {wl: med(v) for wl, v in base.items()}
        print("| untraced command | storm (Identify) | block I/O (4 KiB read) |")
        print("|---|---:|---:|")
        print("| instructions, median | " + " | ".join(fmt(bmed[wl]) for wl in ("storm", "block")) + " |")
        print("| range over repetitions | " + " | ".join(
            f"{min(v):,.0f} - {max(v):,.0f}" if v else "n/a" for v in base.values()) + " |")
        print()
        print("| configuration | storm: BPF | reader | total | share | block I/O: BPF | reader | total "
              "| share | reader idle, per s |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        share = {}
        total = {}
        for c in ic.configs("IREADER"):
            cells = []
            for wl in ("storm", "block"):
                bpf, rd = ic.ic_tool(c, wl)
                t = None if rd is None else (bpf or 0) + rd
                total[(c, wl)] = t
                share[(c, wl)] = None if t is None or not bmed[wl] else t / bmed[wl]
                cells += [fmt(bpf), fmt(rd), fmt(t), fmt(None if share[(c, wl)] is None else
                                                         share[(c, wl)] * 100, "{:.1f}%")]
            print(f"| {NAMES.get(c, c)} | " + " | ".join(cells) + f" | {fmt(ic.ic_idle(c))} |")
        print()
        print("tracefs's row is its reader (`cat trace_pipe`) alone: the kernel's work to "
              "build each event in the ring buffer is not separable here. bpftrace's and BCC's "
              "seed scripts do not see block I/O (their hook is nvme_submit_user_cmd).\n")
        sys_added = {}
        if ic.of("ISYS"):
            print("The whole system with each tool attached, counted as an untraced command is "
                  "(runs of 10,000 and 2,500 commands, the difference over the difference in "
                  "commands, bpf_stats off), less an untraced command's (the median above) and "
                  "what the reader runs idle over the same clock: everything the tool adds, "
                  "whoever runs it (its programs, its reader, the hooks' dispatch, the wakeups "
                  "and context switches it causes). The reader's run time above is not quite "
                  "that: it also holds the interrupts that come while it runs (their completion "
                  "work and programs, which bpf_stats counts again), where the kernel does not "
                  "set CONFIG_IRQ_TIME_ACCOUNTING, as Debian's 6.1 does not. Median over the "
                  "repetitions, and its range. These counts move more than the exact ones: any "
                  "program on the path changes when the submitter goes to sleep and when the "
                  "completion comes, and with them which kernel paths run (the floors' rows: "
                  "an empty program, and nvmetrace's default on block I/O, which it does not "
                  "trace, show how far), so the targets are judged on the exact counts and "
                  "these are shown beside them.\n")
            print("| configuration | storm: added | share | range | block I/O: added | share "
                  "| range |")
            print("|---|---:|---:|---:|---:|---:|---:|")
            for c in ic.configs("ISYS"):
                cells = []
                for wl in ("storm", "block"):
                    v = ic.ic_sys(c, wl, bmed[wl])
                    m = med(v)
                    sys_added[(c, wl)] = None if m is None or not bmed[wl] else m / bmed[wl]
                    cells += [fmt(m), fmt(None if sys_added[(c, wl)] is None else
                                          sys_added[(c, wl)] * 100, "{:.1f}%"),
                              f"{min(v):,.0f} - {max(v):,.0f}" if v else "n/a"]
                print(f"| {NAMES.get(c, c)} | " + " | ".join(cells) + " |")
            print()

        def pct(c, wl):
            v = share.get((c, wl))
            return fmt(None if v is None else v * 100, "{:.1f}%")
        def sys_pct(c, wl):
            v = sys_added.get((c, wl))
            return fmt(None if v is None else v * 100, "{:.1f}%")

        def sys_text(c, wl, inside=False):
            """The whole system's count beside an exact one."""
            if (c, wl) not in sys_added:
                return ""
            return (f"; whole system {sys_pct(c, wl)}" if inside else
                    f" (whole system {sys_pct(c, wl)})")

        def within(c, wl, limit):
            """BPF + reader, exact, within the limit (the whole system's
            count is shown beside it: see its table)."""
            v = share.get((c, wl))
            return None if v is None else v <= limit
        def floor_above(c, wl, limit):
            v = share.get((c, wl))
            return v is not None and v > limit

        def print_text(wl):
            """The least tracer that prints every command: floor_rec, and
            each record formatted as a line of text (bench-empty --print)."""
            if share.get(("floor-print", wl)) is None:
                return ""
            _, rd_p = ic.ic_tool("floor-print", wl)
            _, rd_r = ic.ic_tool("floor-rec", wl)
            line = (f", of which {fmt(rd_p - rd_r)} to format the line"
                    if rd_p is not None and rd_r is not None else "")
            return (f"; the least tracer that prints each command as a line of text "
                    f"(floor_rec's programs, each record formatted with nvmetrace's own number "
                    f"writers and nothing else: bench-empty --print) {pct('floor-print', wl)} "
                    f"({fmt(total.get(('floor-print', wl)))}{line})")

        def capture_text(wl):
            """-a -w beside -a: the same records written as a capture, not
            formatted; the readers' difference is what the rows' formatting
            costs."""
            w = share.get(("nvmetrace-a-w", wl))
            if w is None:
                return ""
            _, rd_a = ic.ic_tool("nvmetrace-a", wl)
            _, rd_w = ic.ic_tool("nvmetrace-a-w", wl)
            fmt_cost = (f": formatting the table rows, -a's reader less -a -w's, takes "
                        f"{fmt(rd_a - rd_w)} ({fmt((rd_a - rd_w) / bmed[wl] * 100, '{:.1f}%')})"
                        if rd_a is not None and rd_w is not None and bmed[wl] else "")
            return (f"; the same records written as a capture (nvmetrace -a -w, printed later "
                    f"with -r) {pct('nvmetrace-a-w', wl)} ({fmt(total.get(('nvmetrace-a-w', wl)))})"
                    + fmt_cost)
        for wl, label in (("storm", "passthrough storm"), ("block", "block I/O")):
            self.target(f"nvmetrace -a costs <= 5% on the {label}, in instructions "
                        "(BPF + reader, of an untraced command's)",
                        f"{pct('nvmetrace-a', wl)} ({fmt(total.get(('nvmetrace-a', wl)))} of "
                        f"{fmt(bmed[wl])}{sys_text('nvmetrace-a', wl, True)}); the least tracer "
                        f"that sends each command to user space with what -a shows of it "
                        f"(bench/empty.bpf.c floor_rec, records read and dropped) "
                        f"{pct('floor-rec', wl)} ({fmt(total.get(('floor-rec', wl)))}"
                        f"{sys_text('floor-rec', wl, True)}), empty programs on its "
                        f"hooks {pct('empty-a', wl)}{sys_text('empty-a', wl)}"
                        + capture_text(wl) + print_text(wl),
                        within("nvmetrace-a", wl, 0.05),
                        # Out of reach when the least tracer that prints
                        # each command (or, unmeasured, that sends it) is
                        # above the target.
                        not floor_above("floor-print" if share.get(("floor-print", wl)) is not None
                                        else "floor-rec", wl, 0.05))
            seeing = ALTERNATIVES if wl == "storm" else SEE_BLOCK_IO
            alts = {c: total.get((c, wl)) for c in seeing if total.get((c, wl)) is not None}
            ta = total.get(("nvmetrace-a", wl))
            self.target(f"nvmetrace -a cheaper than every alternative on the {label}, "
                        "in instructions per command",
                        f"nvmetrace -a {fmt(ta)}; " + ", ".join(
                            f"{c} {v:,.0f}" + (" (its reader alone)" if c == "tracefs" else "")
                            for c, v in alts.items()),
                        None if ta is None or not alts else all(ta <= v for v in alts.values()))
            sa = sys_added.get(("nvmetrace-a", wl))
            salts = {c: sys_added[(c, wl)] for c in seeing if sys_added.get((c, wl)) is not None}
            if sa is not None and salts:
                self.target(f"nvmetrace -a cheaper than every alternative on the {label}, "
                            "in the whole system's instructions per command (tracefs's "
                            "events included)",
                            f"nvmetrace -a {sys_pct('nvmetrace-a', wl)}; " + ", ".join(
                                f"{c} {sys_pct(c, wl)}" for c in salts),
                            all(sa <= v for v in salts.values()))
            self.target(f"nvmetrace -a -H costs <= 2% on the {label}, in instructions",
                        f"{pct('nvmetrace-H', wl)} ({fmt(total.get(('nvmetrace-H', wl)))} of "
                        f"{fmt(bmed[wl])}{sys_text('nvmetrace-H', wl, True)}); the least latency "
                        f"histogram on these hooks (bench/empty.bpf.c) {pct('floor-hist', wl)}"
                        f"{sys_text('floor-hist', wl)}, empty programs {pct('empty-a', wl)}",
                        within("nvmetrace-H", wl, 0.02), not floor_above("floor-hist", wl, 0.02))
        # Per event, on the same hook, exact: nvmetrace's kprobe on
        # nvme_submit_user_cmd against bpftrace's and BCC's, and against an
        # empty one; -a's setup program against an empty tp_btf.
        def per_run(config, suffix=None):
            progs, _ = ic.cost_of(config, "storm")
            v = [ns / runs for name, (_, runs, ns) in progs.items()
                 if runs and (suffix is None or name.endswith(suffix))]
            return v[0] if v else None
        kp = per_run("nvmetrace", ("_kp", "_kp_t"))
        alts = {c: per_run(c) for c in ("bpftrace", "bcc")}
        alts = {c: v for c, v in alts.items() if v is not None}
        if kp is not None and alts:
            self.target("nvmetrace's per-event cost <= bpftrace's and BCC's on the same hook "
                        "(kprobe on nvme_submit_user_cmd), in instructions per run",
                        f"nvmetrace {kp:,.0f}; " + ", ".join(f"{c} {v:,.0f}" for c, v in alts.items()),
                        all(kp <= v for v in alts.values()))
        ekp = per_run("empty-kprobe")
        etp = per_run("empty-tp_btf")
        # The least setup program of a tracer that records each command
        # (floor_rec_setup: a pairing-table claim, timestamp, task, SQE):
        # above 2x an empty program, the targets are out of reach.
        frs = per_run("floor-rec", "floor_rec_setup")
        reach = frs is None or not etp or frs <= 2 * etp
        floor_text = "" if frs is None or not etp else \
            f"; the least recording tracer's setup program (floor_rec_setup) {frs:,.0f} ({frs / etp:.2f}x an empty tp_btf)"
        if kp is not None and ekp:
            self.target("nvmetrace's kprobe within 2x of an empty kprobe, in instructions per run",
                        f"{kp:,.0f} vs {ekp:,.0f} ({kp / ekp:.2f}x){floor_text}", kp <= 2 * ekp, reach)
        tp = per_run("nvmetrace-a", "_setup")
        if tp is not None and etp:
            self.target("nvmetrace -a's nvme_setup_cmd program within 2x of an empty tp_btf, "
                        "in instructions per run",
                        f"{tp:,.0f} vs {etp:,.0f} ({tp / etp:.2f}x){floor_text}", tp <= 2 * etp, reach)

    def notes(self):
        bad = self.of("ERROR") + self.of("NOTE")
        if bad:
            print("## Notes from the run\n")
            for r in bad:
                print(f"- {r['kind']}: {r['text']}")
            print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--command", required=True)
    ap.add_argument("--icount", help="the -icount boot's BENCH lines")
    ap.add_argument("vm")
    ap.add_argument("replay")
    args = ap.parse_args()
    rep = Report(parse(args.vm))
    info = " ".join(r["text"] for r in rep.of("INFO"))
    print("# nvmetrace performance\n")
    print(f"Produced by `{args.command}` on {datetime.date.today()} "
          f"({os.cpu_count()} host cores). The VM is QEMU TCG (no KVM) with "
          "its emulated NVMe controller, so absolute rates are low and the "
          "ratios are what carry over; every timed figure comes from the same boot, "
          "and the instruction counts from a second boot under QEMU's -icount. "
          "TCG runs each of the guest's two vCPUs on a host thread of its own "
          "(unless the command says BENCH_TCG_THREAD=single).\n")
    print(f"Guest: {info}\n")
    print("Reading the figures: under TCG an untraced run's rate varies by "
          "tens of percent from one run to the next (compare \"nvmetrace "
          "(default)\" on block I/O, which it does not trace, or ratios above 1), "
          "so only large differences in the ratios mean something; the BPF run "
          "times (bpf_stats) are steadier. Emulation also makes guest code "
          "(the BPF programs) slower relative to QEMU's device model, which "
          "inflates every tracer's cost compared with a real drive. " + rep.bound_text() +
          "A tool whose reader keeps the vCPUs busy (bpftrace's, BCC's, tracefs's "
          "`cat`, which wake for every event) has raised the storm's rate above the "
          "untraced rate: the likely cause is that a running vCPU takes the "
          "completion interrupt at once, where a halted one must first be woken" +
          rep.spin_text() + ". Such ratios above 1 measure the emulator, not the tool.\n")
    saved = sys.stdout
    buf = io.StringIO()
    sys.stdout = buf
    rep.rates()
    if args.icount:
        rep.icount_section(Report(parse(args.icount)))
    rep.costs()
    rep.ladder()
    rep.start()
    rep.loss()
    rep.rss()
    rep.host_cpu()
    print("## Replay on the host\n")
    replay = open(args.replay).read().strip()
    print(replay + "\n")
    rep.notes()
    sys.stdout = saved
    print("## Targets\n")
    print("| target | measured | |")
    print("|---|---|---|")
    for what, measured, v in rep.targets:
        print(f"| {what} | {measured} | {v} |")
    print("\nReplay targets (>= 5 M records/s to the table, >= 2 M/s to JSON, "
          "peak RSS <= 16 MB) are in the replay table below.\n")
    print(buf.getvalue(), end="")


if __name__ == "__main__":
    main()
