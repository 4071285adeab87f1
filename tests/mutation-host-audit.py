"""Checks a Stryker.NET run made with the MTP test runner for results distorted by static state.

The MTP runner reuses one test host for many mutants. Static state (DemoPolicy.Version, the tests' static test data)
is built once per host, under whichever mutant is active when the host runs its first test. If that mutant changes
code the static initialisers run (Money.FromYuan, Ratio.FromPercent, ...), every later mutant on that host is tested
against corrupted data and may be reported killed when it is not. This lists the mutant that started each host and
flags the ones that can do that; a flagged host means its later results must be re-checked (rerun the mutation test).

usage: python3 tests/mutation-host-audit.py StrykerOutput/full   (a run made with --log-to-file)
exit status: 0 nothing to re-check, 1 some results to re-check, 2 missing input
"""
import glob
import json
import re
import sys

# Members that run while static state is built (engine statics and the tests' static test data).
STATIC_REACHABLE = {
    "FromYuan", "TryFromYuan", "FromPercent", "FromDecimal", "TryFromDecimal", "FindCategory", "RuleFor",
    "InSettlementOrder", "Weights", "Version", "Categories", "OpeningFundBalances", "Category",
}
MEMBER = re.compile(r"^    (?:public|private|internal|protected)\b.*?\b(operator\s*[^\s(]+|\w+)\s*(?:\(|\{|=>|=|$)")

output = sys.argv[1] if len(sys.argv) > 1 else "StrykerOutput/full"
logs = sorted(glob.glob(f"{output}/logs/log-*.txt"))
try:
    report = json.load(open(f"{output}/reports/mutation-report.json", encoding="utf-8"))
except OSError:
    logs = []
if not logs:
    print(f"host audit: no trace log or report under {output} (run with --log-to-file)")
    sys.exit(2)

mutants = {}
for path, file in report["files"].items():
    source = file["source"].split("\n")
    for mutant in file["mutants"]:
        line = mutant["location"]["start"]["line"]
        member = next((m.group(1) for m in (MEMBER.match(source[i]) for i in range(line - 1, -1, -1)) if m), "?")
        mutants[mutant["id"]] = (path.split("/")[-1], line, member, mutant.get("static", False), mutant["status"])

hosts, current, restarted = {}, {}, set()  # runner -> list of hosts, each the mutant ids it tested in order
for text in open(logs[0], encoding="utf-8", errors="replace"):
    if m := re.search(r'"(MtpRunner-\d+)": Testing mutant\(s\) \[([^\]]*)\]', text):
        runner, ids = m.group(1), [i.strip().strip('"') for i in m.group(2).split(",") if i.strip()]
        current[runner] = ids
        if runner in restarted or not hosts.get(runner):  # a host restarted after a timeout starts with the next run
            restarted.discard(runner)
            hosts.setdefault(runner, []).append([])
        hosts[runner][-1].extend(ids)
    elif m := re.search(r'"(MtpRunner-\d+)": Restarting test server .* after timeout', text):
        restarted.add(m.group(1))
    elif m := re.search(r'"(MtpRunner-\d+)": Test server started successfully', text):
        runner = m.group(1)
        if runner in current and runner not in restarted:  # started within the current mutant's run
            ids = current[runner]
            if hosts[runner][-1][-len(ids):] == ids:
                del hosts[runner][-1][-len(ids):]
            hosts[runner].append(list(ids))

started = [host for runner_hosts in hosts.values() for host in runner_hosts if host]
suspect = []
for host in started:
    file, line, member, static, status = mutants.get(host[0], ("?", 0, "?", False, "?"))
    risky = static or member in STATIC_REACHABLE
    later = [mutant_id for mutant_id in host[1:] if mutant_id != host[0]]
    print(f"host audit: host started by mutant {host[0]} {file}:{line} ({member}, {status}), then tested {len(later)} more"
          + (" - FLAGGED: it changes static state the later ones were tested against" if risky and later else ""))
    if risky:
        suspect += later
print(f"host audit: {len(started)} test host(s); results to re-check: {', '.join(suspect) if suspect else 'none'}")
sys.exit(1 if suspect else 0)
