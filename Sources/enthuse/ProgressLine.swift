import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress of a long load: a line rewritten in place on a terminal; nothing when stderr is not a
/// terminal (logs then carry one line per finished file instead).
enum ProgressLine {
    static func reporter() -> (@Sendable (String, Int, Int) -> Void)? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        let start = ContinuousClock.now
        return { file, rows, bytes in
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = seconds > 0 ? Int(Double(rows) / seconds) : 0
            let line = "\r\(file): \(rows) rows, \(bytes >> 20) MiB, \(rate) rows/s   "
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}
