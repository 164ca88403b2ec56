#!/usr/bin/python3
"""mutgen.py: mutation points of C files found with libclang's parser, and a
reproducible random sample of them as patches (make mutate-sample uses it).

Each point is one place in the source and one way to break it:
  relop     a relational operator swapped (< <= > >= == !=)
  arith     an arithmetic operator swapped (+ - * / % and their op=)
  logic     && and || swapped
  const     an integer constant changed (0/1, +-1, a unit's factor)
  negate    the condition of an if, while, for, do or ?: negated
  delcall   a call made as a statement removed (not free(): a leak is ASan's)
  delstmt   an assignment, ++/--, break or continue statement removed
  swapargs  two arguments of the same type swapped in a call (not of strcmp
            and its kin when only equality is asked: the same answer)
  return    an early return inserted before a statement of a function body
            (not where only free()s and the return follow)

The points of a tree are listed in a fixed order (files by name, then offset),
so the sample of a seed is the same on every machine with the same sources.

  mutgen.py [--seed S] [-n N] [--list] [--out DIR] FILE...
"""
import argparse
import difflib
import json
import os
import random
import sys

try:
    import clang.cindex as ci
except ImportError:  # Debian: python3-clang (make deps installs it)
    sys.exit("mutgen: no libclang Python bindings (apt-get install python3-clang); "
             "run it with /usr/bin/python3")

K = ci.CursorKind
RELOPS = {"<": ["<=", ">"], "<=": ["<", ">"], ">": [">=", "<"], ">=": [">", "<"],
          "==": ["!="], "!=": ["=="]}
ARITH = {"+": ["-"], "-": ["+"], "*": ["/"], "/": ["*"], "%": ["*"],
         "+=": ["-="], "-=": ["+="], "*=": ["/="], "/=": ["*="]}
LOGIC = {"&&": ["||"], "||": ["&&"]}
# comparisons whose sign is their only asymmetry
SYMMETRIC = {"strcmp", "strcasecmp", "strncmp", "strncasecmp", "memcmp"}
# a unit's factor: seconds <-> milliseconds <-> micro/nanoseconds, KiB, minutes
UNITS = {"60", "1000", "1024", "3600", "86400", "1000000", "1000000000",
         "1000L", "1000LL", "1000000L", "1000000LL", "1000000000L", "1000000000LL",
         "1000UL", "1000ULL", "1024UL", "1024ULL", "60000"}
CONDS = (K.IF_STMT, K.WHILE_STMT, K.DO_STMT, K.FOR_STMT,
         K.CONDITIONAL_OPERATOR)


def default_args():
    """what the Makefile compiles core, bridges and plugins with (system
    headers as the compiler sees them)"""
    return ["-std=gnu11", "-D_GNU_SOURCE", "-Isdk", "-DVZH_VERSION=\"0\""]


class Point:
    """one way to break one place: bytes [start, end) of path become text"""

    def __init__(self, path, line, op, start, end, text, old, stmt=None):
        self.path, self.line, self.op = path, line, op
        self.start, self.end, self.text, self.old = start, end, text, old
        # the first line of its statement: gcov counts a statement written
        # over several lines on some of them only
        self.stmt = line if stmt is None else stmt

    def key(self):
        return (self.path, self.start, self.end, self.op, self.text)

    def as_dict(self):
        return {"file": self.path, "line": self.line, "op": self.op,
                "old": self.old, "new": self.text}


