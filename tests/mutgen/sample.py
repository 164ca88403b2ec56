#!/usr/bin/python3
"""sample.py: sampled mutation testing (make mutate-sample N=100 SEED=7).

N mutants are drawn with the seed over core/, bridge/ and plugins/ (mutgen.py);
each is applied to a scratch copy of the tree, built, and judged by the tests
that execute its line (make coverage's per-test map in build-cov/covmap), the
cheapest first, up to the first that fails or until --budget seconds of them
have run (the rest are left to the whole run below).  The survivors, the
mutants left over and those listed in tests/mutgen/equivalent.jsonl (with why
no behaviour changes) are then applied together to one whole `make test` run
(a failing run is split, on the suites and tests that failed, until each
failure has its mutant: the mutants those tests execute from the others, else
in halves).  Those still alive are then built with
make check's sanitizers (address, undefined) and judged, together and split
the same way, by the suites that execute their lines: an overrun, a leak or a
double free is what CI's make check SAN=address,undefined catches.  A kill by
a re-run counts only when its tests pass on the unmutated tree.  Prints a
table, then
  N killed, M survived, E equivalent, K did not compile
and exits 0 only when nothing survived.  Every mutant's patch is in
build-sample/mutants/, its tests' log in build-sample/logs/, and the whole
result in build-sample/report.json."""
import argparse
import glob
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutgen  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def sources():
    """what make test-bins compiles here (the other system's files cannot be
    judged on this one)"""
    pats = ["core/*.c", "bridge/*.c", "bridge/qemu/*.c", "bridge/vz/*.c", "plugins/*/*.c"]
    out = []
    for p in pats:
        out += [f for f in glob.glob(p) if not f.endswith("-darwin.c")]
    return sorted(out)


def stale(d, files):
    """the files changed since make coverage made the map in d"""
    try:
        with open(os.path.join(d, ".sources.json")) as f:
            then = json.load(f)
    except (OSError, ValueError):
        return list(files)  # (a map without digests: none can be trusted)
    out = []
    for name in files:
        with open(os.path.join(TOP, name), "rb") as f:
            if then.get(name) != hashlib.sha256(f.read()).hexdigest():
                out.append(name)
    return out


def load_covmap(d):
    units, where = {}, {}
    for path in sorted(glob.glob(os.path.join(d, "*.json"))):
        with open(path) as f:
            u = json.load(f)
        units[u["unit"]] = u["seconds"]
        for name, lines in u["lines"].items():
            for ln in lines:
                where.setdefault((name, ln), set()).add(u["unit"])
    return units, where


def covering(where, p):
    """the units that execute p's line, or, when gcov counted nothing there
    (a statement written over several lines is counted on some of them),
    those that execute its statement's first line"""
    return where.get((p.path, p.line)) or where.get((p.path, p.stmt), set())


def plan(units, seconds):
    """the covering units as runs of tests/run.sh: one suite each, with the
    shell tests to run (none: the whole suite), cheapest first"""
    suites = {}
    for u in units:
        suite, _, test = u.partition("/")
        s = suites.setdefault(suite, {"tests": set(), "whole": False, "secs": 0.0})
        if test:
            s["tests"].add(test)
        else:
            s["whole"] = True
        s["secs"] += seconds.get(u, 0)
    runs = []
    for suite, s in suites.items():
        tests = "" if s["whole"] else " ".join(sorted(s["tests"]))
        runs.append((s["secs"], suite, tests))
    return sorted(runs)


# make check's sanitizers (the Makefile's SAN), in a build directory of their own
SAN = "address,undefined"


