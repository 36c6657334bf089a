import Foundation
import GRDB

/// The warehouse columns that pipelines' `exists_in` rules name, read once in a run and kept
/// until a file commits whose pipeline may have written their table: its staging table, or a
/// table its transform SQL names. (A perf profile of the national nightly spent 9% of its samples
/// reading `dim_school.urn` again for each of its 420 attendance registers.)
///
/// A view's column is read afresh for every file: the tables under it are not known here.
/// Used from the connection's thread only, like the loader that owns it.
final class ReferenceSetCache {
    private var sets: [String: ReferenceSet] = [:]
    /// Each transform's SQL, lowercased, by its path.
    private var transforms: [String: String] = [:]
    /// Whether a pipeline's files may write a table, by pipeline source and table.
    private var writers: [String: Bool] = [:]
    private let projectRoot: URL

    init(projectRoot: URL) {
        self.projectRoot = projectRoot
    }

    /// The sets `pipeline`'s rules need, by `table.column`.
    func sets(_ db: Database, for pipeline: PipelineDefinition) throws -> [String: ReferenceSet] {
        var needed: [String: ReferenceSet] = [:]
        for target in Set(pipeline.columns.compactMap(\.existsIn)) {
            if let cached = sets[target] {
                needed[target] = cached
                continue
            }
            let parts = target.split(separator: ".").map(String.init)
            let isTable = try db.tableExists(parts[0])
            guard try isTable || db.viewExists(parts[0]), try db.columns(in: parts[0]).contains(where: { $0.name == parts[1] }) else {
                throw PipelineConfigurationError(file: pipeline.definitionPath, line: nil, message: "exists_in names \(target), which the warehouse does not have")
            }
            let values = try DatabaseValue.fetchAll(db, sql: "SELECT DISTINCT \(parts[1].quotedDatabaseIdentifier) FROM \(parts[0].quotedDatabaseIdentifier)").map { value -> FieldValue in
                switch value.storage {
                case let .int64(number): return .integer(number)
                case let .double(number): return .real(number)
                case let .string(text): return .text(text)
                default: return .null
                }
            }
            let set = ReferenceSet(values: values)
            if isTable { sets[target] = set }
            needed[target] = set
        }
        return needed
    }

    /// Forgets the sets whose table a file of `pipeline` may have changed, now that it committed.
    func fileCommitted(pipeline: PipelineDefinition) {
        guard !sets.isEmpty else { return }
        sets = sets.filter { target, _ in !writes(pipeline, table: String(target.split(separator: ".")[0])) }
    }

    /// Whether a file of `next` may be validated while a file of `current` is still loading: each
    /// column its `exists_in` rules read is a table's that `current` does not write (a view's
    /// tables are not known here, so a view's column says no).
    func isUnaffected(_ next: PipelineDefinition, by current: PipelineDefinition, _ db: Database) throws -> Bool {
        for target in Set(next.columns.compactMap(\.existsIn)) {
            let table = String(target.split(separator: ".")[0])
            guard try db.tableExists(table), !writes(current, table: table) else { return false }
        }
        return true
    }

    /// Whether a file of `pipeline` may change `table`: its staging table, or one its transform
    /// writes. Answered once a run for each pipeline and table: matching a transform's text with a
    /// Swift `Regex` takes about a millisecond, and asked again for every file it was 0.9 s of a
    /// national nightly (perf).
    private func writes(_ pipeline: PipelineDefinition, table: String) -> Bool {
        let key = pipeline.source + "\u{0}" + table
        if let known = writers[key] { return known }
        let transform = pipeline.transform.map(statements(of:)) ?? ""
        let answer = table.lowercased() == pipeline.staging.lowercased() || Self.writes(transform, table: table.lowercased())
        writers[key] = answer
        return answer
    }

    /// A transform's SQL, lowercased and without comments, by its path. (Unreadable SQL cannot
    /// have run: its file would not have committed.)
    private func statements(of path: String) -> String {
        if let text = transforms[path] { return text }
        let sql = (try? String(contentsOf: projectRoot.appendingPathComponent(path), encoding: .utf8)) ?? ""
        let text = sql.lowercased().split(separator: "\n", omittingEmptySubsequences: false)
            .map { (line: Substring) -> Substring in line.firstRange(of: "--").map { line[..<$0.lowerBound] } ?? line }
            .joined(separator: "\n")
        transforms[path] = text
        return text
    }

    /// Whether `sql` inserts into, updates, deletes from, creates, drops or alters `table`.
    ///
    /// A Swift `Regex`, not `NSRegularExpression`: that one is ICU's, and its first use loads
    /// ICU's data into the run (`/proc/PID/smaps`).
    static func writes(_ sql: String, table: String) -> Bool {
        let name = table.map { $0.isLetter || $0.isNumber || $0 == "_" ? String($0) : "\\" + String($0) }.joined()
        let pattern = #"\b(into|update(\s+or\s+\w+)?|delete\s+from|table)\s+(if\s+(not\s+)?exists\s+)?(main\.)?"?"# + name + #""?\b"#
        // The name is escaped, so the pattern compiles; if it ever did not, "writes" is the safe answer.
        guard let regex = try? Regex(pattern) else { return true }
        return sql.contains(regex)
    }
}
