#!/usr/bin/env python3
"""Mutation campaign over the pure core: protocol/, crypto/ and sync/ (`make mutation`).

Generates mutants of the core's .cc files with regex rules in the style of universalmutator's C++
rules (relational and logical operator swaps, arithmetic swaps, constant +1/-1, true/false,
min/max, break/continue, negation removal, statement deletion), takes a seeded sample, and for
each mutant: builds the unit test binaries (protocol_test, crypto_test, sync_test) in a dedicated
build directory and runs them, most relevant first, stopping at the first failure.

A mutant is
  killed       a test failed or timed out;
  survived     every test passed: either a hole in the tests or an equivalent mutant;
  stillborn    it does not compile;
  equivalent   it compiles to the very same object code as the original (trivially equivalent:
               no test could ever tell it apart), so it is not run.
Score = killed / (killed + survived). Survivors are listed with their id, so that one can be
rerun with --only after writing a test.

The campaign works on a copy of the source tree inside the build directory (tracked and
untracked-but-not-ignored files of this checkout), so it never touches the files you edit, and a
copy is never left mutated in place after it ends. Debian's python3 only; no PyPI packages.

Usage: scripts/mutation.py [--seed N] [--sample N] [--build DIR] [--only ID,ID] [--list]
"""

import argparse
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time

CORE_DIRS = ("protocol", "crypto", "sync")
TESTS = ("protocol_test", "crypto_test", "sync_test")
# Which test binary most likely kills a mutant of each directory: run it first.
FIRST_TEST = {"protocol": "protocol_test", "crypto": "crypto_test", "sync": "sync_test"}
# Smaller property and fuzz-like runs than the default suite: a mutant is killed by the first
# failing test, and most are killed by the specification tests long before these matter.
TEST_ENV = {
    "GOVBUS_PROPERTY_HISTORIES": "40",
    "GOVBUS_PROPERTY_ORDERS": "6",
    "GOVBUS_MUTATION_CASES": "3000",
}

# (name, pattern, replacement): applied at every match outside string literals and comments.
RULES = [
    ("eq->ne", r" == ", " != "),
    ("ne->eq", r" != ", " == "),
    ("lt->le", r" < ", " <= "),
    ("le->lt", r" <= ", " < "),
    ("gt->ge", r" > ", " >= "),
    ("ge->gt", r" >= ", " > "),
    ("lt->gt", r" < ", " > "),
    ("gt->lt", r" > ", " < "),
    ("and->or", r" && ", " || "),
    ("or->and", r" \|\| ", " && "),
    ("add->sub", r" \+ ", " - "),
    ("sub->add", r" - ", " + "),
    ("mul->div", r" \* ", " / "),
    ("div->mul", r" / ", " * "),
    ("mod->div", r" % ", " / "),
    ("addset->subset", r" \+= ", " -= "),
    ("subset->addset", r" -= ", " += "),
    ("shr->shl", r" >> ", " << "),
    ("shl->shr", r" << ", " >> "),
    ("inc->dec", r"\+\+", "--"),
    ("true->false", r"\btrue\b", "false"),
    ("false->true", r"\bfalse\b", "true"),
    ("min->max", r"\bstd::min\b", "std::max"),
    ("max->min", r"\bstd::max\b", "std::min"),
    ("break->continue", r"\bbreak;", "continue;"),
    ("continue->break", r"\bcontinue;", "break;"),
    ("not->", r"!(?=[\w(*])", ""),
]
ARITHMETIC = {"add->sub", "sub->add", "mul->div", "div->mul", "mod->div"}
NUMBER = re.compile(r"(?<![\w.])(\d+)(?![\w.'])")
# Statement deletion, for statements that are a call or an assignment to a simple name (a
# declaration has a type before the name, so it does not match, and is not deleted).
STATEMENT = re.compile(
    r"^\s*(?:[A-Za-z_][\w.\[\]]*(?:->|\.)?[\w\[\]]*\s*(?:=|\+=|-=|\|=)\s.*"
    r"|(?:\+\+|--)?[A-Za-z_][\w.:\[\]>-]*(?:\(.*\))?(?:\+\+|--)?)\s*;\s*$"
)
SKIP_LINE = re.compile(r"^\s*(#|//|\*|/\*)|static_assert|\bassert\(|^\s*(case |default:)")


