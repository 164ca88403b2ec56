#!/usr/bin/env python3
"""covsnap.py UNIT: the lines of core/, bridge/ and plugins/ that the test unit
just run executed (the gcov counters in $VZH_BUILD that grew since the last
unit), written to $VZH_COVMAP/UNIT.json with the unit's seconds.  The counters
are left alone: lcov reads them at the end.  A unit is a suite ("cli") or a shell suite's test
("integration/poweroff"); make coverage runs it after each (tests/run.sh)."""
import hashlib
import json
import os
import subprocess
import sys
import time

OURS = ("core/", "bridge/", "plugins/")


def sources(out):
    """--sources DIR: the sources' digests as the map was made (a map older
    than a file would send its mutants to the wrong tests)"""
    top = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    digests = {}
    for d in ("core", "bridge", "plugins"):
        for dirpath, _, names in os.walk(os.path.join(top, d)):
            for n in names:
                path = os.path.join(dirpath, n)
                with open(path, "rb") as f:
                    digests[os.path.relpath(path, top)] = \
                        hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(out, ".sources.json"), "w") as f:
        json.dump(digests, f, indent=0, sort_keys=True)


def main():
    if sys.argv[1] == "--sources":
        sources(sys.argv[2])
        return
    unit = sys.argv[1]
    build = os.environ["VZH_BUILD"]
    out = os.environ["VZH_COVMAP"]
    gcda = []
    for d, _, names in os.walk(build):
        gcda += [os.path.join(d, n) for n in names if n.endswith(".gcda")]
    counts = {}
    if gcda:
        # gcov writes one JSON document a line; it runs where the compiler
        # ran, so the sources' names are the tree's
        r = subprocess.run(["gcov", "--json-format", "--stdout"] + gcda,
                           cwd=os.path.dirname(build.rstrip("/")),
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        for doc in r.stdout.decode("utf-8", "replace").splitlines():
            try:
                d = json.loads(doc)
            except ValueError:
                continue
            for f in d.get("files", []):
                name = f["file"]
                if not name.startswith(OURS):
                    continue
                c = counts.setdefault(name, {})
                for ln in f["lines"]:
                    k = str(ln["line_number"])
                    c[k] = c.get(k, 0) + ln["count"]
    before = os.path.join(out, ".counts")
    try:
        with open(before) as f:
            prev = json.load(f)
    except (OSError, ValueError):
        prev = {}
    lines = {}
    for name, c in counts.items():
        p = prev.get(name, {})
        hit = sorted(int(k) for k, n in c.items() if n > p.get(k, 0))
        if hit:
            lines[name] = hit
    with open(before + ".new", "w") as f:
        json.dump(counts, f)
    os.replace(before + ".new", before)
    stamp = os.path.join(out, ".last")
    now = time.time()
    try:
        secs = now - os.path.getmtime(stamp)
    except OSError:
        secs = 0
    with open(stamp, "w"):
        pass
    path = os.path.join(out, unit.replace("/", "@") + ".json")
    with open(path, "w") as f:
        json.dump({"unit": unit, "seconds": round(secs, 1),
                   "lines": dict(sorted(lines.items()))}, f)


if __name__ == "__main__":
    main()