class FileScan:
    def __init__(self, path, args):
        self.path = path
        with open(path, "rb") as f:
            self.src = f.read()
        self.points = []
        idx = ci.Index.create()
        self.tu = idx.parse(path, args=args)
        fatal = [d for d in self.tu.diagnostics if d.severity >= ci.Diagnostic.Error]
        if fatal:
            raise SystemExit("mutgen: %s does not parse: %s" % (path, fatal[0]))

    def text(self, a, b):
        return self.src[a:b].decode("utf-8", "replace")

    def mine(self, c):
        """c is spelled in this file, outside any macro (its bytes are what
        libclang says they are)"""
        e = c.extent
        if not e.start.file or e.start.file.name != self.path:
            return False
        if not e.end.file or e.end.file.name != self.path:
            return False
        return e.start.offset < e.end.offset <= len(self.src)

    def token_at(self, c, after):
        """c's first token at or after offset `after`, if it is spelled there"""
        for t in c.get_tokens():
            if t.extent.start.offset >= after:
                s, e = t.extent.start.offset, t.extent.end.offset
                if self.text(s, e) == t.spelling:
                    return t
                return None
        return None

    def optoken(self, c):
        """a binary operator's own token (the first after its left side)"""
        kids = list(c.get_children())
        if len(kids) != 2 or not self.mine(kids[0]):
            return None
        return self.token_at(c, kids[0].extent.end.offset)

    def opname(self, c):
        t = self.optoken(c)
        return t.spelling if t is not None else None

    def add(self, c_line, op, start, end, new):
        old = self.text(start, end)
        if old != new:
            self.points.append(Point(self.path, c_line, op, start, end, new, old,
                                     min(self.stmt_line or c_line, c_line)))

    def scan(self):
        self.stmt_line = None
        self.walk(self.tu.cursor, None, None, None)
        return self.points

    def walk(self, c, parent, func, stmt):
        for ch in c.get_children():
            f = func
            if ch.kind == K.FUNCTION_DECL and ch.is_definition():
                f = ch
            # a statement of a block starts here (the innermost one)
            st = ch.extent.start.line if c.kind == K.COMPOUND_STMT or \
                is_body(ch, c) else stmt
            if self.mine(ch):
                self.stmt_line = st
                self.visit(ch, c, f)
            # what a macro expands to is not written here; declarations of
            # other files are not ours
            if ch.location.file is None or ch.location.file.name == self.path:
                self.walk(ch, c, f, st)

    def visit(self, c, parent, func):
        line = c.extent.start.line
        if func is None:  # file scope: initialisers of tables are data
            return
        if c.kind in (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR):
            t = self.optoken(c)
            if t is None:
                return
            s, e = t.extent.start.offset, t.extent.end.offset
            for table, op in ((RELOPS, "relop"), (ARITH, "arith"), (LOGIC, "logic")):
                for new in table.get(t.spelling, []):
                    self.add(t.extent.start.line, op, s, e, new)
        elif c.kind == K.INTEGER_LITERAL:
            if parent.kind == K.CASE_STMT:
                return  # a duplicate case does not compile
            s, e = c.extent.start.offset, c.extent.end.offset
            if parent.kind in (K.VAR_DECL, K.FIELD_DECL, K.PARM_DECL) and \
                    self.src[:s].rstrip().endswith(b"["):
                return  # a buffer's size: snprintf and sizeof follow it
            lit = self.text(s, e)
            changes = const_changes(lit)
            if lit == "1" and parent.kind == K.UNARY_OPERATOR and \
                    self.src[:s].rstrip().endswith(b"-"):
                changes = ["0"]  # -1 is a sentinel: -2 means the same
            for new in changes:
                self.add(line, "const", s, e, new)
        if c.kind in CONDS:
            cond = condition(c)
            if cond is not None and self.mine(cond):
                s, e = cond.extent.start.offset, cond.extent.end.offset
                self.add(cond.extent.start.line, "negate", s, e,
                         "!(" + self.text(s, e) + ")")
        if c.kind == K.CALL_EXPR and not self.equality(c, parent):
            self.swaps(c)
        if parent.kind == K.COMPOUND_STMT or is_body(c, parent):
            self.statement(c, parent, func)

    def statement(self, c, block, func):
        """c is a statement of a block: remove it, or (in the function's own
        block) return before it"""
        s, e = c.extent.start.offset, c.extent.end.offset
        line = c.extent.start.line
        end = self.src.find(b";", e)
        whole = self.src[e:end].strip() == b"" if end >= 0 else False
        if c.kind == K.CALL_EXPR and whole and not releases(c):
            self.add(line, "delcall", s, end + 1, ";")
        elif whole and (c.kind in (K.BREAK_STMT, K.CONTINUE_STMT,
                                   K.COMPOUND_ASSIGNMENT_OPERATOR) or
                        (c.kind == K.BINARY_OPERATOR and self.opname(c) == "=") or
                        (c.kind == K.UNARY_OPERATOR and
                         any(t.spelling in ("++", "--") for t in c.get_tokens()))):
            self.add(line, "delstmt", s, end + 1, ";")
        if c.kind in (K.DECL_STMT, K.NULL_STMT, K.LABEL_STMT, K.CASE_STMT,
                      K.DEFAULT_STMT):
            return  # a return before a declaration or a label is not a break of it
        if block.semantic_parent is None or block != body(func):
            return
        ret = early_return(func)
        rest = [k for k in block.get_children() if k.extent.start.offset >= s]
        same = [k for k in rest if k.kind == K.RETURN_STMT and
                " ".join(self.text(k.extent.start.offset, k.extent.end.offset).split())
                + ";" == ret]
        if all(k in same or (k.kind == K.CALL_EXPR and releases(k)) for k in rest):
            return  # what it skips is free()s (a leak: ASan's) and the same return
        if ret is not None:
            indent = self.indent(s)
            self.add(line, "return", s, s, ret + "\n" + indent)

    def indent(self, s):
        b = self.src.rfind(b"\n", 0, s) + 1
        ws = self.src[b:s]
        return ws.decode() if ws.strip() == b"" else ""

    def equality(self, call, parent):
        """a comparison asked only whether its arguments are equal (!strcmp(a,
        b), memcmp(a, b, n) == 0): the same answer with them swapped"""
        if call.spelling not in SYMMETRIC or parent is None:
            return False
        if parent.kind == K.UNARY_OPERATOR:
            return self.src[parent.extent.start.offset:call.extent.start.offset].strip() == b"!"
        if parent.kind == K.BINARY_OPERATOR:
            t = self.optoken(parent)
            return t is not None and t.spelling in ("==", "!=")
        return False

    def swaps(self, c):
        args = [a for a in c.get_arguments()]
        # the fixed parameters only: a variadic argument read as another
        # type is undefined, not a mutant
        callee = c.referenced
        if callee is None or callee.type.kind != ci.TypeKind.FUNCTIONPROTO:
            return
        args = args[:len(list(callee.type.argument_types()))]
        if len(args) < 2 or not all(self.mine(a) for a in args):
            return
        for i in range(len(args) - 1):
            for j in range(i + 1, len(args)):
                a, b = args[i], args[j]
                ta = a.type.get_canonical().spelling
                tb = b.type.get_canonical().spelling
                sa, ea = a.extent.start.offset, a.extent.end.offset
                sb, eb = b.extent.start.offset, b.extent.end.offset
                xa, xb = self.text(sa, ea), self.text(sb, eb)
                if ta != tb or xa == xb:
                    continue
                new = xb + self.text(ea, sb) + xa
                self.add(a.extent.start.line, "swapargs", sa, eb, new)
                return  # one pair a call: the first one of the same type