class Scratch:
    """the scratch copy where mutants are built and tested (with SAN's
    sanitizers in build-san once san is set)"""

    def __init__(self, path):
        self.path = path
        self.san = False

    def build_vars(self):
        return {"B": "build-san", "SAN": SAN} if self.san else {}

    def make(self):
        args = ["%s=%s" % kv for kv in sorted(self.build_vars().items())]
        with open(os.path.join(self.path, "build.log"), "w") as f:
            try:
                r = subprocess.run(["make", "-s", "-j2", "test-bins"] + args, cwd=self.path,
                                   stdout=f, stderr=subprocess.STDOUT, timeout=1800)
                return r.returncode == 0
            except subprocess.TimeoutExpired:
                return False

    def tests(self, suites, tests, timeout, name):
        """(passed, first failure's line) of tests/run.sh on these suites"""
        env = dict(os.environ, VZH_SUITES=suites, VZH_TESTS=tests, **self.build_vars())
        logf = os.path.join(self.path, "logs", name + ".log")
        with open(logf, "w") as f:
            # a session of its own: ended with the run, or with us
            p = subprocess.Popen(["timeout", "-k", "10", str(int(timeout)), "sh",
                                  "tests/run.sh"], cwd=self.path, env=env, stdout=f,
                                 stderr=subprocess.STDOUT, start_new_session=True)
            RUNNING.append(p)
            rc = p.wait()
            RUNNING.remove(p)
            kill_session(p.pid)  # what a timeout left behind
        with open(logf, errors="replace") as f:
            text = f.read()
        if rc == 0:
            return True, ""
        if rc in (124, 137):
            return False, "timeout after %d s" % timeout
        # the first failure's own line (ours: "FAIL: ..."; cmocka's: "[  FAILED  ]
        # name" or "[  ERROR   ] ..."), else the suite's
        lines = text.splitlines()
        why = [ln for ln in lines if ln.startswith("FAIL") or ln.startswith("[  ERROR") or
               (ln.startswith("[  FAILED  ]") and "test(s)" not in ln)]
        why = why or [ln for ln in lines if " failed (exit" in ln]
        return False, (why[0].strip() if why else "exit %d" % rc)[:110]

    def apply(self, points):
        """the points' files mutated in the scratch copy (the points do not
        overlap: mutgen.sample); returns the files' original bytes"""
        saved = {}
        for p in sorted(points, key=lambda p: -p.start):
            path = os.path.join(self.path, p.path)
            if p.path not in saved:
                with open(path, "rb") as f:
                    saved[p.path] = f.read()
            with open(path, "rb") as f:
                src = f.read()
            with open(path, "wb") as f:
                f.write(src[:p.start] + p.text.encode() + src[p.end:])
        return saved

    def restore(self, saved):
        for name, data in saved.items():
            with open(os.path.join(self.path, name), "wb") as f:
                f.write(data)  # a new mtime: make rebuilds it


RUNNING = []
RERUNS = []


def kill_session(sid):
    """every process of session sid (a run's: `timeout` and vzhost make
    process groups of their own, not sessions) SIGKILLed"""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.getsid(int(name)) == sid:
                os.kill(int(name), signal.SIGKILL)
        except OSError:
            pass


def ended(sig, frame):
    """SIGTERM, SIGINT, SIGHUP: the tests running end with us"""
    for p in RUNNING:
        kill_session(p.pid)
    sys.exit(128 + sig)


def copy_tree(dst):
    if os.path.exists(dst):
        shutil.rmtree(dst)
    os.makedirs(os.path.join(dst, "build"))
    subprocess.run("tar --exclude=./build --exclude='./build-*' --exclude=./.git -cf - . | "
                   "tar -C '%s' -xf -" % dst, shell=True, cwd=TOP, check=True)
    guest = os.path.join(TOP, "build", "guest")
    if os.path.isdir(guest):  # the test guest (downloaded once)
        shutil.copytree(guest, os.path.join(dst, "build", "guest"), symlinks=True)
    os.makedirs(os.path.join(dst, "logs"))


def load_equivalent(path):
    out = []
    try:
        with open(path) as f:
            for ln in f:
                if ln.strip() and not ln.startswith("#"):
                    out.append(json.loads(ln))
    except OSError:
        pass
    return out


def equivalent(p, known):
    """known.why when this point is listed (file, op, old, new and its line's
    text: line numbers move, the text rarely; "prev", the line before, when
    the same text is elsewhere in the file too; "after", the line as the
    mutant makes it, when one line has two such points)"""
    with open(os.path.join(TOP, p.path), "rb") as f:
        src = f.read()
    lines = src.decode().splitlines()
    line = lines[p.line - 1].strip()
    prev = lines[p.line - 2].strip() if p.line > 1 else ""
    for e in known:
        if (e["file"], e["op"], e["old"], e["new"], e["line"]) != \
                (p.path, p.op, p.old, p.text, line) or e.get("prev", prev) != prev:
            continue
        if "after" in e:
            mutated = (src[:p.start] + p.text.encode() + src[p.end:]).decode()
            if mutated.splitlines()[p.line - 1].strip() != e["after"]:
                continue
        return e["why"]
    return None


