import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Progress of a long load: a line rewritten in place on a terminal, wiped when the file is
/// finished; nothing at all when stderr is not a terminal (cron's logs carry one line per
/// finished file instead).
final class ProgressLine: Sendable {
    private let start = ContinuousClock.now
    private let shown = Mutex(false)

    /// A progress line when stderr is a terminal, else nil.
    static func onTerminal() -> ProgressLine? {
        isatty(STDERR_FILENO) == 1 ? ProgressLine() : nil
    }

    /// Rewrites the line: file, rows so far, MiB read, rows per second.
    func report(file: String, rows: Int, bytes: Int) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(rows) / seconds) : 0
        shown.withLock { shown in
            FileHandle.standardError.write(Data("\r\u{1B}[K\(file): \(rows) rows, \(bytes >> 20) MiB, \(rate) rows/s".utf8))
            shown = true
        }
    }

    /// Wipes the line, so what is printed next starts on a clean line.
    func clear() {
        shown.withLock { shown in
            guard shown else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
            shown = false
        }
    }
}