def releases(call):
    """a call that only gives memory back: without it, a leak that
    make check SAN=address finds, and no behaviour make test can see"""
    n = call.spelling
    return n in ("free", "json_decref", "config_destroy") or n.endswith("_free")


def is_body(c, parent):
    """c is the unbraced body of an if, else, for, while or do"""
    kids = list(parent.get_children())
    if parent.kind == K.IF_STMT:
        bodies = kids[1:]
    elif parent.kind in (K.WHILE_STMT, K.FOR_STMT):
        bodies = kids[-1:]
    elif parent.kind == K.DO_STMT:
        bodies = kids[:1]
    else:
        return False
    return any(b.extent.start.offset == c.extent.start.offset and
               b.extent.end.offset == c.extent.end.offset for b in bodies)


def body(func):
    for k in func.get_children():
        if k.kind == K.COMPOUND_STMT:
            return k
    return None


def condition(c):
    kids = list(c.get_children())
    if c.kind in (K.IF_STMT, K.WHILE_STMT, K.CONDITIONAL_OPERATOR):
        return kids[0] if kids and kids[0].kind not in (K.DECL_STMT,) else None
    if c.kind == K.DO_STMT:
        return kids[1] if len(kids) == 2 else None
    if c.kind == K.FOR_STMT:
        # for (init; cond; inc) body: the condition is the child spelled
        # between the two semicolons; libclang omits absent parts
        toks = [t for t in c.get_tokens()]
        semis = [t.extent.start.offset for t in toks if t.spelling == ";"][:2]
        if len(semis) < 2:
            return None
        for k in kids:
            if semis[0] < k.extent.start.offset < semis[1]:
                return k
    return None