def code_spans(line):
    """Spans of `line` outside string/char literals and outside a trailing // comment."""
    spans, start, i, n = [], 0, 0, len(line)
    while i < n:
        c = line[i]
        if c == "/" and line.startswith("//", i):
            break
        if c in "\"'":
            # A raw string R"(...)" or an ordinary literal with escapes.
            spans.append((start, i))
            quote, i = c, i + 1
            while i < n and line[i] != quote:
                i += 2 if line[i] == "\\" else 1
            start = i + 1
        i += 1
    spans.append((start, min(i, n)))
    return [(a, b) for a, b in spans if b > a]


def line_mutants(line, starts_statement=True):
    """Every (rule, mutated line) of one source line; `starts_statement` when the previous line
    ended a statement or opened a block (so deleting this line deletes a whole statement)."""
    if SKIP_LINE.search(line) or not line.strip():
        return []
    out = []
    spans = code_spans(line)

    def inside(a, b):
        return any(s <= a and b <= e for s, e in spans)

    for name, pattern, repl in RULES:
        if name in ARITHMETIC and '"' in line:
            continue  # string concatenation and messages: stillborn or cosmetic
        for m in re.finditer(pattern, line):
            if not inside(m.start(), m.end()):
                continue
            if name == "not->" and line[m.start() : m.start() + 2] == "!=":
                continue
            out.append((name, line[: m.start()] + repl + line[m.end() :]))
    for m in NUMBER.finditer(line):
        if not inside(m.start(), m.end()):
            continue
        v = int(m.group(1))
        for name, w in (("num+1", v + 1), ("num-1", v - 1 if v > 0 else 1)):
            out.append((name, line[: m.start()] + str(w) + line[m.end() :]))
    code = line.split("//")[0]
    if starts_statement and STATEMENT.match(code) and not re.match(r"^\s*(return|using|namespace|template)\b", code):
        indent = line[: len(line) - len(line.lstrip())]
        out.append(("delete-statement", indent + ";"))
    seen, unique = set(), []
    for name, mutated in out:
        if mutated != line and mutated not in seen:
            seen.add(mutated)
            unique.append((name, mutated))
    return unique


def all_mutants(root):
    """Every mutant of the core's .cc files: (id, path, lineno, rule, new). The id is a hash of the
    file, the original and the mutated line (and which repeat of that pair it is), so it names the
    same mutant after unrelated edits move lines or add mutants elsewhere."""
    mutants = []
    for d in CORE_DIRS:
        for name in sorted(os.listdir(os.path.join(root, d))):
            if not name.endswith(".cc"):
                continue
            path = f"{d}/{name}"
            with open(os.path.join(root, path), encoding="utf-8") as f:
                lines = f.read().split("\n")
            in_block = False
            previous = "{"
            for i, line in enumerate(lines):
                if in_block or line.lstrip().startswith("/*"):
                    in_block = "*/" not in line
                    continue
                starts = previous.endswith((";", "{", "}", ":"))
                if line.strip() and not line.lstrip().startswith("//"):
                    previous = line.split("//")[0].rstrip() or previous
                for rule, mutated in line_mutants(line, starts):
                    mutants.append((path, i + 1, rule, mutated))
    out, seen = [], {}
    for path, lineno, rule, mutated in mutants:
        with open(os.path.join(root, path), encoding="utf-8") as f:
            original = f.read().split("\n")[lineno - 1]
        key = f"{path}\0{original.strip()}\0{mutated.strip()}"
        seen[key] = seen.get(key, 0) + 1
        digest_ = hashlib.blake2b(f"{key}\0{seen[key]}".encode(), digest_size=4).hexdigest()
        out.append((f"M{digest_}", path, lineno, rule, mutated))
    return out


