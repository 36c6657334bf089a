import Foundation
import Testing
import ZIPFoundation
@testable import EnthuseCore

@Suite("Hostile and mislabelled .xlsx files")
struct XLSXArchiveSafetyTests {
    let scratch: ScratchDirectory
    init() throws { scratch = try ScratchDirectory() }

    static let header = "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Date</t></is></c></row>"

    func refusal(_ url: URL, limits: XLSXLimits = XLSXLimits()) throws -> SpreadsheetError {
        try #require(throws: SpreadsheetError.self) { try XLSXRecordSource(path: url.path, limits: limits).records() }
    }

    @Test func zipBombIsRefusedFromItsDirectoryBeforeAnythingIsUnpacked() throws {
        // Given a workbook carrying 50 MB of zeros that compress to some 50 KB
        let url = scratch.url.appendingPathComponent("bomb.xlsx")
        let zeros = Data(count: 50 << 20)
        try SpreadsheetTestFiles.xlsx(at: url, sheets: [("Attendance", Self.header)], extraEntries: [("xl/media/image1.png", zeros)])
        // When it is opened
        let clock = ContinuousClock.now
        let error = try refusal(url)
        // Then it is refused at once, naming the entry
        #expect(ContinuousClock.now - clock < .seconds(1))
        #expect(error.reason == .unsafeArchive && error.part == "xl/media/image1.png")
        #expect(error.message.contains("more than 200 times its size, as a zip bomb does"))
    }

    @Test func archiveUnpackingToMoreThanTheTotalBoundIsRefused() throws {
        let url = scratch.url.appendingPathComponent("big.xlsx")
        try SpreadsheetTestFiles.xlsx(at: url, sheets: [("Attendance", Self.header)])
        let error = try refusal(url, limits: XLSXLimits(maxUncompressedBytes: 1_000))
        #expect(error.reason == .unsafeArchive && error.message.contains("unpacks to more than 1000 bytes"))
    }

    @Test func entryUnpackingToMoreThanItDeclaresIsStoppedWhileItStreams() throws {
        // Given a worksheet of 5 MB whose sizes in the archive's headers were forged to 2,000 bytes
        let url = scratch.url.appendingPathComponent("forged.xlsx")
        let padding = String(repeating: "<row/>", count: 900_000)
        try SpreadsheetTestFiles.xlsx(at: url, sheets: [("Attendance", Self.header + padding)])
        var bytes = try [UInt8](Data(contentsOf: url))
        let forged = try Self.forgeUncompressedSize(of: "xl/worksheets/sheet1.xml", to: 2_000, in: &bytes)
        #expect(forged == 2)
        try Data(bytes).write(to: url)
        // Then reading stops at the declared size
        let error = try refusal(url)
        #expect(error.reason == .unsafeArchive && error.part == "xl/worksheets/sheet1.xml")
        #expect(error.message.contains("more than the 2000 bytes the archive declares"))
    }

