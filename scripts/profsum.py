#!/usr/bin/env python3
"""Where one created case's server CPU goes, from scripts/profile.sh's output directory:
the profile's cumulative CPU of a few functions, divided by the cases the intake created
while it ran. Areas overlap where one calls another (the write transaction holds the rest).

    scripts/profsum.py DIR [DIR...]
"""
import json, re, subprocess, sys

AREAS = [
    ("all server CPU", None),
    ("HTTP request (handler and below)", r"net/http\.\(\*conn\)\.serve$"),
    ("  token lookup (Authenticate)", r"app\.\(\*App\)\.Authenticate$"),
    ("  application command (app.Apply)", r"app\.\(\*App\)\.Apply$"),
    ("    applicant: tier, risk score", r"app\.\(\*App\)\.applicant$"),
    ("      risk features (store)", r"\.\(\*Tx\)\.RiskFeatures$"),
    ("    policy evaluation (CEL)", r"policy\.\(\*Engine\)\.Evaluate$"),
    ("    triage (segmenting, model)", r"triage\.\(\*Model\)\.Suggest$"),
    ("    triage record and articles", r"app\.\(\*App\)\.triageSubject$"),
    ("    persist (case, event, timers, outbox, audit)", r"app\.\(\*App\)\.persist$"),
    ("    desk auto-assignment", r"app\.\(\*App\)\.autoAssign$"),
    ("    response (case view)", r"app\.\(\*App\)\.caseView$"),
    ("    commit", r"(database/sql\.\(\*Tx\)\.Commit|postgres\.\(\*Tx\)\.commit)$"),
    ("  JSON encoding", r"encoding/json\.Marshal$"),
    ("background: report folding", r"app\.\(\*App\)\.FoldReports$"),
    ("background: outbox relay", r"scheduler\.\(\*Relay\)\.Run$"),
    ("garbage collection", r"runtime\.gcBgMarkWorker$"),
]

def summarize(d):
    r = json.load(open(f"{d}/intake.json"))
    out = subprocess.run(["go", "tool", "pprof", "-top", "-cum", "-nodecount=100000", f"{d}/aftersales", f"{d}/cpu.pprof"],
                         capture_output=True, text=True).stdout
    total = float(re.search(r"Total samples = ([\d.]+)(m?s)", out).group(1))
    unit = re.search(r"Total samples = [\d.]+(m?s)", out).group(1)
    total = total / 1000 if unit == "ms" else total
    cum = {}
    for line in out.splitlines():
        m = re.match(r"\s*\S+\s+\S+\s+\S+\s+([\d.]+)(m?s)\s+\S+\s+(.*)$", line)
        if m:
            v = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
            cum.setdefault(m.group(3).strip(), v)
    # cases created while the profile ran: the intake's rate times the profile's duration
    dur = float(re.search(r"Duration: ([\d.]+)s", out).group(1))
    cases = r["ops_per_second"] * dur
    res = {}
    for name, pat in AREAS:
        v = total if pat is None else sum(c for f, c in cum.items() if re.search(pat, f))
        res[name] = 1000 * v / cases
    return r, res

cols = [summarize(d) for d in sys.argv[1:]]
print("| ms of CPU per case | " + " | ".join(sys.argv[1:]) + " |")
print("|---|" + "---|" * len(cols))
print("| intake cases/s | " + " | ".join(f"{r['ops_per_second']:.0f}" for r, _ in cols) + " |")
for name, _ in AREAS:
    print(f"| {name} | " + " | ".join(f"{res[name]:.2f}" for _, res in cols) + " |")
