#!/usr/bin/python3
"""test_mutgen.py: the mutant generator's own tests (the mutgen suite): the
points of tests/mutgen/fixture.c, the sample's reproducibility, patches that
apply and compile, and how sample.py picks the tests of a line."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
os.chdir(TOP)
import mutgen  # noqa: E402
import sample  # noqa: E402

FIX = "tests/mutgen/fixture.c"
# every point of the fixture: (line, op, old, new)
WANT = [
    (17, "negate", "a < b", "!(a < b)"),
    (17, "return", "", "return 0;\n\t"),
    (17, "relop", "<", "<="),
    (17, "relop", "<", ">"),
    (18, "arith", "-", "+"),
    (19, "return", "", "return 0;\n\t"),
    (19, "arith", "*", "/"),
    (19, "const", "1000", "1"),
    (24, "return", "", "return false;\n\t"),
    (24, "logic", "&&", "||"),
    (31, "negate", "i < n", "!(i < n)"),
    (31, "return", "", "return;\n\t"),
    (31, "const", "0", "1"),
    (31, "relop", "<", "<="),
    (31, "relop", "<", ">"),
    (32, "delcall", 'note("x");', ";"),
    (33, "swapargs", "n, i", "i, n"),
    (33, "delcall", "pair(n, i);", ";"),
    (33, "return", "", "return;\n\t"),
    (34, "delcall", 'say("%d", n, i);', ";"),
    (34, "return", "", "return;\n\t"),
    (35, "arith", "+=", "-="),
    (35, "delstmt", "i += TWICE(n);", ";"),
    (35, "return", "", "return;\n\t"),
    (36, "negate", "n", "!(n)"),
    (36, "return", "", "return;\n\t"),
    (37, "delstmt", "break;", ";"),
    (42, "return", "", "return NULL;\n\t"),
    (59, "delstmt", "*p = -1;", ";"),
    (59, "return", "", "return 0;\n\t"),
    (59, "const", "1", "0"),  # (-1 to -0; never to the sentinel -2)
    (60, "return", "", "return 0;\n\t"),
    (61, "return", "", "return 0;\n\t"),
    (70, "return", "", "return 0;\n\t"),
    (70, "arith", "+", "-"),
    (70, "arith", "+", "-"),
    (70, "relop", "==", "!="),
    (70, "const", "1", "0"),
    (70, "const", "1", "2"),
    (70, "const", "0", "1"),
    (70, "swapargs", "t, s", "s, t"),  # (not !strcmp(s, t), nor memcmp(...) == 0)
    (77, "swapargs", "n,\n\t     i < n", "i < n,\n\t     n"),
    (77, "delcall", "pair(n,\n\t     i < n);", ";"),
    (77, "return", "", "return;\n\t"),
    (78, "relop", "<", "<="),
    (78, "relop", "<", ">"),
    (85, "return", "", "return 0;\n\t"),  # (not out[16]: a parameter's size is no type)
]
# (no return before fix_ptr's last return, nor before free() in fix_free: what
# it skips is the same return, or a leak; fix_tail's returns another value)

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s%s" % (name, (": " + detail) if detail else ""))


pts = mutgen.scan([FIX])
got = [(p.line, p.op, p.old, p.text) for p in pts]
check("the fixture's points", sorted(got) == sorted(WANT),
      "extra %s, missing %s" % (sorted(set(got) - set(WANT)), sorted(set(WANT) - set(got))))

# what is not a point: file-scope data, a macro's body, a case label, free(),
# a variadic argument
src = open(FIX).read()
for what, text in (("file-scope table", "{ 1, 2, 3 }"), ("macro body", "((x) + (x))"),
                   ("case label", "case 7"), ("buffer's size", "buf[32]")):
    at = src.index(text)
    inside = [p for p in pts if at <= p.start < at + len(text)]
    check("no point in the " + what, not inside, str([p.as_dict() for p in inside]))
check("free() is not removed", not [p for p in pts if p.old.startswith("free(")])
check("no variadic swap", not [p for p in pts if p.op == "swapargs" and "%d" in p.old])

# the old text is where the point says
check("old text at its offsets",
      all(src.encode()[p.start:p.end].decode() == p.old for p in pts))

# reproducible: one seed, one sample; another seed, another
a = [p.key() for p in mutgen.sample(pts, 8, 3)]
b = [p.key() for p in mutgen.sample(mutgen.scan([FIX]), 8, 3)]
c = [p.key() for p in mutgen.sample(pts, 8, 4)]
check("same seed, same sample", a == b and len(a) == 8, "%s / %s" % (a, b))
check("another seed, another sample", a != c)
big = mutgen.sample(pts, 100, 1)
check("no two mutants of a sample share a byte",
      all(not (p is not q and p.start <= q.end and q.start <= p.end)
          for p in big for q in big), str(len(big)))
check("a sample is at most what there is", 0 < len(big) <= len(pts))

# each point as a patch: applies, gives the mutated text, compiles
with tempfile.TemporaryDirectory() as tmp:
    bad = []
    for p in pts:
        d = os.path.join(tmp, "t")
        os.makedirs(os.path.join(d, "tests", "mutgen"), exist_ok=True)
        with open(os.path.join(d, FIX), "w") as f:
            f.write(src)
        r = subprocess.run(["patch", "-s", "-p1", "--fuzz=0", "-d", d],
                           input=mutgen.patch(p).encode(), capture_output=True)
        with open(os.path.join(d, FIX), "rb") as f:
            ok = r.returncode == 0 and f.read() == mutgen.mutated(p)
        cc = subprocess.run(["cc", "-std=gnu11", "-fsyntax-only", os.path.join(d, FIX)],
                            capture_output=True)
        if not ok or cc.returncode != 0:
            bad.append((p.as_dict(), r.stderr[:80], cc.stderr[:200]))
    check("every patch applies and compiles", not bad, str(bad[:2]))

# the command line: a seed's sample printed as patches with their header
r = subprocess.run([sys.executable, "tests/mutgen/mutgen.py", "--seed", "3", "-n", "2", FIX],
                   capture_output=True, text=True)
first = mutgen.sample(pts, 2, 3)[0]
check("mutgen.py prints the sample",
      r.returncode == 0 and r.stdout.startswith("# mutant 3-001: %s:%d %s" %
                                                (FIX, first.line, first.op))
      and "\n+++ b/" + FIX in r.stdout and r.stdout.count("# mutant 3-") == 2,
      r.stdout[:200] + r.stderr)

# sample.py: the covering tests as runs, cheapest first; a suite-level unit
# means the whole suite
secs = {"cli": 5.0, "integration/poweroff": 3.0, "integration/disk": 9.0,
        "events": 40.0, "events/pause": 1.0, "pattern": 0.5}
runs = sample.plan({"cli", "integration/poweroff", "integration/disk", "pattern"}, secs)
check("plan: cheapest first, tests grouped by suite",
      runs == [(0.5, "pattern", ""), (5.0, "cli", ""), (12.0, "integration", "disk poweroff")],
      str(runs))
runs = sample.plan({"events", "events/pause"}, secs)
check("plan: the suite's own lines run the whole suite", runs == [(41.0, "events", "")],
      str(runs))

# the coverage map: a line maps to the units that executed it
with tempfile.TemporaryDirectory() as tmp:
    import json
    for unit, lines in (("cli", {"core/a.c": [1, 2]}), ("integration/poweroff",
                                                         {"core/a.c": [2], "core/b.c": [7]})):
        with open(os.path.join(tmp, unit.replace("/", "@") + ".json"), "w") as f:
            json.dump({"unit": unit, "seconds": 1.5, "lines": lines}, f)
    seconds, where = sample.load_covmap(tmp)
    check("covmap: units and lines", seconds == {"cli": 1.5, "integration/poweroff": 1.5} and
          where[("core/a.c", 2)] == {"cli", "integration/poweroff"} and
          where[("core/a.c", 1)] == {"cli"} and ("core/b.c", 1) not in where, str(where))

# a point on a line gcov counted nothing on is judged by the units that execute
# its statement's first line (a call written over two lines)
two = [p for p in pts if p.line == 78]
check("statement: a point's statement starts where it does, or above",
      len(two) == 2 and all(p.stmt == 77 for p in two) and
      all(p.stmt == p.line for p in pts if p.line != 78), str([(p.line, p.stmt) for p in pts]))
w = {(FIX, 77): {"cli"}, (FIX, 33): {"pattern"}}
check("covering: the statement's line when its own has nothing",
      sample.covering(w, two[0]) == {"cli"} and
      sample.covering({**w, (FIX, 78): {"events"}}, two[0]) == {"events"} and
      sample.covering({}, two[0]) == set())

# the survivors' re-run: applied together, split on failure until each failing
# mutant is found (a fake scratch copy: mutants 2 and 5 fail suite "events")
class FakeScratch:
    def __init__(self, path):
        self.path, self.applied, self.runs = path, [], []
        os.makedirs(os.path.join(path, "logs"), exist_ok=True)

    def apply(self, points):
        self.applied = list(points)
        return {}

    def make(self):
        return True

    def tests(self, suites, tests, timeout, name):
        self.runs.append((suites, len(self.applied), tests))
        bad = [p for p in self.applied if p in (2, 5)]
        with open(os.path.join(self.path, "logs", name + ".log"), "w") as f:
            if bad:
                f.write("---- events failed (exit 1) ----\nFAIL: mutant %s\n" % bad)
                f.write("".join("FAILED TEST: t%d\n" % p for p in bad))
        return (not bad), ("FAIL: mutant %s" % bad if bad else "")

    def restore(self, saved):
        self.applied = []


with tempfile.TemporaryDirectory() as tmp:
    fake = FakeScratch(tmp)
    group = [{"id": "20261207-%03d" % i, "point": i} for i in range(16)]  # (real ids: long)
    out = {}
    sample.confirm(fake, group, [], out)
    check("re-run: each failing mutant found, no other", sorted(out) == ["20261207-002", "20261207-005"], str(out))
    logs = os.listdir(os.path.join(tmp, "logs"))
    check("re-run: every run's log kept, under its own name",
          len(logs) == len(fake.runs) and len(set(logs)) == len(logs), str(logs))
    check("re-run: the whole suite first, then only the suites and tests that failed",
          fake.runs[0] == ("", 16, "") and fake.runs[1] == ("events", 8, "t2 t5") and
          all(r[0] == "events" and r[2] for r in fake.runs[1:]), str(fake.runs))
    out = {}
    fake.runs = []
    sample.confirm(fake, [g for g in group if g["point"] not in (2, 5)], [], out)
    check("re-run: survivors that pass together survive, in one run",
          out == {} and fake.runs == [("", 14, "")], str((out, fake.runs)))

# with the coverage map, a failure is split first on the mutants its tests
# execute: the others pass together in one run, however many they are
class Pt:
    def __init__(self, i):
        self.path, self.line, self.stmt, self.i = "core/a.c", i, i, i

    def __eq__(self, o):
        return self.i == o


class CovScratch(FakeScratch):
    def apply(self, points):
        self.applied = [p.i for p in points]
        return {}


with tempfile.TemporaryDirectory() as tmp:
    fake = CovScratch(tmp)
    group = [{"id": "m%02d" % i, "point": Pt(i)} for i in range(16)]
    where = {("core/a.c", i): {"events/t%d" % i if i in (2, 5, 9) else "cli"} for i in range(16)}
    out = {}
    sample.confirm(fake, group, [], out, "", where, set())
    check("re-run: split on the mutants the failed tests execute",
          sorted(out) == ["m02", "m05"] and fake.runs[1] == ("events", 2, "t2 t5") and
          fake.runs[-1] == ("events", 14, "t2 t5") and len(fake.runs) == 7, str(fake.runs))
    fake.runs, out = [], {}
    sample.confirm(fake, group, [], out, "", where, {"core/a.c"})
    check("re-run: a file changed since the map: halves",
          sorted(out) == ["m02", "m05"] and fake.runs[1] == ("events", 8, "t2 t5"),
          str(fake.runs))
    fake.runs, out = [], {}
    sample.confirm(fake, group, [], out, "", {}, set())
    check("re-run: a failure no mutant's lines explain: halves",
          sorted(out) == ["m02", "m05"] and fake.runs[1] == ("events", 8, "t2 t5"),
          str(fake.runs))

# a kill counts only when the tests that failed pass without the mutant: here
# they fail with none applied too (a test broken, or flaky on a busy machine)
class FlakyScratch(FakeScratch):
    def tests(self, suites, tests, timeout, name):
        self.runs.append((suites, len(self.applied), tests))
        bad = [p for p in self.applied if p == 2] or not self.applied
        with open(os.path.join(self.path, "logs", name + ".log"), "w") as f:
            if bad:
                f.write("---- events failed (exit 1) ----\nFAILED TEST: t2\n")
        return (not bad), ("FAIL: t2" if bad else "")


with tempfile.TemporaryDirectory() as tmp:
    fake = FlakyScratch(tmp)
    out = {}
    sample.confirm(fake, [{"id": "a", "point": 1}, {"id": "b", "point": 2}], [], out)
    check("re-run: a kill whose tests fail unmutated too is not counted",
          out == {} and fake.runs[-1] == ("events", 0, "t2"), str((out, fake.runs)))
    fake = FakeScratch(tmp)
    sample.confirm(fake, [{"id": "a", "point": 1}, {"id": "b", "point": 2}], [], out)
    check("re-run: a kill is checked on the unmutated tree, by the tests that failed",
          out == {"b": "FAIL: mutant [2]"} and fake.runs[-1] == ("events", 0, "t2"),
          str((out, fake.runs)))

# the sanitizer re-run: the suites (and shell tests) that execute the
# survivors' lines, with make check's build variables
class P:
    def __init__(self, path, line):
        self.path, self.line, self.stmt = path, line, line


secs = {"cli": 1, "pattern": 2, "integration/disk": 3, "events/pause": 4, "events": 5}
where = {("core/a.c", 1): {"cli", "integration/disk"}, ("core/a.c", 2): {"pattern"},
         ("core/b.c", 3): {"events/pause"}, ("core/c.c", 4): {"events", "cli"}}
ms = [{"point": P("core/a.c", 1)}, {"point": P("core/a.c", 2)}, {"point": P("core/b.c", 3)}]
check("san: the suites and tests that execute the survivors",
      sample.san_runs(ms, where, secs, set()) ==
      (["cli", "events", "integration", "pattern"], "disk pause"),
      str(sample.san_runs(ms, where, secs, set())))
check("san: a shell suite run whole runs all its tests",
      sample.san_runs(ms + [{"point": P("core/c.c", 4)}], where, secs, set()) ==
      (["cli", "events", "integration", "pattern"], ""))
check("san: a file changed since the map: the whole make test",
      sample.san_runs(ms, where, secs, {"core/b.c"}) == ([], ""))
scr = sample.Scratch("/nonexistent")
plain = scr.build_vars()
scr.san = True
check("san: make check's build (B=build-san, SAN=address,undefined)",
      plain == {} and scr.build_vars() == {"B": "build-san", "SAN": "address,undefined"} and
      "make check SAN=address,undefined B=build-san" in open("Makefile").read())

# an equivalent mutant is known by its file, op, old, new and line text, and by
# the line before when the entry gives it (the same text elsewhere is not it)
p0 = pts[0]
with open(FIX) as f:
    flines = f.read().splitlines()
e = {"file": FIX, "op": p0.op, "old": p0.old, "new": p0.text,
     "line": flines[p0.line - 1].strip(), "why": "w"}
check("equivalent: listed by its line's text", sample.equivalent(p0, [e]) == "w")
check("equivalent: and the line before",
      sample.equivalent(p0, [dict(e, prev=flines[p0.line - 2].strip())]) == "w" and
      sample.equivalent(p0, [dict(e, prev="not the line before")]) is None)
check("equivalent: another op is not it", sample.equivalent(p0, [dict(e, op="x")]) is None)
after = (src0 := open(FIX, "rb").read())[:p0.start] + p0.text.encode() + src0[p0.end:]
after = after.decode().splitlines()[p0.line - 1].strip()
check("equivalent: and the line as the mutant makes it",
      sample.equivalent(p0, [dict(e, after=after)]) == "w" and
      sample.equivalent(p0, [dict(e, after=flines[p0.line - 1].strip())]) is None)

# a mutant's own runs: cheapest first, up to the first that fails, or until the
# next would pass the budget (the rest: deferred to the whole run)
class Runs:
    def __init__(self, fail):
        self.fail, self.ran = fail, []

    def tests(self, suites, tests, timeout, name):
        self.ran.append((suites, timeout))
        return suites != self.fail, "FAIL: " + suites


plan3 = [(10.0, "cfg", ""), (100.0, "integration", "poweroff"), (500.0, "events", "")]
for fail, budget, want, ran in ((None, 120, "deferred", ["cfg", "integration"]),
                                ("integration", 120, "killed", ["cfg", "integration"]),
                                (None, 1000, "survived", ["cfg", "integration", "events"]),
                                ("cfg", 1, "killed", ["cfg"]),
                                (None, 1, "deferred", ["cfg"])):
    r, m = Runs(fail), {"id": "x"}
    sample.judge(r, m, plan3, budget, 4.0)
    check("judge: %s within %d s: %s" % (fail, budget, want),
          m["result"] == want and [x[0] for x in r.ran] == ran, str((m, r.ran)))
r, m = Runs(None), {"id": "x"}
sample.judge(r, m, [], 120, 4.0)
check("judge: no runs: uncovered", m["result"] == "uncovered" and not r.ran)
r, m = Runs(None), {"id": "x"}
sample.judge(r, m, plan3, 1000, 4.0)
check("judge: a run's timeout is 4 x its seconds + 30, at least 60",
      [x[1] for x in r.ran] == [70.0, 430.0, 2030.0], str(r.ran))
check("judge: the default budget is 120 s",
      "default=120.0" in open(sample.__file__).read())

# a failed shell suite that names no failed test (it crashed) is re-run whole
with tempfile.TemporaryDirectory() as tmp:
    logf = os.path.join(tmp, "log")
    with open(logf, "w") as f:
        f.write("---- integration failed (exit 1) ----\nFAIL: x\nFAILED TEST: poweroff\n"
                "---- cfg failed (exit 1) ----\n[  FAILED  ] y\n")
    check("failures: the failed suites and named tests",
          sample.failures(logf, []) == (["cfg", "integration"], "poweroff"),
          str(sample.failures(logf, [])))
    with open(logf, "a") as f:
        f.write("---- events failed (exit 124) ----\n")
    check("failures: a shell suite without names: suites whole",
          sample.failures(logf, []) == (["cfg", "events", "integration"], ""),
          str(sample.failures(logf, [])))

# what a run leaves behind (a suite's own timeout group, its background
# children) is ended with the run's session
import signal  # noqa: E402
import time  # noqa: E402
p = subprocess.Popen(["sh", "-c", "timeout 60 sleep 61 & sleep 62 & echo started; wait"],
                     stdout=subprocess.PIPE, start_new_session=True)
p.stdout.readline()
time.sleep(0.2)
sample.kill_session(p.pid)
for _ in range(20):  # (zombies wait for init: not counted)
    out = subprocess.run(["ps", "-o", "stat=,args=", "-s", str(p.pid)],
                         capture_output=True, text=True).stdout
    left = [ln for ln in out.splitlines() if not ln.lstrip().startswith("Z")]
    if not left:
        break
    time.sleep(0.1)
check("a run's session ends whole", not left, str(left))
subprocess.run(["pkill", "-KILL", "-s", str(p.pid)])  # (whatever the check saw)
p.wait()

print("mutgen: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
