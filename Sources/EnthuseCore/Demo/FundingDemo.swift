import Foundation

/// Synthetic funder ledgers for both funding rounds (sources.md §3): one XML export and one later
/// CSV export that overlaps it (duplicates to skip) and re-delivers one entry with a different
/// amount (a conflict for finance), with names as finance types them (`DfE`, `GSK`, the trust's
/// old name) and amounts as accountants write them.
public struct FundingDemo {
    struct Entry {
        var ref: String
        var funderID: String
        var funderName: String
        var round: String
        var kind: String
        var date: ISODate
        var pence: Int64
        var memo: String
    }

    public static let xmlName = "contributions_20140405.xml"
    public static let csvName = "contributions_20190731.csv"

    public init() {}

    /// Writes the two ledger files into `inbox`; returns their names.
    @discardableResult
    public func write(to inbox: URL) throws -> [String] {
        let entries = Self.ledger()
        let cutoff = ISODate(year: 2014, month: 4, day: 5)!
        let overlapFrom = ISODate(year: 2013, month: 11, day: 1)!
        try Self.xml(entries.filter { $0.date <= cutoff }).write(to: inbox.appendingPathComponent(Self.xmlName), atomically: true, encoding: .utf8)
        var later = entries.filter { $0.date >= overlapFrom }
        // Finance re-keyed one entry of the overlap with a typo: a conflict, never an overwrite.
        if let index = later.firstIndex(where: { $0.kind == "pledge" && $0.date <= cutoff }) { later[index].pence += 900 }
        try Self.csv(later).write(to: inbox.appendingPathComponent(Self.csvName), atomically: true, encoding: .utf8)
        return [Self.xmlName, Self.csvName]
    }

    /// Pledges that sum to each round's announced total, and the instalments that pay them.
    static func ledger() -> [Entry] {
        let round2008: [(String, String, Int64, Int)] = [
            ("WT", "Wellcome Trust", 10_000_000, 5), ("DFE", "Department for Education", 10_000_000, 5),
            ("AZ", "AstraZeneca", 1_000_000, 2), ("AZSTT", "AstraZeneca Science Teaching Trust", 750_000, 4),
            ("BAE", "BAE Systems", 1_000_000, 2), ("BP", "BP", 1_000_000, 1), ("GEF", "General Electric Foundation", 500_000, 1),
            ("GSK", "GSK", 1_000_000, 1), ("RR", "Rolls-Royce", 1_000_000, 2), ("VOD", "Vodafone", 500_000, 2),
            ("VGF", "Vodafone Group Foundation", 250_000, 1),
        ]
        let round2013: [(String, String, Int64, Int)] = [
            ("DFE", "DfE", 10_000_000, 5), ("WT", "Wellcome Trust", 10_000_000, 5), ("BAE", "BAE Systems", 500_000, 2),
            ("BIOCHEM", "Biochemical Society", 50_000, 1), ("BP", "BP", 500_000, 2), ("IET", "IET", 200_000, 3),
            ("IMECHE", "IMechE", 250_000, 3), ("RR", "Rolls-Royce", 500_000, 3), ("RC1851", "Royal Commission for the 1851 Exhibition", 75_000, 1),
            ("IBM", "IBM", 100_000, 2), ("ISTRUCTE", "IStructE", 25_000, 1), ("RSC", "Royal Society of Chemistry", 150_000, 1),
        ]
        var entries: [Entry] = []
        var counters: [Int: Int] = [:]
        func add(_ id: String, _ name: String, _ round: String, _ kind: String, _ date: ISODate, _ pence: Int64, _ memo: String) {
            counters[date.year, default: 0] += 1
            let ref = String(format: "FIN-%04d-%04d", date.year, counters[date.year]!)
            entries.append(Entry(ref: ref, funderID: id, funderName: name, round: round, kind: kind, date: date, pence: pence, memo: memo))
        }
        for (round, funders, start) in [("2008", round2008, ISODate(year: 2008, month: 3, day: 3)!), ("2013/14", round2013, ISODate(year: 2013, month: 11, day: 4)!)] {
            for (offset, funder) in funders.enumerated() {
                let pledged = funder.2 * 100
                let pledgeDate = ISODate(daysSinceEpoch: start.daysSinceEpoch + offset * 9)!
                add(funder.0, funder.1, round, "pledge", pledgeDate, pledged, "")
                let instalments = funder.3
                var paid: Int64 = 0
                for instalment in 1...instalments {
                    // The last instalment takes the rounding remainder, to the penny.
                    let amount = instalment == instalments ? pledged - paid : pledged / Int64(instalments)
                    paid += amount
                    let date = ISODate(daysSinceEpoch: pledgeDate.daysSinceEpoch + 60 + instalment * 170)!
                    // After the trust's 2013 rename finance types its new name.
                    let name = funder.0 == "AZSTT" && date.year >= 2013 ? "Primary Science Teaching Trust" : funder.1
                    let id = funder.0 == "AZSTT" && date.year >= 2013 ? "PSTT" : funder.0
                    let memo = instalments > 1 ? "Instalment \(instalment) of \(instalments)" : ""
                    if funder.0 == "IBM" && instalment == instalments { continue } // still outstanding
                    add(id, name, round, "receipt", date, amount, memo)
                }
            }
        }
        // BP overpays its 2008 pledge by £1,000 and is refunded.
        if let index = entries.firstIndex(where: { $0.funderID == "BP" && $0.round == "2008" && $0.kind == "receipt" }) {
            entries[index].pence += 100_000
            entries[index].memo = "overpaid £1,000.00"
            let refundDate = ISODate(daysSinceEpoch: entries[index].date.daysSinceEpoch + 40)!
            add("BP", "BP", "2008", "refund", refundDate, -100_000, "Refund of overpayment")
        }
        return entries.sorted { ($0.date, $0.ref) < ($1.date, $1.ref) }
    }