def sample(mutants, seed, n):
    """The n mutants whose ids hash lowest under the seed: a seeded sample that keeps every chosen
    mutant chosen when other code changes (only mutants of edited lines come and go)."""
    rank = lambda m: hashlib.blake2b(f"{seed}\0{m[0]}".encode(), digest_size=8).digest()
    return sorted(mutants, key=rank)[:n]


def run(cmd, cwd=None, timeout=None, env=None):
    """Runs cmd in its own process group; returns (returncode or 'timeout', seconds, output)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True, text=True, errors="replace")
    try:
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, time.monotonic() - t0, out
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        return "timeout", time.monotonic() - t0, out


def copy_tree(repo, dest):
    """Mirrors the checkout's files into dest, writing only files whose content changed."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=repo, check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = os.path.join(repo, rel)
        if not os.path.isfile(src) or os.path.islink(src):
            continue
        dst = os.path.join(dest, rel)
        with open(src, "rb") as f:
            data = f.read()
        if os.path.exists(dst):
            with open(dst, "rb") as f:
                if f.read() == data:
                    continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as f:
            f.write(data)
        shutil.copymode(src, dst)


def object_of(obj_dir, path):
    d, name = path.split("/")
    return os.path.join(obj_dir, d, "CMakeFiles", f"govbus_{d}.dir", name + ".o")


