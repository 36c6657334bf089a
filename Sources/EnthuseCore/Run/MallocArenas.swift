#if canImport(CMalloc)
import CMalloc
#endif

/// How many heaps (arenas) glibc's malloc may keep: two, where it would make up to eight per core.
///
/// Every file is read by threads of its own (a reading thread, and for workbooks a parsing and an
/// unpacking one), and glibc gives a thread that finds the arenas busy a new one, keeping what
/// is freed there for reuse. Over the national nightly's 440 files the arenas came to hold
/// ~15 MiB more than the run ever used at once: peak resident 70–72 MiB, 56–57 MiB with two
/// arenas, in the same time (A/B, two rounds each: 33.2 and 32.8 s against 33.2 and 32.7 s; one
/// arena was half a second slower). Call it first thing, before any thread starts.
public enum MallocArenas {
    public static func limit() {
        #if canImport(CMalloc)
        _ = mallopt(M_ARENA_MAX, 2)
        #endif
    }
}