def const_changes(lit):
    digits = lit.rstrip("uUlL")
    suffix = lit[len(digits):]
    if not digits.isdigit():
        return []  # hex, octal and char constants are masks and codes: left alone
    n = int(digits)
    if lit in UNITS or digits in UNITS:
        return ["1" + suffix]
    if n == 0:
        return ["1"]
    if n == 1:
        return ["0", "2"]
    return [str(n + 1) + suffix, str(n - 1) + suffix]


def early_return(func):
    t = func.result_type.get_canonical()
    if t.kind == ci.TypeKind.VOID:
        return "return;"
    if t.kind == ci.TypeKind.POINTER:
        return "return NULL;"
    if t.kind == ci.TypeKind.BOOL:
        return "return false;"
    if t.kind in (ci.TypeKind.INT, ci.TypeKind.UINT, ci.TypeKind.LONG,
                  ci.TypeKind.ULONG, ci.TypeKind.LONGLONG, ci.TypeKind.ULONGLONG,
                  ci.TypeKind.SHORT, ci.TypeKind.USHORT, ci.TypeKind.ENUM):
        return "return 0;"
    return None  # a struct or a float: no value that means "nothing done"


def scan(paths, args=None):
    pts = []
    for p in sorted(paths):
        pts.extend(FileScan(p, args or default_args()).scan())
    seen, out = set(), []
    for p in pts:  # a point reached twice (a macro argument) counts once
        if p.key() not in seen:
            seen.add(p.key())
            out.append(p)
    return out


def sample(points, n, seed):
    """n points of the list at random, the same for the same seed and list;
    one point of a place only (no two mutants share a byte)"""
    rng = random.Random(seed)
    order = list(range(len(points)))
    rng.shuffle(order)
    chosen, used = [], []
    for i in order:
        p = points[i]
        if any(q.path == p.path and q.start <= p.end and p.start <= q.end for q in used):
            continue
        chosen.append(p)
        used.append(p)
        if len(chosen) == n:
            break
    return chosen


def mutated(p):
    with open(p.path, "rb") as f:
        src = f.read()
    return src[:p.start] + p.text.encode() + src[p.end:]


def patch(p):
    with open(p.path, "rb") as f:
        a = f.read().decode().splitlines(keepends=True)
    b = mutated(p).decode().splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, "a/" + p.path, "b/" + p.path, n=3))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("--list", action="store_true", help="every point, as JSON lines")
    ap.add_argument("--out", help="write NNN.patch and sample.json there")
    ap.add_argument("files", nargs="+")
    o = ap.parse_args()
    pts = scan(o.files)
    if o.list:
        for p in pts:
            print(json.dumps(p.as_dict()))
        return
    chosen = sample(pts, o.n, o.seed)
    if o.out:
        os.makedirs(o.out, exist_ok=True)
    meta = []
    for i, p in enumerate(chosen, 1):
        d = p.as_dict()
        d["id"] = "%d-%03d" % (o.seed, i)
        meta.append(d)
        head = "# mutant %s: %s:%d %s: %r -> %r\n" % (d["id"], p.path, p.line, p.op,
                                                    p.old, p.text)
        if o.out:
            with open(os.path.join(o.out, "%03d.patch" % i), "w") as f:
                f.write(head + patch(p))
        else:
            sys.stdout.write(head + patch(p))
    if o.out:
        with open(os.path.join(o.out, "sample.json"), "w") as f:
            json.dump({"seed": o.seed, "points": len(pts), "mutants": meta}, f, indent=1)
    print("mutgen: %d of %d points, seed %d" % (len(chosen), len(pts), o.seed),
          file=sys.stderr)


if __name__ == "__main__":
    main()
