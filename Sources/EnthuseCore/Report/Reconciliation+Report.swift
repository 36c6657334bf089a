import Foundation
import GRDB

extension Reconciliation {
    public enum Format: String, CaseIterable, Sendable {
        case table, csv, json
    }

    /// The report in `format`. Money is printed as pounds with thousands separators and pence.
    public func render(_ format: Format) throws -> String {
        switch format {
        case .table: return table
        case .csv: return [csv(rounds, Self.roundColumns), csv(funders, Self.funderColumns), csv(issues, Self.issueColumns)].joined(separator: "\n\n")
        case .json: return try json
        }
    }

    private var table: String {
        var lines: [String] = []
        lines.append("Funding rounds" + (asOf.map { " as of \($0.text)" } ?? ""))
        lines.append(contentsOf: aligned(rounds, ["round", "announced_pence", "pledged_pence", "received_pence", "refunded_pence", "net_received_pence", "outstanding_pence", "variance_to_announced_pence", "status"],
                                         headers: ["round", "announced", "pledged", "received", "refunded", "net received", "outstanding", "pledged − announced", "status"]))
        lines.append("")
        lines.append("By funder")
        lines.append(contentsOf: aligned(funders, ["round", "funder_id", "funder_name", "pledged_pence", "received_pence", "refunded_pence", "outstanding_pence", "entries"],
                                         headers: ["round", "funder", "name", "pledged", "received", "refunded", "outstanding", "entries"]))
        lines.append("")
        if issues.isEmpty {
            lines.append("No issues: every round balances.")
        } else {
            lines.append("Issues (\(issues.count))")
            lines.append(contentsOf: aligned(issues, Self.issueColumns, headers: ["kind", "round", "funder", "ref", "amount", "detail"]))
        }
        return lines.joined(separator: "\n")
    }

    private func cell(_ value: DatabaseValue?, column: String) -> String {
        guard let value, let text = value.text else { return "" }
        if column.hasSuffix("_pence"), case let .int64(pence) = value.storage { return AmountParser.formatPounds(pence) }
        return text
    }

    private func aligned(_ rows: [[String: DatabaseValue]], _ columns: [String], headers: [String]) -> [String] {
        let cells = rows.map { row in columns.map { cell(row[$0], column: $0) } }
        let widths = columns.indices.map { index in ([headers[index]] + cells.map { $0[index] }).map(\.count).max() ?? 0 }
        func line(_ values: [String]) -> String {
            zip(values, columns.indices).map { value, index in
                let pad = String(repeating: " ", count: widths[index] - value.count)
                return columns[index].hasSuffix("_pence") || columns[index] == "entries" ? pad + value : value + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ["  " + line(headers)] + cells.map { "  " + line($0) }
    }

    private func csv(_ rows: [[String: DatabaseValue]], _ columns: [String]) -> String {
        ([columns.map { $0.replacingOccurrences(of: "_pence", with: "") }.joined(separator: ",")]
            + rows.map { row in columns.map { CSVText.quoted(RejectExport.neutralised(cell(row[$0], column: $0))) }.joined(separator: ",") })
            .joined(separator: "\n")
    }

    private var json: String {
        get throws {
            func objects(_ rows: [[String: DatabaseValue]]) -> [[String: Any]] {
                rows.map { row in
                    var object: [String: Any] = [:]
                    for (column, value) in row {
                        switch value.storage {
                        case .null: object[column] = NSNull()
                        case let .int64(number):
                            object[column] = number
                            if column.hasSuffix("_pence") { object[String(column.dropLast(6)) + "_pounds"] = AmountParser.formatPounds(number) }
                        case let .double(number): object[column] = number
                        case let .string(text): object[column] = text
                        case .blob: object[column] = value.text
                        }
                    }
                    return object
                }
            }
            let document: [String: Any] = [
                "as_of": asOf?.text ?? NSNull(), "balances": balances,
                "rounds": objects(rounds), "funders": objects(funders), "issues": objects(issues),
            ]
            let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }
}
