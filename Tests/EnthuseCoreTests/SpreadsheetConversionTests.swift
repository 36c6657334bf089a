import Foundation
import Testing
@testable import EnthuseCore

/// A real office suite's files: the sample CSV register converted by LibreOffice, headless, to
/// .xlsx and to Excel 2003 XML, must give the same rows through the three readers.
@Suite("Spreadsheets written by LibreOffice")
struct SpreadsheetConversionTests {
    /// `soffice` on the PATH, if LibreOffice is installed (`scripts/install-system-packages`
    /// installs it; CI has it).
    static let soffice: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin")
        .split(separator: ":").map { "\($0)/soffice" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: soffice != nil, "LibreOffice's soffice is not installed: run scripts/install-system-packages"),
          .timeLimit(.minutes(3)))
    func csvConvertedByLibreOfficeGivesTheSameRowsThroughEveryReader() throws {
        // Given the sample CSV register, converted by LibreOffice with UK dates in its first column
        let scratch = try ScratchDirectory()
        let csv = scratch.url.appendingPathComponent("register.csv")
        try FileManager.default.copyItem(at: Project.spec.appendingPathComponent("attendance_EP-0018_2014-autumn_20150108.csv"), to: csv)
        try convert(csv, to: "xlsx", in: scratch)
        try convert(csv, to: "xml:MS Excel 2003 XML", in: scratch)
        let out = scratch.url.appendingPathComponent("out")

        // When each file is read
        let fromCSV = try CSVRecordSource(path: csv.path, encoding: .utf8).records()
        let fromXLSX = try XLSXRecordSource(path: out.appendingPathComponent("register.xlsx").path).records()
        let fromXML = try SpreadsheetMLRecordSource(path: out.appendingPathComponent("register.xml").path).records()

        // Then the rows, their numbers and their values agree once dates and numbers are compared
        // as dates and numbers
        #expect(fromCSV.count == 57)
        #expect(fromXLSX.map(\.line) == fromCSV.map(\.line))
        #expect(fromXML.map(\.line) == fromCSV.map(\.line))
        let expected = fromCSV.map { $0.fields.map(Self.normalised) }
        #expect(fromXLSX.map { $0.fields.map(Self.normalised) } == expected)
        #expect(fromXML.map { $0.fields.map(Self.normalised) } == expected)
        // and the dates really were dates in both workbooks
        #expect(fromXLSX[1].fields[0] == "2014-09-08T00:00:00")
        #expect(fromXML[1].fields[0].hasPrefix("2014-09-08T00:00:00"))
    }

    @Test(.enabled(if: soffice != nil, "LibreOffice's soffice is not installed: run scripts/install-system-packages"),
          .timeLimit(.minutes(3)))
    func registerSavedByLibreOfficeAsXLSXAndExcel2003XMLLoadsTheSameFactsAsTheCSV() throws {
        // Given one register as CSV and as LibreOffice saved it in both spreadsheet formats
        setenv(Pseudonymiser.environmentVariable, AttendanceTests.key, 1)
        let scratch = try ScratchDirectory()
        let name = "attendance_EP-0018_2014-autumn_20150108"
        let csv = scratch.url.appendingPathComponent("\(name).csv")
        try FileManager.default.copyItem(at: Project.spec.appendingPathComponent("\(name).csv"), to: csv)
        try convert(csv, to: "xlsx", in: scratch)
        try convert(csv, to: "xml:MS Excel 2003 XML", in: scratch)
        let out = scratch.url.appendingPathComponent("out")

        // When each is loaded into its own warehouse beside the register
        var facts: [String] = []
        for file in [csv, out.appendingPathComponent("\(name).xlsx"), out.appendingPathComponent("\(name).xml")] {
            let warehouse = try Scratch()
            try warehouse.add(fixture: "edubasealldata20261128.csv")
            try FileManager.default.copyItem(at: file, to: warehouse.inbox.appendingPathComponent(file.lastPathComponent))
            let report = try warehouse.run()
            #expect(report.exitCode == 0, "\(file.lastPathComponent): \(report.summary)")
            facts.append(try warehouse.dump(["SELECT partnership_id, term, urn, session_date, participant_key, role, activity_code, activity_type, subject, hours, attended FROM fct_attendance"]))
        }

        // Then the three loads agree, row for row
        #expect(facts[0].split(separator: "\n").count == 57)
        #expect(facts[1] == facts[0])
        #expect(facts[2] == facts[0])
    }

    /// A date as `yyyy-MM-dd`, a number by its value, anything else as it is.
    static func normalised(_ field: String) -> String {
        let parts = field.split(separator: "/")
        if parts.count == 3, let day = Int(parts[0]), let month = Int(parts[1]), let year = Int(parts[2]),
           let date = ISODate(year: year, month: month, day: day) {
            return date.text
        }
        if field.count >= 19, field.dropFirst(10).hasPrefix("T00:00:00"), let date = ISODate.parseISO(String(field.prefix(10))) {
            return date.text
        }
        if field.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "E" || $0 == "e" }), let number = Double(field) {
            return "\(number)"
        }
        return field
    }

    /// Runs LibreOffice headless with a private profile, converting `file` into `out/`.
    private func convert(_ file: URL, to filter: String, in scratch: ScratchDirectory) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.soffice!)
        process.arguments = [
            "-env:UserInstallation=file://\(scratch.url.path)/profile", "--headless",
            // CSV import: comma, double quote, UTF-8 (76), from line 1, column 1 as D/M/Y (4), en-GB
            "--infilter=CSV:44,34,76,1,1/4,2057",
            "--convert-to", filter, "--outdir", scratch.url.appendingPathComponent("out").path, file.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "soffice failed: \(message)")
    }
}
