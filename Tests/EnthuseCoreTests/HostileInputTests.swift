import Foundation
import GRDB
import Testing
@testable import EnthuseCore

/// Files an inbox should never contain, each refused with a clear message and no effect on the
/// other files of the run.
@Suite("Hostile and broken input")
struct HostileInputTests {
    static let goodLedger = "Reference,Funder ID,Funder,Round,Kind,Date,Amount,Memo\r\nFIN-2008-0001,WT,Wellcome Trust,2008,pledge,01/03/2008,\"10,000,000.00\",\r\n"

    /// Runs an inbox holding `bytes` as a register plus a good ledger; checks the ledger loaded.
    static func runBeside(_ bytes: [UInt8], name: String = "edubasealldata20200101.csv") throws -> (FileOutcome, Scratch) {
        let scratch = try Scratch()
        try scratch.write(name, bytes: bytes)
        try scratch.write("contributions_20140101.csv", text: goodLedger)
        let report = try scratch.run()
        #expect(report.files.first { $0.fileName == "contributions_20140101.csv" }?.status == .loaded, "the other file must still load")
        return (try #require(report.files.first { $0.fileName == name }), scratch)
    }

    static var header: [UInt8] { Array((TinyRegister.header + "\r\n").utf8) }
    static func row(_ urn: Int, _ name: String) -> [UInt8] { Array((TinyRegister.row(urn: urn, name: name) + "\r\n").utf8) }

    @Test func emptyFileIsRejected() throws {
        let (file, _) = try Self.runBeside([])
        #expect(file.status == .rejected)
        #expect(file.message?.contains("the file is empty") == true)
    }

    @Test func headerOnlyFileIsRejected() throws {
        let (file, _) = try Self.runBeside(Self.header)
        #expect(file.status == .rejected)
        #expect(file.message?.contains("no records") == true)
    }

    @Test func fileThatClaimsUTF16IsRejected() throws {
        let units: [UInt8] = Array("URN,Name\r\n".utf16).flatMap { unit -> [UInt8] in [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let utf16: [UInt8] = [0xFF, 0xFE] + units
        let (file, _) = try Self.runBeside(utf16)
        #expect(file.status == .rejected)
        #expect(file.message?.contains("UTF-16") == true)
    }

    @Test func unterminatedQuoteAtEndOfFileIsRejectedNamingTheLine() throws {
        let (file, scratch) = try Self.runBeside(Self.header + Self.row(100001, "Fine") + Array("100002,\"330\",\"Never closed".utf8))
        #expect(file.status == .rejected)
        #expect(file.message?.contains("line 3") == true)
        #expect(try scratch.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM stg_school_register") } == 0)
    }

    @Test func nulByteRejectsItsRowOnly() throws {
        var bytes = Self.header + (1...60).flatMap { Self.row(100000 + $0, "School \($0)") }
        bytes += Array("100099,\"330\",\"Birmingham\",\"2040\",\"Nul".utf8) + [0] + Array("School\",\"Community school\",\"Local authority maintained schools\",\"Open\",\"\",\"\",\"Primary\",4,11,420,\"21.5\",\"\",\"10012345\",\"Birmingham\",\"B10 7TD\",\"West Midlands\",\"Urban\",\"01-02-2020\",\"A\",\"B\"\r\n".utf8)
        let (file, _) = try Self.runBeside(bytes)
        #expect(file.status == .loaded)
        #expect(file.rowsRejected == 1)
        #expect(file.sampleRejects.first?.reason.contains("NUL") == true)
        #expect(file.sampleRejects.first?.line == 62)
    }

    @Test func undefinedWindows1252ByteRejectsItsRowNamingTheByte() throws {
        var bytes = Self.header + (1...60).flatMap { Self.row(100000 + $0, "School \($0)") }
        bytes += Self.row(100099, "Bad X School").map { $0 == UInt8(ascii: "X") ? 0x81 : $0 }
        let (file, _) = try Self.runBeside(bytes)
        #expect(file.encoding == "windows-1252")
        #expect(file.rowsRejected == 1)
        #expect(file.sampleRejects.first?.reason.contains("0x81") == true)
        #expect(file.sampleRejects.first?.field == "name")
    }

    @Test func fileMixingUTF8AndWindows1252IsRejected() throws {
        let bytes = Self.header + Self.row(100001, "École") + Self.row(100002, "Caf\u{E9}").map { $0 == 0xC3 ? 0xE9 : $0 }.filter { $0 != 0xA9 }
        let (file, _) = try Self.runBeside(bytes)
        #expect(file.status == .rejected)
        #expect(file.message?.contains("mixes encodings") == true)
    }

    @Test func mixedLineEndingsLoadWithTheRightLineNumbers() throws {
        let rows = [TinyRegister.row(urn: 100001, name: "A"), TinyRegister.row(urn: 100002, name: "B"), TinyRegister.row(urn: 100003, name: "Bad", pupils: "x")]
        let text = TinyRegister.header + "\r\n" + rows[0] + "\n" + rows[1] + "\r" + rows[2] + "\r\n"
        let scratch = try Scratch()
        try scratch.write("edubasealldata20200101.csv", text: text)
        let report = try scratch.run()
        // 1 of 3 rows is above the register's 2% threshold: the file is refused, rows listed
        #expect(report.files[0].sampleRejects.contains { $0.line == 4 && $0.field == "pupils" })
    }

    @Test func hundredMegabyteFieldIsRefusedInFlatMemory() throws {
        let scratch = try Scratch()
        let url = scratch.inbox.appendingPathComponent("edubasealldata20200101.csv")
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        handle.write(Data(Self.header))
        handle.write(Data("100001,\"330\",\"Birmingham\",\"2040\",\"".utf8))
        let chunk = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
        for _ in 0..<100 { handle.write(chunk) }
        handle.write(Data("\"\r\n".utf8))
        try handle.close()

        let time = Process()
        time.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        time.arguments = ["-f", "%M", Project.executable.path, "run", "--inbox", scratch.inbox.path, "--warehouse", scratch.warehouse]
        time.currentDirectoryURL = Project.root
        let err = Pipe()
        time.standardError = err
        time.standardOutput = FileHandle.nullDevice
        try time.run()
        let output = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        time.waitUntilExit()

        #expect(time.terminationStatus == 65)
        let peakKiB = Int(output.split(separator: "\n").last ?? "") ?? .max
        #expect(peakKiB < 96 * 1024, "peak RSS \(peakKiB) KiB for a 100 MB field")
        try scratch.read { (db: Database) throws in
            let reason = try String.fetchOne(db, sql: "SELECT reason FROM etl_reject WHERE line = 2")
            #expect(reason?.contains("longer than 4194304 bytes") == true, "\(reason ?? "")")
        }
    }

    @Test func xmlFileRenamedAsCSVIsRejectedNamingTheMissingColumns() throws {
        let xml = try Data(contentsOf: Project.spec.appendingPathComponent("contributions_20140405.xml"))
        let (file, _) = try Self.runBeside([UInt8](xml))
        #expect(file.status == .rejected)
        #expect(file.message?.contains("lacks the required columns 'URN'") == true)
    }
}
