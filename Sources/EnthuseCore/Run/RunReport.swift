import Foundation

/// Everything one run did: the per-file load reports, the refreshes, and what was left alone.
public struct RunReport: Sendable {
    public var runID: Int64
    public var files: [FileOutcome] = []
    public var unclaimed: [String]
    public var refreshes: [RefreshOutcome] = []

    public init(runID: Int64, unclaimed: [String]) {
        self.runID = runID
        self.unclaimed = unclaimed
    }

    /// Some row or file was refused.
    public var hasRejects: Bool {
        files.contains { $0.status == .rejected || $0.rowsRejected > 0 }
    }

    /// 0 when everything loaded and nothing was refused; 65 when anything was refused (all else
    /// still loaded).
    public var exitCode: Int32 { hasRejects ? SysExit.dataRejected : SysExit.success }

    /// Nothing was loaded: every claimed file was a duplicate (or there were none).
    public var isNoOp: Bool { files.allSatisfy { $0.status == .duplicate } }

    /// The summary printed on stdout: one line per file, then totals, then the first rejects.
    public var summary: String {
        var lines = ["run \(runID)"]
        let width = max(20, files.map(\.fileName.count).max() ?? 0)
        for file in files {
            let name = file.fileName.padding(toLength: width, withPad: " ", startingAt: 0)
            let counts = "read \(file.rowsRead), loaded \(file.rowsLoaded), rejected \(file.rowsRejected)"
            lines.append("  \(name)  \(file.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  \(counts)  \(String(format: "%.2fs", file.seconds))")
            if let message = file.message, file.status != .loaded { lines.append("      \(message)") }
        }
        for refresh in refreshes {
            lines.append("  refreshed \(refresh.step) in \(String(format: "%.2fs", refresh.seconds))")
        }
        if !unclaimed.isEmpty {
            lines.append("  not claimed by any pipeline (left untouched): \(unclaimed.joined(separator: ", "))")
        }
        if files.isEmpty {
            lines.append("  no files to load")
        } else if isNoOp {
            lines.append("  nothing new: every file was already loaded; the warehouse is unchanged")
        }
        let rejected = files.filter { $0.status == .rejected || $0.rowsRejected > 0 }
        if !rejected.isEmpty {
            lines.append("rejects (all of them: enthuse rejects --run \(runID)):")
            for file in rejected {
                for reject in file.sampleRejects { lines.append("  " + reject.diagnostic(file: file.fileName)) }
                let shown = file.sampleRejects.count
                let total = file.rowsRejected + (file.status == .rejected ? 1 : 0)
                if total > shown { lines.append("  … and more in \(file.fileName)") }
            }
        }
        return lines.joined(separator: "\n")
    }
}