def digest(path):
    with open(path, "rb") as f:
        return hashlib.blake2b(f.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("MUTATION_SEED", 19)))
    ap.add_argument("--sample", type=int, default=int(os.environ.get("MUTATION_SAMPLE", 200)))
    ap.add_argument("--build", default=os.environ.get("MUTATION_BUILD", "build-mutation"))
    ap.add_argument("--jobs", default=os.environ.get("JOBS", "2"))
    ap.add_argument("--timeout", type=float, default=0,
                    help="seconds per test binary per mutant (default: 5x its unmutated time, "
                         "at least 60)")
    ap.add_argument("--only", default="", help="comma-separated mutant ids to run (ignores "
                    "--sample)")
    ap.add_argument("--list", action="store_true", help="print the sampled mutants and stop")
    args = ap.parse_args()

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    mutants = all_mutants(repo)
    if args.only:
        wanted = set(args.only.split(","))
        chosen = [m for m in mutants if m[0] in wanted]
    else:
        chosen = sample(mutants, args.seed, args.sample)
    # Grouped by file, so that consecutive mutants of one file rebuild one object each.
    chosen.sort(key=lambda m: (m[1], m[2], m[0]))
    print(f"mutation: {len(mutants)} mutants of {', '.join(CORE_DIRS)}; seed {args.seed}, "
          f"{len(chosen)} chosen", flush=True)
    if args.list:
        for mid, path, lineno, rule, mutated in chosen:
            print(f"{mid} {path}:{lineno} [{rule}] {mutated.strip()}")
        return 0

    build = os.path.abspath(args.build)
    src, obj = os.path.join(build, "src"), os.path.join(build, "obj")
    os.makedirs(src, exist_ok=True)
    copy_tree(repo, src)
    if not os.path.exists(os.path.join(obj, "build.ninja")):
        # -O1 without debug info: quick to compile, and object files that differ only when code
        # does (the equivalence check below compares them). Assertions stay on (CMakeLists).
        rc, _, out = run(["cmake", "-S", src, "-B", obj, "-G", "Ninja",
                          "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_CXX_FLAGS_RELEASE=-O1"])
        if rc != 0:
            print(out)
            return 2
    ninja = ["nice", "-n", "10", "ninja", "-C", obj, "-j", args.jobs, *TESTS]
    print("mutation: building the unmutated tests ...", flush=True)
    rc, secs, out = run(ninja)
    if rc != 0:
        print(out[-4000:])
        return 2
    env = dict(os.environ, **TEST_ENV)
    baseline = {}
    for t in TESTS:
        rc, secs, out = run(["nice", "-n", "10", os.path.join(obj, "tests", t), "--gtest_brief=1"],
                            env=env)
        if rc != 0:
            print(out[-4000:])
            print(f"mutation: {t} fails without any mutant; fix that first")
            return 2
        baseline[t] = secs
    print("mutation: unmutated test times: " +
          ", ".join(f"{t} {s:.1f}s" for t, s in baseline.items()), flush=True)
    original_objects = {}

    counts = {"killed": 0, "survived": 0, "stillborn": 0, "equivalent": 0}
    survivors = []
    originals = {}
    started = time.monotonic()
    report_path = os.path.join(build, "mutation-report.txt")
    report = open(report_path, "w", encoding="utf-8")

    def restore_all():
        for path, text in originals.items():
            with open(os.path.join(src, path), "w", encoding="utf-8") as f:
                f.write(text)

    try:
        for n, (mid, path, lineno, rule, mutated) in enumerate(chosen, 1):
            target = os.path.join(src, path)
            if path not in originals:
                restore_all()  # the previous file back as it was, before mutating another
                with open(target, encoding="utf-8") as f:
                    originals[path] = f.read()
                if path not in original_objects:
                    run(ninja)
                    original_objects[path] = digest(object_of(obj, path))
            lines = originals[path].split("\n")
            before = lines[lineno - 1]
            lines[lineno - 1] = mutated
            with open(target, "w", encoding="utf-8") as f:
                f.write("\n".join(lines))
            rc, secs, out = run(ninja, timeout=1800)
            detail = ""
            if rc != 0:
                verdict = "stillborn"
            elif digest(object_of(obj, path)) == original_objects[path]:
                verdict = "equivalent"
                detail = "identical object code"
            else:
                verdict = "survived"
                order = [FIRST_TEST[path.split("/")[0]]] + \
                    [t for t in TESTS if t != FIRST_TEST[path.split("/")[0]]]
                for t in order:
                    limit = args.timeout or max(60.0, 5 * baseline[t])
                    rc, secs, out = run(["nice", "-n", "10", os.path.join(obj, "tests", t),
                                         "--gtest_brief=1", "--gtest_fail_fast"],
                                        env=env, timeout=limit)
                    if rc != 0:
                        verdict = "killed"
                        failed = re.findall(r"\[  FAILED  \] (\S+)", out)
                        detail = f"{t}: " + (failed[0] if failed else
                                             "timeout" if rc == "timeout" else f"exit {rc}")
                        break
            counts[verdict] += 1
            line = (f"[{n}/{len(chosen)}] {mid} {path}:{lineno} [{rule}] {verdict}"
                    f"{' (' + detail + ')' if detail else ''}")
            print(line, flush=True)
            report.write(line + "\n")
            if verdict == "survived":
                survivors.append((mid, path, lineno, rule, before.strip(), mutated.strip()))
            lines[lineno - 1] = before
    finally:
        restore_all()
        run(ninja)  # leave the build matching the sources

    live = counts["killed"] + counts["survived"]
    score = 100.0 * counts["killed"] / live if live else 0.0
    summary = [
        "",
        f"mutation: seed {args.seed}, {len(chosen)} mutants of {len(mutants)} "
        f"in {', '.join(CORE_DIRS)} ({(time.monotonic() - started) / 60:.0f} min)",
        f"  killed      {counts['killed']}",
        f"  survived    {counts['survived']}",
        f"  stillborn   {counts['stillborn']}  (do not compile)",
        f"  equivalent  {counts['equivalent']}  (identical object code; not run)",
        f"  score       {score:.1f}% of compiled, non-identical mutants killed",
    ]
    if survivors:
        summary.append("survivors (rerun one with --only ID):")
        for mid, path, lineno, rule, before, after in survivors:
            summary.append(f"  {mid} {path}:{lineno} [{rule}]")
            summary.append(f"      - {before}")
            summary.append(f"      + {after}")
    text = "\n".join(summary)
    print(text)
    report.write(text + "\n")
    report.close()
    print(f"mutation: report in {report_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