def failures(logf, suites):
    """(suites, tests) that failed in a run's log: the shell suites name
    their failed tests ("FAILED TEST: name"); when one of them does not, its
    suites are re-run whole (tests empty)"""
    failed, tests, named = [], set(), set()
    suite = None
    with open(logf, errors="replace") as f:
        for ln in f:
            if ln.startswith("---- ") and " failed (exit" in ln:
                suite = ln.split()[1]
                failed.append(suite)
            elif ln.startswith("FAILED TEST: ") and suite:
                tests.add(ln.split()[2])
                named.add(suite)
    if not failed:
        return suites, ""
    if set(failed) & SHELL_SUITES - named:
        return sorted(set(failed)), ""
    return sorted(set(failed)), " ".join(sorted(tests))


# the suites whose tests VZH_TESTS selects (tests/integration/lib.sh's run_tests)
SHELL_SUITES = {"integration", "events", "slots-vm", "backends", "security"}


def suspects(group, failed, tests, where, old):
    """the mutants of group whose lines the failed suites or tests execute
    (where: make coverage's map), or whose file changed since the map"""
    names = set(tests.split())
    out = []
    for m in group:
        p = m["point"]
        for u in ["*"] if p.path in old else covering(where, p):
            suite, _, test = u.partition("/")
            if u == "*" or suite in failed and (not test or not names or test in names):
                out.append(m)
                break
    return out