    @Test(.timeLimit(.minutes(1)))
    func deflateStreamRunningPastItsEntryIsRefusedInsteadOfReadForEver() throws {
        // Given a workbook whose worksheet (100 KB, a few hundred bytes compressed) has deflate
        // data that now opens with a stored block of 65,535 bytes, which runs on past the entry,
        // the directory and the end of the file
        let url = scratch.url.appendingPathComponent("endless.xlsx")
        try SpreadsheetTestFiles.xlsx(at: url, sheets: [("Attendance", Self.header + String(repeating: "<row/>", count: 20_000))])
        var bytes = try [UInt8](Data(contentsOf: url))
        let data = try #require(Self.dataOffset(of: "xl/worksheets/sheet1.xml", in: bytes))
        bytes.replaceSubrange(data..<(data + 5), with: [0x00, 0xFF, 0xFF, 0x00, 0x00])
        try Data(bytes).write(to: url)
        // When the part is read to its end
        let stream = ZIPEntryStream(path: url.path, part: "xl/worksheets/sheet1.xml")
        var buffer = [UInt8](repeating: 0, count: 4096)
        let error = try #require(throws: SpreadsheetError.self) {
            while try buffer.withUnsafeMutableBytes({ try stream.read(into: $0) }) > 0 {}
        }
        // Then the stream stops where the entry's bytes end
        #expect(error.reason == .damaged && error.message == "the compressed data ends before the part does")
    }

    @Test(arguments: ["../../etc/cron.d/enthuse", "/etc/passwd", "xl\\..\\..\\evil.xml", "xl/../../evil.xml", "C:/evil.xml"])
    func entryNameClimbingOutOfTheArchiveIsRefused(name: String) throws {
        let url = scratch.url.appendingPathComponent("traversal.xlsx")
        try SpreadsheetTestFiles.xlsx(at: url, sheets: [("Attendance", Self.header)], extraEntries: [(name, Data("x".utf8))])
        let error = try refusal(url)
        #expect(error.reason == .unsafeArchive)
        #expect(error.description.hasPrefix("traversal.xlsx: the archive holds an entry named \""))
    }

    @Test func archiveWithMoreEntriesThanAWorkbookHasIsRefused() throws {
        let url = scratch.url.appendingPathComponent("many.xlsx")
        try SpreadsheetTestFiles.xlsx(at: url, sheets: [("Attendance", Self.header)])
        let error = try refusal(url, limits: XLSXLimits(maxEntries: 3))
        #expect(error.reason == .unsafeArchive && error.message.contains("more than 3 entries"))
    }

    @Test func entryWhoseChecksumDoesNotMatchIsRefusedAsDamaged() throws {
        // Given a workbook whose worksheet is stored uncompressed, with one letter changed after
        let url = scratch.url.appendingPathComponent("damaged.xlsx")
        try SpreadsheetTestFiles.xlsx(at: url, sheets: [("Attendance", "")])
        let archive = try Archive(url: url, accessMode: .update)
        let sheet = Data("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>\(Self.header)</sheetData></worksheet>".utf8)
        try archive.remove(try #require(archive["xl/worksheets/sheet1.xml"]))
        try archive.addEntry(with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: Int64(sheet.count), compressionMethod: .none) { position, size in
            sheet.subdata(in: Int(position)..<Int(position) + size)
        }
        var bytes = try [UInt8](Data(contentsOf: url))
        let date = try #require(bytes.firstRange(of: Array("<t>Date</t>".utf8)))
        bytes[date.lowerBound + 5] = UInt8(ascii: "v")
        try Data(bytes).write(to: url)
        // Then it is refused
        let error = try refusal(url)
        #expect(error.reason == .damaged && error.message == "the part's checksum does not match its content")
    }

    @Test func fileThatIsNotAZipIsRefusedSayingWhatItIs() throws {
        let csv = try SpreadsheetTestFiles.write("Date,URN\n05/10/2016,100000\n", named: "attendance.xlsx", in: scratch.url)
        let csvError = try #require(throws: SpreadsheetError.self) { try XLSXRecordSource(path: csv) }
        #expect(csvError.description.hasPrefix(
            "attendance.xlsx: the file is plain text such as CSV, not an .xlsx workbook (a zip archive). Save the spreadsheet again"))

        let xml = Project.spec.appendingPathComponent("attendance_EP-0002_2014-autumn_20150102.xml")
        let renamed = scratch.url.appendingPathComponent("attendance_EP-0002.xlsx")
        try FileManager.default.copyItem(at: xml, to: renamed)
        let xmlError = try refusal(renamed)
        #expect(xmlError.reason == .wrongKind && xmlError.message == "the file is XML, not an .xlsx workbook (a zip archive)")

        let legacy = scratch.url.appendingPathComponent("legacy.xlsx")
        try Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504)).write(to: legacy)
        #expect(try refusal(legacy).message.hasPrefix("the file is an Excel 97–2003 workbook (.xls) or a password-protected Office file"))
    }

    @Test func zipThatIsNotAWorkbookIsRefused() throws {
        let url = scratch.url.appendingPathComponent("photos.xlsx")
        let archive = try Archive(url: url, accessMode: .create)
        try SpreadsheetTestFiles.add(Data("hello".utf8), named: "readme.txt", to: archive)
        let error = try refusal(url)
        #expect(error.reason == .notAWorkbook && error.part == "xl/workbook.xml")
    }

    /// Where the data of `entry` starts, after its local header.
    static func dataOffset(of entry: String, in bytes: [UInt8]) -> Int? {
        let name = Array(entry.utf8)
        var start = 0
        while let found = bytes[start...].firstRange(of: [0x50, 0x4B, 0x03, 0x04]) {
            let at = found.lowerBound
            start = at + 4
            let nameLength = Int(bytes[at + 26]) | Int(bytes[at + 27]) << 8
            let extraLength = Int(bytes[at + 28]) | Int(bytes[at + 29]) << 8
            if Array(bytes[(at + 30)..<(at + 30 + nameLength)]) == name { return at + 30 + nameLength + extraLength }
        }
        return nil
    }

    /// Sets the uncompressed size of `entry` in its local header and its central directory
    /// record; returns how many headers were changed.
    static func forgeUncompressedSize(of entry: String, to size: UInt32, in bytes: inout [UInt8]) throws -> Int {
        let name = Array(entry.utf8)
        var forged = 0
        for (signature, nameOffset, sizeOffset) in [(0x04034B50 as UInt32, 30, 22), (0x02014B50, 46, 24)] {
            let marker = withUnsafeBytes(of: signature.littleEndian, Array.init)
            var start = 0
            while let found = bytes[start...].firstRange(of: marker) {
                let at = found.lowerBound
                start = at + 4
                guard at + nameOffset + name.count <= bytes.count,
                      Array(bytes[(at + nameOffset)..<(at + nameOffset + name.count)]) == name else { continue }
                bytes.replaceSubrange((at + sizeOffset)..<(at + sizeOffset + 4), with: withUnsafeBytes(of: size.littleEndian, Array.init))
                forged += 1
            }
        }
        return forged
    }
}
