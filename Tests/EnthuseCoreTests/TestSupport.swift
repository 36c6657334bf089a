import Foundation
import GRDB
import Logging
@testable import EnthuseCore

/// Paths and scratch space shared by the tests.
enum Project {
    /// The repository root, found from this file's location.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let pipelines = root.appendingPathComponent("pipelines")
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    static let spec = fixtures.appendingPathComponent("spec")

    /// The `enthuse` executable built beside the test bundle.
    static let executable = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("enthuse")

    static func catalog() throws -> PipelineCatalog {
        try PipelineCatalog(directory: pipelines.path)
    }
}

/// A throwaway directory with an inbox and a warehouse path, removed when the test ends.
final class Scratch {
    let directory: URL
    let inbox: URL
    var warehouse: String { directory.appendingPathComponent("warehouse.sqlite").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("enthuse-test-\(UUID().uuidString)")
        inbox = directory.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Copies a fixture into the inbox, optionally under another name.
    func add(fixture: String, as name: String? = nil) throws {
        let source = Project.spec.appendingPathComponent(fixture)
        try FileManager.default.copyItem(at: source, to: inbox.appendingPathComponent(name ?? fixture))
    }

    /// Writes bytes into the inbox.
    func write(_ name: String, bytes: [UInt8]) throws {
        try Data(bytes).write(to: inbox.appendingPathComponent(name))
    }

    func write(_ name: String, text: String, windows1252: Bool = false) throws {
        let bytes: [UInt8] = windows1252 ? text.unicodeScalars.map { Windows1252.encode($0)! } : Array(text.utf8)
        try write(name, bytes: bytes)
    }

    func remove(_ name: String) throws {
        try FileManager.default.removeItem(at: inbox.appendingPathComponent(name))
    }

    /// Runs every pipeline over the inbox, in process.
    @discardableResult
    func run() throws -> RunReport {
        try PipelineRunner(catalog: Project.catalog(), warehousePath: warehouse, logger: Logger(label: "test")).run(inbox: inbox.path)
    }

    /// Reads the warehouse.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try Warehouse.openReadOnly(path: warehouse).read(body)
    }

    /// A stable text dump of the given tables (or SELECT queries), for comparing two warehouses.
    func dump(_ tables: [String]) throws -> String {
        try read { db in
            try tables.map { table in
                let sql = table.hasPrefix("SELECT") ? table : "SELECT * FROM \(table)"
                let rows = try Row.fetchAll(db, sql: sql).map(\.description).sorted()
                return table + "\n" + rows.joined(separator: "\n")
            }.joined(separator: "\n")
        }
    }
}

/// Runs the built `enthuse` executable and captures its output.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