    static func xml(_ entries: [Entry]) -> String {
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<Ledger xmlns=\"urn:enthuse:finance:1\" generated=\"2014-04-05T06:30:00\">"]
        for entry in entries {
            lines.append("  <Entry ref=\"\(entry.ref)\">")
            lines.append("    <Funder id=\"\(entry.funderID)\">\(XMLText.escaped(entry.funderName))</Funder>")
            lines.append("    <Round>\(entry.round)</Round>")
            lines.append("    <Kind>\(entry.kind)</Kind>")
            lines.append("    <Date>\(entry.date.text)</Date>")
            lines.append("    <Amount currency=\"GBP\">\(plain(entry.pence))</Amount>")
            lines.append(entry.memo.isEmpty ? "    <Memo/>" : "    <Memo>\(XMLText.escaped(entry.memo))</Memo>")
            lines.append("  </Entry>")
        }
        lines.append("</Ledger>")
        return lines.joined(separator: "\n") + "\n"
    }

    static func csv(_ entries: [Entry]) -> String {
        var lines = ["Reference,Funder ID,Funder,Round,Kind,Date,Amount,Memo"]
        for (index, entry) in entries.enumerated() {
            let date = String(format: "%02d/%02d/%04d", entry.date.day, entry.date.month, entry.date.year)
            // Amounts as accountants write them, in turn.
            let amount: String
            switch index % 4 {
            case 0: amount = AmountParser.formatPounds(entry.pence)
            case 1: amount = String(AmountParser.formatPounds(entry.pence).replacingOccurrences(of: "£", with: ""))
            case 2: amount = plain(entry.pence)
            default: amount = entry.pence < 0 ? "(\(AmountParser.formatPounds(-entry.pence).dropFirst()))" : plain(entry.pence)
            }
            lines.append([entry.ref, entry.funderID, entry.funderName, entry.round, entry.kind, date, amount, entry.memo].map(CSVText.quoted).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// `1234.50`: pounds and pence with no separators.
    static func plain(_ pence: Int64) -> String {
        let sign = pence < 0 ? "-" : ""
        return String(format: "%@%lld.%02lld", sign, abs(pence) / 100, abs(pence) % 100)
    }
}
