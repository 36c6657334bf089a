import Foundation

/// Writes a query's rows as they arrive, as an aligned table, CSV or JSON lines.
///
/// Only the table format looks ahead: it sizes its columns from the first ``tableSample`` rows
/// and streams the rest (a wider value then overflows its column). CSV cells holding text that a
/// spreadsheet would run as a formula are neutralised as in ``RejectExport/neutralised(_:)``;
/// numbers are written as numbers.
public enum QueryOutput {
    public enum Format: String, CaseIterable, Sendable {
        case table, csv, json
    }

    /// Rows the table format reads before it fixes its column widths.
    public static let tableSample = 500

    /// Streams every row of `query` through `write`, one line at a time; returns the row count.
    @discardableResult
    public static func write(_ query: AnalystQuery, format: Format, to write: (String) -> Void) throws -> Int {
        switch format {
        case .csv: return try csv(query, write)
        case .json: return try json(query, write)
        case .table: return try table(query, write)
        }
    }

    private static func csv(_ query: AnalystQuery, _ write: (String) -> Void) throws -> Int {
        write(query.columns.map { CSVText.quoted(RejectExport.neutralised($0)) }.joined(separator: ","))
        var count = 0
        while let row = try query.next() {
            count += 1
            write(row.map { value in
                guard case let .text(text) = value else { return value.text ?? "" }
                return CSVText.quoted(RejectExport.neutralised(text))
            }.joined(separator: ","))
        }
        return count
    }

    /// One JSON object per line, keys in the result's column order (a repeated name gets `_2`).
    private static func json(_ query: AnalystQuery, _ write: (String) -> Void) throws -> Int {
        var seen: [String: Int] = [:]
        let keys = query.columns.map { name -> String in
            seen[name, default: 0] += 1
            let key = seen[name]! == 1 ? name : "\(name)_\(seen[name]!)"
            return JSONText.string(key)
        }
        var count = 0
        while let row = try query.next() {
            count += 1
            write("{" + zip(keys, row).map { "\($0):\(JSONText.value($1))" }.joined(separator: ",") + "}")
        }
        return count
    }

    private static func table(_ query: AnalystQuery, _ write: (String) -> Void) throws -> Int {
        var sample: [[QueryValue]] = []
        while sample.count < tableSample, let row = try query.next() { sample.append(row) }
        var widths = query.columns.map(\.count)
        for row in sample {
            for (index, value) in row.enumerated() { widths[index] = max(widths[index], cell(value).count) }
        }
        func line(_ cells: [String], numeric: [Bool]) -> String {
            cells.indices.map { index in
                let last = index == cells.count - 1
                let pad = String(repeating: " ", count: max(0, widths[index] - cells[index].count))
                return numeric[index] ? pad + cells[index] : last ? cells[index] : cells[index] + pad
            }.joined(separator: "  ")
        }
        // A column is right-aligned when its sampled values are all numbers (NULLs aside).
        let numeric = query.columns.indices.map { index in
            sample.contains { $0[index].isNumber } && sample.allSatisfy { $0[index].isNumber || $0[index] == .null }
        }
        write(line(query.columns, numeric: numeric))
        write(line(widths.map { String(repeating: "-", count: $0) }, numeric: numeric))
        func emit(_ row: [QueryValue]) {
            write(line(row.map(cell), numeric: numeric))
        }
        sample.forEach(emit)
        var count = sample.count
        while let row = try query.next() {
            count += 1
            emit(row)
        }
        write("(\(count) row\(count == 1 ? "" : "s"))")
        return count
    }

    /// A table cell: NULL is empty, control characters are shown escaped so a row stays a line.
    private static func cell(_ value: QueryValue) -> String {
        guard let text = value.text else { return "" }
        guard text.contains(where: { $0.isNewline || $0 == "\t" }) else { return text }
        return text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
    }
}

extension QueryValue {
    var isNumber: Bool {
        switch self {
        case .integer, .real: return true
        default: return false
        }
    }
}

/// JSON text for single values, written by hand so that a row's keys keep their column order.
enum JSONText {
    static func value(_ value: QueryValue) -> String {
        switch value {
        case .null: return "null"
        case let .integer(number): return String(number)
        case let .real(number): return number.isFinite ? String(number) : "null"
        case let .text(text): return string(text)
        case .blob: return string(value.text ?? "")
        }
    }

    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
