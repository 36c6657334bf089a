import Foundation
import GRDB
import Testing
@testable import EnthuseCore

@Suite("Funder contributions and reconciliation")
struct FundingTests {
    /// Sums of the sample ledgers computed independently of the loader: XML amounts are plain
    /// `1234.56`; CSV amounts are read here by stripping `£`, commas and parentheses.
    static func expectedTotals() throws -> [String: [String: Int64]] {
        var totals: [String: [String: Int64]] = [:]
        var seen = Set<String>()
        func pence(_ text: String) -> Int64 {
            var t = text.replacingOccurrences(of: "£", with: "").replacingOccurrences(of: ",", with: "")
            var sign: Int64 = 1
            if t.hasPrefix("(") { t = String(t.dropFirst().dropLast()); sign = -1 }
            if t.hasPrefix("-") { t.removeFirst(); sign = -sign }
            let parts = t.split(separator: ".", omittingEmptySubsequences: false)
            let pounds = Int64(parts[0])!
            let fraction = parts.count > 1 ? String(parts[1]).padding(toLength: 2, withPad: "0", startingAt: 0) : "00"
            return sign * (pounds * 100 + Int64(fraction)!)
        }
        func add(_ ref: String, _ round: String, _ kind: String, _ amount: Int64) {
            guard seen.insert(ref).inserted else { return }   // exports overlap: first delivery counts
            totals[round, default: [:]][kind, default: 0] += amount
        }
        let xml = try String(contentsOf: Project.spec.appendingPathComponent("contributions_20140405.xml"), encoding: .utf8)
        let entry = try Regex(#"<Entry ref="([^"]+)">.*?<Round>([^<]+)</Round>\s*<Kind>([^<]+)</Kind>.*?<Amount currency="GBP">([^<]+)</Amount>"#).dotMatchesNewlines()
        for match in xml.matches(of: entry) {
            add(String(match.output[1].substring!), String(match.output[2].substring!), String(match.output[3].substring!), pence(String(match.output[4].substring!)))
        }
        let csv = try String(contentsOf: Project.spec.appendingPathComponent("contributions_20261128.csv"), encoding: .utf8)
        for line in csv.split(whereSeparator: \.isNewline).dropFirst() {
            var fields: [String] = []
            var field = "", quoted = false
            for character in line {
                if character == "\"" { quoted.toggle() } else if character == ",", !quoted { fields.append(field); field = "" } else { field.append(character) }
            }
            fields.append(field)
            add(fields[0], fields[3], fields[4], pence(fields[6]))
        }
        return totals
    }

    @Test func sampleLedgersLoadAndMartsEqualTheSumsOfTheSourceAmounts() throws {
        let scratch = try Scratch()
        try scratch.add(fixture: "contributions_20140405.xml")
        try scratch.add(fixture: "contributions_20261128.csv")

        let report = try scratch.run()

        #expect(report.exitCode == 0)
        #expect(report.files.map(\.status) == [.loaded, .loaded])
        let expected = try Self.expectedTotals()
        try scratch.read { (db: Database) throws in
            for row in try Row.fetchAll(db, sql: "SELECT * FROM mart_funding_round") {
                let round: String = row["round"]
                #expect(row["pledged_pence"] == expected[round]?["pledge"] ?? 0, "round \(round)")
                #expect(row["received_pence"] == expected[round]?["receipt"] ?? 0, "round \(round)")
                #expect(row["refunded_pence"] == -(expected[round]?["refund"] ?? 0), "round \(round)")
            }
            #expect(try Int64.fetchOne(db, sql: "SELECT pledged_pence FROM mart_funding_round WHERE round = '2008'") == 2_700_000_000)
            // The per-funder mart adds up to the per-round mart
            let mismatched = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM mart_funding_round r
                WHERE pledged_pence <> (SELECT sum(pledged_pence) FROM mart_funding_funder f WHERE f.round = r.round)
                   OR received_pence <> (SELECT sum(received_pence) FROM mart_funding_funder f WHERE f.round = r.round)
                """)
            #expect(mismatched == 0)
        }
    }

    @Test func aliasesAndRenamesResolveToOneFunder() throws {
        let scratch = try Scratch()
        try scratch.write("contributions_20140101.csv", text: """
            Reference,Funder ID,Funder,Round,Kind,Date,Amount,Memo
            FIN-2008-0001,,GSK,2008,pledge,01/03/2008,"1,000,000.00",
            FIN-2008-0002,,GlaxoSmithKline,2008,receipt,01/04/2008,"£1,000,000.00",
            FIN-2008-0003,AZSTT,AstraZeneca Science Teaching Trust,2008,pledge,06/07/2008,750000,
            FIN-2013-0001,PSTT,Primary Science Teaching Trust,2008,receipt,15/11/2013,"187,500.00",
            FIN-2008-0004,,DfE,2008,pledge,28/04/2008,5000000,
            FIN-2008-0005,DFE,Department for Education,2008,receipt,08/10/2008,2000000,
            FIN-2008-0006,,Acme Widgets,2008,pledge,08/10/2008,100,
            FIN-2008-0007,BP,Rolls-Royce,2008,pledge,08/10/2008,100,

            """)

        let report = try scratch.run()

        try scratch.read { (db: Database) throws in
            let funders = try Row.fetchAll(db, sql: "SELECT ref, funder_id FROM fct_contribution ORDER BY ref").map { "\($0["ref"] as String)=\($0["funder_id"] as String)" }
            #expect(funders == ["FIN-2008-0001=GSK", "FIN-2008-0002=GSK", "FIN-2008-0003=PSTT", "FIN-2008-0004=DFE", "FIN-2008-0005=DFE", "FIN-2013-0001=PSTT"])
            #expect(try String.fetchOne(db, sql: "SELECT funder_name FROM mart_funding_funder WHERE funder_id = 'PSTT'") == "Primary Science Teaching Trust")
            #expect(try String.fetchOne(db, sql: "SELECT names_over_time FROM dim_funder WHERE funder_id = 'PSTT'")?.contains("AstraZeneca Science Teaching Trust") == true)
            let issues = try String.fetchAll(db, sql: "SELECT kind || ':' || ref FROM mart_funding_issue WHERE ref IS NOT NULL ORDER BY ref")
            #expect(issues == ["unknown_funder:FIN-2008-0006", "rejected_entry:FIN-2008-0007"])
        }
        // Unknown funders are refused for finance to fix, with the file and line
        #expect(report.exitCode == SysExit.dataRejected)
        #expect(report.files[0].rowsRejected == 2)
        #expect(report.files[0].sampleRejects.map(\.line) == [8, 9])
        #expect(report.files[0].sampleRejects[0].reason.contains("unknown funder ''/'Acme Widgets'") || report.files[0].sampleRejects[0].reason.contains("unknown funder"))
    }

    @Test func redeliveredReferenceIsSkippedWhenIdenticalAndAConflictWhenDifferent() throws {
        let header = "Reference,Funder ID,Funder,Round,Kind,Date,Amount,Memo\n"
        let scratch = try Scratch()
        // The later export is delivered first: file dates, not arrival, decide which value is first.
        try scratch.write("contributions_20150101.csv", text: header + """
            FIN-2008-0001,WT,Wellcome Trust,2008,pledge,01/03/2008,"10,000,000.00",
            FIN-2008-0002,BP,BP,2008,pledge,01/04/2008,"1,000,500.00",re-keyed
            """)
        try scratch.run()
        try scratch.write("contributions_20140101.csv", text: header + """
            FIN-2008-0001,WT,Wellcome Trust,2008,pledge,01/03/2008,10000000,
            FIN-2008-0002,BP,BP,2008,pledge,01/04/2008,1000000,
            """)

        try scratch.run()

        try scratch.read { (db: Database) throws in
            #expect(try Int64.fetchAll(db, sql: "SELECT amount_pence FROM fct_contribution ORDER BY ref") == [1_000_000_000, 100_000_000])
            let conflicts = try Row.fetchAll(db, sql: "SELECT ref, file, kept_file, amount_pence FROM contribution_conflict")
            #expect(conflicts.count == 1)
            #expect(conflicts.first?["ref"] == "FIN-2008-0002")
            #expect(conflicts.first?["file"] == "contributions_20150101.csv")
            #expect(conflicts.first?["kept_file"] == "contributions_20140101.csv")
            #expect(try String.fetchOne(db, sql: "SELECT detail FROM mart_funding_issue WHERE kind = 'conflict'")?.contains("amount (£1,000,500.00 not £1,000,000.00)") == true)
        }
    }

    @Test func reconcileExitsZeroWhenBalancedOneOnDiscrepanciesAndAbove1OnErrors() throws {
        let header = "Reference,Funder ID,Funder,Round,Kind,Date,Amount,Memo\n"
        let balanced = try Scratch()
        try balanced.write("contributions_20140101.csv", text: header + """
            FIN-2008-0001,WT,Wellcome Trust,2008,pledge,01/03/2008,"27,000,000.00",
            FIN-2008-0002,WT,Wellcome Trust,2008,receipt,01/04/2008,"27,000,000.00",
            FIN-2013-0001,WT,Wellcome Trust,2013/14,pledge,01/11/2013,"22,000,000.01",
            FIN-2013-0002,WT,Wellcome Trust,2013/14,receipt,01/12/2013,"£22,000,000.01",
            """)
        try balanced.run()
        let clean = try enthuse(["reconcile", "--warehouse", balanced.warehouse])
        #expect(clean.status == 0, "\(clean.stdout)")
        #expect(clean.stdout.contains("£27,000,000.00"))
        #expect(clean.stdout.contains("No issues"))

        // As of a date before the receipts, the pledges are outstanding
        let earlier = try enthuse(["reconcile", "--warehouse", balanced.warehouse, "--as-of", "2008-03-31", "--round", "2008", "--format", "json"])
        #expect(earlier.status == 1)
        let document = try JSONSerialization.jsonObject(with: Data(earlier.stdout.utf8)) as! [String: Any]
        let rounds = document["rounds"] as! [[String: Any]]
        #expect(rounds.count == 1)
        #expect(rounds[0]["outstanding_pence"] as? Int == 2_700_000_000)
        #expect(rounds[0]["status"] as? String == "outstanding")

        let missing = try enthuse(["reconcile", "--warehouse", balanced.directory.appendingPathComponent("nowhere.sqlite").path])
        #expect(missing.status >= 2)
        #expect(missing.stderr.contains("no warehouse at"))
        let usage = try enthuse(["reconcile", "--as-of", "31/03/2008"])
        #expect(usage.status == 64)
    }

    @Test(arguments: ["xxe-file.xml", "xxe-network.xml", "billion-laughs.xml", "truncated.xml", "xsd-violation.xml"])
    func hostileLedgerIsRejectedWithFileAndLineAndTheRunGoesOn(fixture: String) throws {
        let scratch = try Scratch()
        try FileManager.default.copyItem(at: Project.fixtures.appendingPathComponent("xml/\(fixture)"), to: scratch.inbox.appendingPathComponent("contributions_20150101.xml"))
        try scratch.add(fixture: "contributions_20261128.csv")

        let clock = ContinuousClock.now
        let report = try scratch.run()

        #expect(ContinuousClock.now - clock < .seconds(10))
        let hostile = try #require(report.files.first { $0.fileName == "contributions_20150101.xml" })
        #expect(hostile.status == .rejected)
        #expect(hostile.message?.contains("contributions_20150101.xml") == true)
        #expect(hostile.sampleRejects.first?.line != nil, "\(hostile.message ?? "")")
        #expect(report.files.first { $0.fileName == "contributions_20261128.csv" }?.status == .loaded)
        try scratch.read { (db: Database) throws in
            let hostileRows = try Int.fetchOne(db, sql: "SELECT count(*) FROM stg_contribution s JOIN etl_file f ON f.id = s.etl_file_id WHERE f.file_name = 'contributions_20150101.xml'")
            #expect(hostileRows == 0)
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: scratch.warehouse)) + ((try? Data(contentsOf: URL(fileURLWithPath: scratch.warehouse + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data("root:x:0:0".utf8)) == nil, "/etc/passwd leaked into the warehouse")
    }
}
