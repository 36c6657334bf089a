import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive, non-blocking lock beside the warehouse (`<warehouse>.lock`) so that two loads
/// never overlap: the second one learns at once and exits 75 (`EX_TEMPFAIL`, try later).
///
/// `flock` locks belong to the open file description, so the kernel drops the lock when the
/// process dies, however it dies: a killed run never leaves a stale lock behind.
public final class RunLock {
    public let path: String
    private let descriptor: Int32

    public init(warehousePath: String) throws(RunLockError) {
        path = warehousePath + ".lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw .held(path: path, holder: holder)
        }
        let note = "pid \(getpid()) since \(Timestamp.now())\n"
        _ = ftruncate(descriptor, 0)
        _ = note.withCString { write(descriptor, $0, strlen($0)) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

public enum RunLockError: Error, CustomStringConvertible {
    case held(path: String, holder: String?)
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case let .held(path, holder):
            return "another run holds the warehouse lock \(path)\(holder.map { " (\($0))" } ?? ""); try again when it has finished"
        case let .cannotOpen(path, reason):
            return "cannot open the lock file \(path): \(reason); check the warehouse directory is writable"
        }
    }
}
