import Foundation
import GRDB

/// The rejected rows of a run, streamed out as CSV or JSON lines for the people who fix them.
///
/// CSV cells that a spreadsheet would run as a formula (starting `=`, `+`, `-`, `@`, tab or
/// carriage return) are prefixed with `'`, so opening the export never executes anything.
public enum RejectExport {
    public enum Format: String, CaseIterable, Sendable {
        case csv, json, table
    }

    static let columns = ["run_id", "file", "line", "field", "value", "reason", "raw"]

    /// Streams the rejects of `runID` (default: the latest run) from the warehouse at `path`;
    /// returns the run shown, or nil when the warehouse has no runs.
    public static func write(warehouse path: String, runID: Int64?, format: Format, to write: (String) -> Void) throws -> Int64? {
        try Warehouse.openReadOnly(path: path).read { db in
            guard let run = try runID ?? latestRun(db) else { return nil }
            _ = try self.write(db, runID: run, format: format, to: write)
            return run
        }
    }

    /// The newest run id, or nil when there are no runs.
    public static func latestRun(_ db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT max(id) FROM etl_run")
    }

    /// Writes every reject of `runID` in `format` through `write`, one row at a time.
    public static func write(_ db: Database, runID: Int64, format: Format, to write: (String) -> Void) throws -> Int {
        let rows = try Row.fetchCursor(db, sql: """
            SELECT run_id, file, line, field, value, reason, raw FROM etl_reject WHERE run_id = ? ORDER BY id
            """, arguments: [runID])
        var count = 0
        if format == .csv { write(columns.joined(separator: ",")) }
        while let row = try rows.next() {
            count += 1
            let values: [String?] = columns.map { name in (row[name] as DatabaseValue).text }
            switch format {
            case .csv:
                write(values.map { CSVText.quoted(neutralised($0 ?? "")) }.joined(separator: ","))
            case .json:
                var object: [String: Any] = [:]
                for (name, value) in zip(columns, values) { object[name] = value.map { name == "run_id" || name == "line" ? Int($0) ?? $0 : $0 } ?? NSNull() }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                write(String(decoding: data, as: UTF8.self))
            case .table:
                let location = [values[1], values[2]].compactMap { $0 }.joined(separator: ":")
                let field = values[3].map { "\($0): " } ?? ""
                let found = values[4].map { " (found '\($0)')" } ?? ""
                write("\(location): \(field)\(values[5] ?? "")\(found)")
            }
        }
        return count
    }

    /// A cell that cannot be mistaken for a spreadsheet formula.
    public static func neutralised(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return cell }
        return "'" + cell
    }
}

extension DatabaseValue {
    /// The value as text, as `sqlite3` prints it; nil for NULL.
    var text: String? {
        switch storage {
        case .null: return nil
        case let .int64(number): return String(number)
        case let .double(number): return String(number)
        case let .string(string): return string
        case let .blob(data): return "x'" + data.map { String(format: "%02x", $0) }.joined() + "'"
        }
    }
}