@discardableResult
func enthuse(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
    let process = Process()
    process.executableURL = Project.executable
    process.arguments = arguments
    process.currentDirectoryURL = Project.root
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// A tiny GIAS-like register for history tests: the used columns plus the head teacher's name.
enum TinyRegister {
    static let header = "\"URN\",\"LA (code)\",\"LA (name)\",\"EstablishmentNumber\",\"EstablishmentName\",\"TypeOfEstablishment (name)\",\"EstablishmentTypeGroup (name)\",\"EstablishmentStatus (name)\",\"OpenDate\",\"CloseDate\",\"PhaseOfEducation (name)\",\"StatutoryLowAge\",\"StatutoryHighAge\",\"NumberOfPupils\",\"PercentageFSM\",\"Trusts (name)\",\"UKPRN\",\"Town\",\"Postcode\",\"GOR (name)\",\"UrbanRural (name)\",\"LastChangedDate\",\"HeadFirstName\",\"HeadLastName\""

    /// One establishment row.
    static func row(urn: Int, name: String, status: String = "Open", closeDate: String = "", openDate: String = "01-09-1990",
                    trust: String = "", pupils: String = "420", head: (String, String) = ("Ada", "Lovelace")) -> String {
        "\(urn),\"330\",\"Birmingham\",\"2040\",\"\(name)\",\"Community school\",\"Local authority maintained schools\",\"\(status)\",\"\(openDate)\",\"\(closeDate)\",\"Primary\",4,11,\(pupils),\"21.5\",\"\(trust)\",\"10012345\",\"Birmingham\",\"B10 7TD\",\"West Midlands\",\"Urban\",\"01-02-2020\",\"\(head.0)\",\"\(head.1)\""
    }

    static func file(_ rows: [String]) -> String {
        ([header] + rows).joined(separator: "\r\n") + "\r\n"
    }
}

/// A tiny CRM export for partnership tests: one `<Partnership>` per call to `partnership`.
enum TinyExport {
    struct Member {
        var urn: Int
        var joined = "2015-09-01"
        var left: String?
    }

    static func partnership(_ id: String, lead: Int, members: [Member], start: String = "2015-09-01", end: String = "2017-08-31",
                            focus: [String] = ["Science"], grant: String = "12000.00", name: String = "Test Science Partnership") -> String {
        var lines = ["  <Partnership id=\"\(id)\">", "    <Name>\(name)</Name>"]
        lines += focus.map { "    <Focus>\($0)</Focus>" }
        lines += ["    <LeadURN>\(lead)</LeadURN>", "    <ActionPlan start=\"\(start)\" end=\"\(end)\"/>",
                  "    <Grant currency=\"GBP\">\(grant)</Grant>", "    <Members>"]
        lines += members.map { "      <Member urn=\"\($0.urn)\" joined=\"\($0.joined)\"\($0.left.map { " left=\"\($0)\"" } ?? "")/>" }
        lines += ["    </Members>", "  </Partnership>"]
        return lines.joined(separator: "\n")
    }

    static func members(_ urns: [Int]) -> [Member] { urns.map { Member(urn: $0) } }

    static func file(_ partnerships: [String]) -> String {
        (["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<Partnerships xmlns=\"urn:enthuse:partnerships:1\" exported=\"2019-07-31T02:00:00\">"]
            + partnerships + ["</Partnerships>"]).joined(separator: "\n") + "\n"
    }
}

/// A tiny KS2 performance-tables file with the 2015/16-onwards columns: one school row per
/// (URN, reading-writing-maths cell), plus an LA row and a national row without URNs.
enum TinyKS2 {
    static func file(_ rows: [(urn: Int, rwm: String)]) -> String {
        var lines = ["RECTYPE,LEA,ESTAB,URN,SCHNAME,TOWN,PCODE,TOTPUPS,TELIG,PTRWM_EXP,PTMAT_EXP,PTSCITA_EXP"]
        lines += rows.map { "1,330,2040,\($0.urn),School \($0.urn),Birmingham,B10 7TD,298,42,\($0.rwm),70%,80%" }
        lines += ["3,330,,,,,,,,61%,70%,80%", "4,,,,,,,,,60%,70%,80%"]
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

extension Pseudonymiser {
    /// The pseudonym of `email` as the validator computes it, as bytes, or why it is not one.
    func digest(ofEmail email: String) -> Result<[UInt8], ValueError> {
        var pseudonym = [UInt8](repeating: 0, count: Pseudonymiser.byteCount)
        let error = Array(email.utf8).withUnsafeBufferPointer { field in
            pseudonym.withUnsafeMutableBufferPointer { digest(ofEmail: field, into: $0.baseAddress!) }
        }
        return error.map { .failure($0) } ?? .success(pseudonym)
    }
}

/// The run and the attendance file (id 1) that rows staged directly in a test belong to.
func recordStagingFile(_ db: Database) throws {
    try db.execute(sql: """
        INSERT INTO etl_run (id, started, inbox, versions) VALUES (1, '2015-01-08T00:00:00Z', 'inbox', '{}');
        INSERT INTO etl_file (id, run_id, path, file_name, source, sha256, size, status, started, finished)
        VALUES (1, 1, 'inbox/a.csv', 'a.csv', 'attendance_csv', ?, 10, 'loaded', '2015-01-08T00:00:00Z', '2015-01-08T00:00:01Z');
        """, arguments: [String(repeating: "ab", count: 32)])
}
