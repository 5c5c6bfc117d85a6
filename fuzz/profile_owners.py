#!/usr/bin/env python3
"""Splits a crash fuzzer's perf profile by who spends the time.

Reads `perf script` output of a `perf record --call-graph dwarf` run (see
fuzz/profile.sh) and attributes each sample to the leaf-most frame that
names an owner: the engine library (by its shared object), libFuzzer,
crashlab's crash simulator (SimFs and crash images), its workload, its
engine adapter, its oracles, or the cycle driver. Frames of the sanitizer
runtime, malloc/new, the C and C++ libraries, and the standard library's,
nlohmann::json's and Abseil's templates are skipped: their time goes to
the code that called them. A second column says how much of each owner's
share was spent inside ASan's allocator (allocation, free, quarantine,
stack depot, libFuzzer's malloc hook). A third says how many times as
fast the fuzzer would run if that owner cost nothing, and the last lines
bound what any work on crashlab's side can reach: the engine library (and
libFuzzer) alone, everything of crashlab's costing nothing.

    perf script -i perf.data | fuzz/profile_owners.py [--engine-dso NAME]...
"""
import argparse
import collections
import re
import sys

ENGINE_DSOS = ["libleveldb", "libsnappy", "libsqlite3"]

# Skipped frames: their time is their caller's.
RUNTIME = re.compile(
    r"^(__asan|__sanitizer|__ubsan|__lsan|__interceptor|__tsan|"
    r"fuzzer::MallocHook|fuzzer::FreeHook|fuzzer::TracePC::AddValueFor|"
    r"fuzzer::TracePC::HandleCmp|MemcmpInterceptor|operator new|"
    r"operator delete|malloc|free|calloc|realloc|\[unknown\]|"
    r"std::|void std::|__gnu_cxx::|nlohmann::|absl::)")
SYSTEM_DSOS = ("libc.so", "libstdc++", "libm.so", "ld-linux", "kernel",
               "libgcc_s", "vdso")
ALLOCATOR = re.compile(
    r"^(__asan::Allocator|__asan::Quarantine|__asan::asan_|"
    r"__sanitizer::StackDepot|__sanitizer::BufferedStackTrace|"
    r"__sanitizer::CombinedAllocator|__sanitizer::SizeClassAllocator|"
    r"__sanitizer::Quarantine|fuzzer::MallocHook|fuzzer::FreeHook)")

# crashlab's parts, by function name (anonymous namespaces as "anon").
OWNERS = [
    ("crash simulator (SimFs, crash images)", re.compile(
        r"^crashlab::(SimFs|SimEnv|FsImage|FileData|ImageBuilder|DrawState|"
        r"StateAt|SyncTracker|record_pool|Trace|VfsMethods|SqliteVfs|"
        r"BackgroundThread|ChoicesAt|Record::|anon::(Sim|ForEachSpan|"
        r"CallerOnCpu|IsManifest))")),
    ("workload (ops, model, effects)", re.compile(
        r"^crashlab::(AuthWorkload|EffectsOf|ApplyMutationToTable|"
        r"OrderedKeys|PickWeighted|LogicalOp|Mutation|Schema|Rng|"
        r"anon::(Object|Put|TouchedRow|ApplyToRow|AfterValue|SameAsBefore))")),
    ("engine adapter (plan, encode, decode)", re.compile(
        r"^crashlab::(PlanKvOp|LeveldbAuthEngine|SqliteAuthEngine|"
        r"DecodeKvRow|EncodeKvRow|PrefixedKvKey|SplitPrefixedKvKey|"
        r"CheckMutation|BindMutation|MutationSql|CachedSql|DriverReply|"
        r"ReadSql|SqlCells|SqliteSettings|anon::(ParseColumns|DumpColumns|"
        r"Malloc|Free|Realloc|Size|Roundup|CellJson|CachedSql))")),
    ("oracles (CheckState)", re.compile(
        r"^crashlab::(CheckState|CheckIndex|AnalyzeCells|CheckAuthState|"
        r"CheckCorruption|UnwrittenCell|ForEachRowKey|CellValue|Finding|"
        r"AuthUserOf|AuthFactsOf|Observation|ApplyWrittenCell|MatchCell|"
        r"RowIn|ValueIn|Cell::)")),
    ("cycle driver", re.compile(
        r"^(crashlab::(RunAuthCycle|RunWorkload|CrashAndCheck|RunCache::)|"
        r"crashlab::anon::(Recover|StatusAt|DrawCrash|CheckCrash)|"
        r"LLVMFuzzerTestOneInput)")),
]


def owner(stack, engine_dsos):
    """stack: [(symbol, dso)], leaf first."""
    for sym, dso in stack:
        # First: the engine's own frames, symbols or not (a distribution's
        # library keeps few), and what it inlined of the standard library.
        if any(e in dso for e in engine_dsos):
            return "engine library"
        if RUNTIME.match(sym):
            continue
        if any(s in dso for s in SYSTEM_DSOS):
            continue
        if sym.startswith("fuzzer::"):
            return "libFuzzer"
        for name, pattern in OWNERS:
            if pattern.match(sym):
                return name
        if sym.startswith("crashlab::"):
            return "crashlab, other"
    return "unattributed"


def samples(lines):
    stack = []
    frame = re.compile(r"^\s*[0-9a-f]+ (.*?)(?:\+0x[0-9a-f]+)? \((.*)\)$")
    for line in lines:
        if not line.strip():
            if stack:
                yield stack
            stack = []
            continue
        m = frame.match(line.rstrip("\n"))
        if m:
            sym = m.group(1).replace("(anonymous namespace)", "anon")
            stack.append((sym, m.group(2)))
    if stack:
        yield stack


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine-dso", action="append", default=[],
                        help="another shared object counted as the engine")
    args = parser.parse_args()
    engine_dsos = ENGINE_DSOS + args.engine_dso
    total = 0
    by_owner = collections.Counter()
    in_allocator = collections.Counter()
    for stack in samples(sys.stdin):
        total += 1
        who = owner(stack, engine_dsos)
        by_owner[who] += 1
        if any(ALLOCATOR.match(sym) for sym, _ in stack):
            in_allocator[who] += 1
    if total == 0:
        sys.exit("profile_owners: no samples on standard input "
                 "(pipe `perf script` of a --call-graph dwarf recording)")
    print(f"{total} samples")
    print(f"{'share':>6}  {'of it in ASan allocator':>23}  {'if free':>7}  owner")
    for who, n in by_owner.most_common():
        print(f"{100 * n / total:5.1f}%  {100 * in_allocator[who] / total:22.1f}%"
              f"  {Speedup(total, total - n):>7}  {who}")
    engine = by_owner["engine library"]
    fuzzer = engine + by_owner["libFuzzer"]
    print(f"bound: {Speedup(total, engine)} as fast with only the engine "
          f"library's time left, {Speedup(total, fuzzer)} with the engine's "
          f"and libFuzzer's (every other owner costing nothing)")


def Speedup(total, left):
    """How many times as fast a run of `total` samples is with `left`."""
    return f"x{total / left:.2f}" if left > 0 else "unbounded"


if __name__ == "__main__":
    main()