def confirm(scr, group, suites, out, tests="", where=None, old=frozenset()):
    """group's mutants applied together to `suites` (empty: make test's whole
    run); a failure is split, on the suites and tests that failed, until each
    failure has its mutant: first the mutants whose lines those tests execute
    (where) from the others, else in halves.  Fills out[id] = why for the
    mutants killed."""
    RERUNS.append(len(RERUNS) + 1)  # (a half's log must not take its group's name)
    name = "rerun%d-%s" % (RERUNS[-1], "-".join(m["id"] for m in group)[:80])
    saved = scr.apply([m["point"] for m in group])
    built = scr.make()
    ok, why = scr.tests(" ".join(suites), tests, 3600, name) if built else (False, "")
    scr.restore(saved)
    if ok or (not built and len(group) == 1):
        return  # (alone it builds: it was judged so)
    failed = suites
    if built:
        failed, tests = failures(os.path.join(scr.path, "logs", name + ".log"), suites)
    if len(group) == 1:
        # (a test that fails without the mutant too kills nothing)
        if scr.make() and not scr.tests(" ".join(failed), tests, 3600, name + "-unmutated")[0]:
            print("mutate-sample: %s's re-run failed, but so do its tests without it (%s): "
                  "not counted" % (group[0]["id"], why), flush=True)
        else:
            out[group[0]["id"]] = why
        return
    # (a failure no map explains, a compile check's or a whole run's: halves)
    first = suspects(group, failed, tests, where, old) if where is not None and failed else []
    if not 0 < len(first) < len(group):
        first = group[:len(group) // 2]
    rest = [m for m in group if m not in first]
    confirm(scr, first, failed, out, tests, where, old)
    confirm(scr, rest, failed, out, tests, where, old)


def judge(scr, m, runs, budget, factor):
    """m's result from its runs (plan()), cheapest first: killed by the first
    that fails, deferred once the next would pass the budget (the first always
    runs), else survived; uncovered without runs"""
    m["result"] = "uncovered" if not runs else "survived"
    spent = 0.0
    for secs, suite, tests in runs:
        if spent and spent + secs > budget:
            m["result"] = "deferred"
            return
        spent += secs
        ok, why = scr.tests(suite, tests, max(60, factor * secs + 30), m["id"])
        if not ok:
            m["result"] = "killed"
            m["suite"], m["tests"] = suite, tests
            m["by"] = "%s%s: %s" % (suite, " (%s)" % tests if tests else "", why)
            return


def san_runs(ms, where, seconds, old):
    """(suites, tests) of the sanitizer re-run: those that execute ms' lines
    (none: the whole make test, when one of ms is in a file changed since
    the map)"""
    if any(m["point"].path in old for m in ms):
        return [], ""
    suites, tests, whole = set(), set(), set()
    for m in ms:
        for _, suite, names in plan(covering(where, m["point"]), seconds):
            suites.add(suite)
            if names:
                tests.update(names.split())
            else:
                whole.add(suite)
    # (VZH_TESTS picks tests in every shell suite: one run whole runs all)
    return sorted(suites), "" if whole & SHELL_SUITES else " ".join(sorted(tests))


def fmt_point(p):
    return "%s:%d %s %r -> %r" % (p.path, p.line, p.op, p.old, p.text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--covmap", default=os.path.join(TOP, "build-cov", "covmap"))
    ap.add_argument("--scratch", default=os.path.join(TOP, "build-sample"))
    ap.add_argument("--equivalent", default=os.path.join(TOP, "tests", "mutgen",
                                                         "equivalent.jsonl"))
    ap.add_argument("--factor", type=float, default=4.0,
                    help="a run's timeout: this times its tests' seconds in the map")
    ap.add_argument("--budget", type=float, default=120.0,
                    help="a mutant's own runs stop once its tests' seconds in the map "
                    "pass this; the rest are left to the whole make test")
    ap.add_argument("--no-rerun", action="store_true",
                    help="survivors are not re-run against the whole make test")
    ap.add_argument("--no-san", action="store_true",
                    help="the survivors of the whole run are not judged under sanitizers")
    o = ap.parse_args()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, ended)
    os.chdir(TOP)
    seconds, where = load_covmap(o.covmap)
    if not seconds:
        sys.exit("mutate-sample: no coverage map in %s: run make coverage first" % o.covmap)
    pts = mutgen.scan(sources())
    chosen = mutgen.sample(pts, o.n, o.seed)
    # a file changed since the map was made: its lines may have moved, so its
    # mutants are judged by the whole make test (make coverage to avoid that)
    old = set(stale(o.covmap, sorted({p.path for p in chosen})))
    if old:
        print("mutate-sample: the coverage map is older than %s: their mutants go to the "
              "whole make test (make coverage makes it anew)" % ", ".join(sorted(old)),
              flush=True)
    print("mutate-sample: seed %d, %d of %d mutation points; scratch copy in %s" %
          (o.seed, len(chosen), len(pts), o.scratch), flush=True)
    copy_tree(o.scratch)
    scr = Scratch(o.scratch)
    os.makedirs(os.path.join(o.scratch, "mutants"))
    if not scr.make():
        sys.exit("mutate-sample: the unmutated tree does not build (%s/build.log)" % o.scratch)
    known = load_equivalent(o.equivalent)
    started = time.time()
    results = []
    print("%-9s %-8s %-9s %5s  %s" % ("MUTANT", "OP", "RESULT", "TIME", "WHERE / BY"), flush=True)
    for i, p in enumerate(chosen, 1):
        mid = "%d-%03d" % (o.seed, i)
        with open(os.path.join(o.scratch, "mutants", mid + ".patch"), "w") as f:
            f.write("# mutant %s: %s\n%s" % (mid, fmt_point(p), mutgen.patch(p)))
        t0 = time.time()
        m = {"id": mid, "point": p, "result": "", "by": "", "suite": "", "tests": ""}
        saved = scr.apply([p])
        if not scr.make():
            m["result"] = "nobuild"
        elif equivalent(p, known):
            m["result"] = "listed"  # (judged by the whole run alone)
        else:
            runs = [] if p.path in old else plan(covering(where, p), seconds)
            judge(scr, m, runs, o.budget, o.factor)
        scr.restore(saved)
        m["secs"] = time.time() - t0
        results.append(m)
        print("%-9s %-8s %-9s %4.0fs  %s%s" % (mid, p.op, m["result"], m["secs"], fmt_point(p),
                                            "\n" + " " * 36 + "by " + m["by"] if m["by"] else ""),
              flush=True)
    # a test that fails without any mutant kills nothing: each test that
    # killed one is run once on the unmutated tree
    scr.make()
    killers = {}
    for m in results:
        if m["result"] == "killed":
            killers.setdefault((m["suite"], m["tests"]), []).append(m)
    for (suite, tests), ms in sorted(killers.items()):
        ok, why = scr.tests(suite, tests, 3600, "unmutated-" + suite)
        if not ok:
            print("mutate-sample: %s%s fails without a mutant (%s): its kills are not "
                  "counted" % (suite, " (%s)" % tests if tests else "", why), flush=True)
            for m in ms:
                m["result"] = "unjudged"
    # the survivors, together, against everything make test runs
    left = [m for m in results if m["result"] in ("survived", "uncovered", "deferred",
                                                  "listed")]
    if left and not o.no_rerun:
        t0 = time.time()
        print("mutate-sample: %d survivors re-run against the whole make test" % len(left),
              flush=True)
        out = {}
        confirm(scr, left, [], out, "", where, old)
        scr.make()
        for m in left:
            if m["id"] in out:
                m["result"], m["by"] = "killed", "make test: " + out[m["id"]]
                print("%-7s killed by the whole make test: %s" % (m["id"], out[m["id"]]))
            elif m["result"] in ("deferred", "listed"):
                m["result"] = "survived"
        print("mutate-sample: re-run in %.0f s" % (time.time() - t0), flush=True)
        # the rest under make check's sanitizers, by the suites that execute
        # them (a file changed since the map: all of them)
        alive = [m for m in left if m["id"] not in out and (m["point"].path in old or
                                                            covering(where, m["point"]))]
        if alive and not o.no_san:
            t0 = time.time()
            suites, tests = san_runs(alive, where, seconds, old)
            print("mutate-sample: %d survivors re-run under sanitizers (%s)" %
                  (len(alive), " ".join(suites) or "the whole make test"), flush=True)
            scr.san = True
            out = {}
            if scr.make():
                confirm(scr, alive, suites, out, tests, where, old)
            else:
                print("mutate-sample: the unmutated tree does not build with SAN=%s "
                      "(%s/build.log): no survivor judged under sanitizers" %
                      (SAN, o.scratch), flush=True)
            scr.san = False
            for m in alive:
                if m["id"] in out:
                    m["result"], m["by"] = "killed", "make check SAN=%s: %s" % (SAN, out[m["id"]])
                    print("%-7s killed under sanitizers: %s" % (m["id"], out[m["id"]]))
            print("mutate-sample: sanitizer re-run in %.0f s" % (time.time() - t0), flush=True)
    killed = sum(m["result"] == "killed" for m in results)
    nobuild = sum(m["result"] == "nobuild" for m in results)
    unjudged = sum(m["result"] == "unjudged" for m in results)
    surv, equiv = [], []
    for m in results:
        if m["result"] in ("survived", "uncovered", "deferred", "listed"):
            why = equivalent(m["point"], known)
            (equiv if why else surv).append((m, why))
    lines = ["", "survivors:" if surv else "no survivors"]
    for m, _ in surv:
        lines.append("  %s %s%s  (%s)" % (m["id"], fmt_point(m["point"]),
                                          " [no test executes it]"
                                          if m["result"] == "uncovered" else "",
                                          os.path.join(o.scratch, "mutants", m["id"] + ".patch")))
    if equiv:
        lines.append("equivalent:")
        for m, why in equiv:
            lines.append("  %s %s: %s" % (m["id"], fmt_point(m["point"]), why))
    judged = killed + len(surv)
    lines.append("%d mutants in %.0f min" % (len(results), (time.time() - started) / 60))
    lines.append("%d killed, %d survived, %d equivalent, %d did not compile%s" %
                 (killed, len(surv), len(equiv), nobuild,
                  ", %d not judged (their test fails without them)" % unjudged
                  if unjudged else ""))
    if judged:
        lines.append("kill rate %.1f %% of the %d non-equivalent mutants that compile (seed %d)"
                     % (100.0 * killed / judged, judged, o.seed))
    print("\n".join(lines))
    with open(os.path.join(o.scratch, "report.json"), "w") as f:
        json.dump({"seed": o.seed, "n": o.n, "points": len(pts),
                   "mutants": [dict(m["point"].as_dict(), id=m["id"], result=m["result"],
                                    by=m["by"], secs=round(m["secs"]))
                               for m in results]}, f, indent=1)
    sys.exit(0 if not surv else 1)


if __name__ == "__main__":
    main()
