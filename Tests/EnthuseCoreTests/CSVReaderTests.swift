import Foundation
import Testing
@testable import EnthuseCore

@Suite("CSVReader")
struct CSVReaderTests {
    // MARK: Fields

    @Test func readsCommaSeparatedFieldsOfEachRecord() throws {
        let records = try parse("id,name\n1,Ada\n2,Grace\n")
        #expect(records.map(\.fields) == [["id", "name"], ["1", "Ada"], ["2", "Grace"]])
    }

    @Test func keepsEmptyFieldsBetweenCommasAndAfterATrailingComma() throws {
        let records = try parse("a,,b\na,b,\n,\n,,\n")
        #expect(records.map(\.fields) == [["a", "", "b"], ["a", "b", ""], ["", ""], ["", "", ""]])
    }

    @Test func quotedFieldMayContainCommas() throws {
        let records = try parse("\"Smith, J\",\"a,b,c\"\n")
        #expect(records.map(\.fields) == [["Smith, J", "a,b,c"]])
    }

    @Test func doubledQuoteInsideAQuotedFieldIsOneQuote() throws {
        let records = try parse(#""say ""hi""","""",""\#n"#)
        #expect(records.map(\.fields) == [[#"say "hi""#, #"""#, ""]])
        #expect(records[0].problem == nil)
    }

    @Test(arguments: ["\n", "\r", "\r\n"])
    func quotedFieldMayContainLineBreaks(lineBreak: String) throws {
        let records = try parse("\"first\(lineBreak)second\",x\nnext\n")
        #expect(records.map(\.fields) == [["first\(lineBreak)second", "x"], ["next"]])
    }

    @Test func quoteInsideAnUnquotedFieldIsAnOrdinaryByte() throws {
        let records = try parse("5\" pipe,ab\"c\"d,x\n")
        #expect(records.map(\.fields) == [["5\" pipe", "ab\"c\"d", "x"]])
        #expect(records[0].problem == nil)
    }

    @Test func nulBytesAreData() throws {
        let records = try parse(bytes: [0x61, 0x00, 0x2C, 0x22, 0x00, 0x22, 0x0A])
        #expect(records.map(\.fieldBytes) == [[[0x61, 0x00], [0x00]]])
    }

    @Test func raggedRowsReportTheirOwnFieldCount() throws {
        let records = try parse("a,b,c\nd\ne,f,g,h\n")
        #expect(records.map(\.fields.count) == [3, 1, 4])
    }

    // MARK: Line ends and line numbers

    @Test func lastRecordNeedNotEndWithALineBreak() throws {
        #expect(try parse("a,b\nc,d").map(\.fields) == [["a", "b"], ["c", "d"]])
        #expect(try parse("a,b\nc,d\n").map(\.fields) == [["a", "b"], ["c", "d"]])
        #expect(try parse("a,\"b\"").map(\.fields) == [["a", "b"]])
        #expect(try parse("a,").map(\.fields) == [["a", ""]])
    }

    @Test func lfCrlfAndBareCrEachEndARecordInTheSameFile() throws {
        let records = try parse("a\nb\r\nc\rd\n")
        #expect(records.map(\.fields) == [["a"], ["b"], ["c"], ["d"]])
        #expect(records.map(\.line) == [1, 2, 3, 4])
    }

    @Test func blankLinesAreSkippedButCounted() throws {
        // Given a file with blank lines at the start, between records and at the end, in every line-end style
        let text = "\n\r\na\n\n\rb\r\n\r\n\n"
        // When it is read
        let records = try parse(text)
        // Then only the two records come back, each with its physical line
        #expect(records.map(\.fields) == [["a"], ["b"]])
        #expect(records.map(\.line) == [3, 6])
    }

    @Test func recordsAfterAMultiLineFieldReportTheirPhysicalLine() throws {
        // Given a record whose quoted field spans lines 2–5 with LF, CRLF and CR inside it
        let text = "h1,h2\n1,\"two\nthree\r\nfour\rfive\"\n2,x\r\n\r\n3,\"\n\"\n4,y"
        // When it is read
        let records = try parse(text)
        // Then each record's line is the physical line it starts on
        #expect(records.map(\.line) == [1, 2, 6, 8, 10])
        #expect(records[1].fields == ["1", "two\nthree\r\nfour\rfive"])
    }

    @Test func emptyFileAndFileOfLineBreaksHaveNoRecords() throws {
        #expect(try parse("").isEmpty)
        #expect(try parse("\n\r\n\r\r\n").isEmpty)
    }

    // MARK: Raw record, problems and errors

    @Test func rawRecordIsTheExactBytesWithoutTheLineEnd() throws {
        let records = try parse("a,\"b \"\"c\"\"\",\"d\r\ne\"\r\nf\rlast,\"\"")
        #expect(records.map(\.raw) == ["a,\"b \"\"c\"\"\",\"d\r\ne\"", "f", "last,\"\""])
    }

    @Test func textAfterAClosingQuoteIsKeptAndReportedAsAProblem() throws {
        // Given a quoted field followed by more text, then a clean record
        let records = try parse("1,\"abc\"x\"y,z\n2,ok\n")
        // Then the text is kept up to the next comma, the record is flagged, and the next one is clean
        #expect(records.map(\.fields) == [["1", "abcx\"y", "z"], ["2", "ok"]])
        #expect(records[0].problem?.hasPrefix("field 2: text follows the closing quote") == true)
        #expect(records[1].problem == nil)
    }

    @Test func unterminatedQuoteThrowsWithTheLineWhereTheFieldOpened() throws {
        let text = "a,b\nc,\"never\nclosed,\n\n"
        #expect(throws: CSVError.unterminatedQuote(line: 2)) { try parse(text) }
    }

    @Test(arguments: [1, 3, 7, 1 << 20])
    func recordOfExactlyTheLimitIsReadAndOneByteMoreThrows(chunkSize: Int) throws {
        let limit = 20
        let fits = String(repeating: "x", count: limit)
        let records = try parse("a\n\(fits)\r\nb", chunkSize: chunkSize, maxRecordBytes: limit)
        #expect(records.map(\.raw) == ["a", fits, "b"])
        #expect(throws: CSVError.recordTooLarge(line: 3, limit: limit)) {
            try parse("a\n\n\(fits)x\nb", chunkSize: chunkSize, maxRecordBytes: limit)
        }
    }

    @Test func hugeFieldThrowsAfterReadingLittleMoreThanTheLimit() throws {
        // Given a 4 MiB quoted field, a 64 KiB record limit and 4 KiB chunks
        let bytes = [0x22] + [UInt8](repeating: 0x61, count: 4 << 20) + [0x22, 0x0A]
        try withTemporaryFile(bytes) { path in
            let reader = try CSVReader(path: path, maxRecordBytes: 64 << 10, chunkSize: 4 << 10)
            // When it is read
            #expect(throws: CSVError.recordTooLarge(line: 1, limit: 64 << 10)) { try reader.next() }
            // Then reading stopped just past the limit: memory never held the whole field
            #expect(reader.bytesRead <= (64 << 10) + 2 * (4 << 10))
        }
    }

    @Test func errorsRepeatOnEveryLaterCall() throws {
        try withTemporaryFile(Array("ok\n\"open".utf8)) { path in
            let reader = try CSVReader(path: path)
            #expect(try reader.next())
            #expect(throws: CSVError.unterminatedQuote(line: 2)) { try reader.next() }
            #expect(throws: CSVError.unterminatedQuote(line: 2)) { try reader.next() }
        }
    }

    @Test func missingFileThrowsAnIOErrorNamingThePathAndTheReason() {
        let path = "/nonexistent/enthuse/grants.csv"
        #expect(throws: CSVError.io(path: path, message: "No such file or directory")) {
            try CSVReader(path: path)
        }
    }

    @Test func directoryThrowsAnIOErrorFromItsFirstRead() {
        #expect(throws: CSVError.io(path: "/tmp", message: "Is a directory")) {
            try CSVReader(path: "/tmp")
        }
    }

    @Test func errorDescriptionsSayWhatHappenedAndWhatToDo() {
        #expect(CSVError.unterminatedQuote(line: 41).description
            == "line 41: a quoted field opened here is never closed; the file ends inside it. Check the export for a stray double quote.")
        #expect(CSVError.recordTooLarge(line: 7, limit: 4096).description.hasPrefix(
            "line 7: the record starting here is longer than 4096 bytes"))
        #expect(CSVError.io(path: "/in/a.csv", message: "Permission denied").description.hasPrefix(
            "cannot read /in/a.csv: Permission denied. Check that the file exists"))
    }

    // MARK: Byte order mark and progress

    @Test func utf8ByteOrderMarkAtTheStartIsSkipped() throws {
        try withTemporaryFile([0xEF, 0xBB, 0xBF] + Array("id\n1\n".utf8)) { path in
            let reader = try CSVReader(path: path, chunkSize: 1)
            #expect(try reader.next())
            #expect(reader.hadBOM)
            #expect(reader.withRawRecord { Array($0) } == Array("id".utf8))
            #expect(reader.line == 1)
        }
    }

    @Test func byteOrderMarkAnywhereElseIsData() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let records = try parse(bytes: Array("a\n".utf8) + bom + Array("b\n".utf8))
        #expect(records.map(\.rawBytes) == [Array("a".utf8), bom + Array("b".utf8)])
        #expect(try parse(bytes: [0xEF, 0xBB]).map(\.rawBytes) == [[0xEF, 0xBB]])
        try withTemporaryFile(Array("a\n".utf8)) { path in
            let reader = try CSVReader(path: path)
            #expect(!reader.hadBOM)
        }
    }

    @Test func bytesReadReachesTheFileSize() throws {
        let bytes = Array("a,b\n\"c\nd\",e\n".utf8)
        try withTemporaryFile(bytes) { path in
            let reader = try CSVReader(path: path, chunkSize: 5)
            while try reader.next() {}
            #expect(reader.bytesRead == bytes.count)
        }
    }

    // MARK: Chunk boundaries

    @Test func recordsSpanningChunkBoundariesReadAsInOneChunk() throws {
        // Given input where every kind of token (CRLF, "", multi-line fields, trailing junk) straddles some boundary
        let text = "id,name,note\r\n1,\"Smith, J\",\"line one\r\nline two\"\r\n2,\"say \"\"hi\"\"\",x\r3,\"q\"junk,\n\n4,,\r\n"
        let expected = try parse(text)
        // When it is read 1 to 8 bytes at a time
        for chunkSize in 1...8 {
            // Then the records, their lines, raw bytes and problems are the same
            #expect(try parse(text, chunkSize: chunkSize) == expected, "chunkSize \(chunkSize)")
        }
        #expect(expected.count == 5)
    }

    @Test(arguments: 0..<100 as Range<UInt64>)
    func randomCSVRoundTripsWhateverTheChunkSize(seed: UInt64) throws {
        // Given a random document built from random fields, quoted as a writer would, with random line ends
        var random = SplitMix64(seed: seed)
        let document = RandomDocument(using: &random)
        // When it is read with small and large chunks
        for chunkSize in [1, 2, 3, 7, 64, 1 << 20] {
            let records = try parse(bytes: document.bytes, chunkSize: chunkSize)
            // Then every field, raw record and line number comes back exactly
            #expect(records == document.records, "seed \(seed), chunkSize \(chunkSize)")
        }
    }

    @Test(arguments: 0..<200 as Range<UInt64>)
    func arbitraryBytesReadTheSameWhateverTheChunkSize(seed: UInt64) throws {
        // Given random bytes dense in quotes, commas, line ends, NUL and BOM bytes
        var random = SplitMix64(seed: seed)
        let alphabet: [UInt8] = [0x61, 0x2C, 0x22, 0x0D, 0x0A, 0x00, 0xEF, 0xBB, 0xBF, 0xFF]
        let bytes = (0..<Int.random(in: 0...200, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
        // When they are read with a 64-byte record limit and different chunk sizes
        let outcomes = try [1, 2, 5, 1 << 20].map { chunkSize in
            try withTemporaryFile(bytes) { path in
                try readUntilError(path: path, chunkSize: chunkSize, maxRecordBytes: 64)
            }
        }
        // Then nothing crashes and every chunk size sees the same records and the same error
        for outcome in outcomes.dropFirst() {
            #expect(outcome.records == outcomes[0].records, "seed \(seed)")
            #expect(outcome.error == outcomes[0].error, "seed \(seed)")
        }
    }

    // MARK: Read-ahead

    @Test(arguments: 0..<20 as Range<UInt64>)
    func readAheadHandsOverWhatTheReaderFinds(seed: UInt64) throws {
        // Given random documents long enough to fill several blocks, and random bytes with errors
        var random = SplitMix64(seed: seed)
        var documents = (0..<40).map { _ in RandomDocument(using: &random).bytes }
        let alphabet: [UInt8] = [0x61, 0x2C, 0x22, 0x0D, 0x0A, 0x00, 0xEF, 0xBB, 0xBF, 0xFF]
        documents.append((0..<300).map { _ in alphabet.randomElement(using: &random)! })
        let bytes = Array(documents.joined(separator: [0x0A]))
        // When they are scanned ahead on the read-ahead's own thread
        let (direct, ahead) = try withTemporaryFile(bytes) { path in
            (try readUntilError(path: path, chunkSize: 1 << 20, maxRecordBytes: 64),
             try readAheadUntilError(path: path, maxRecordBytes: 64))
        }
        // Then every record, field, raw record, line, problem and the error are the reader's own
        #expect(ahead.records == direct.records, "seed \(seed)")
        #expect(ahead.error == direct.error, "seed \(seed)")
    }

    @Test func readAheadCarriesRecordsAcrossBlocksAndTheErrorAfterThem() throws {
        // Given more records than a block holds, some with doubled quotes and trailing text, then a
        // quote that is never closed
        let rows = (1...(3 * CSVReadAhead.recordsPerBlock + 7)).map { "\($0),\"say \"\"\($0)\"\"\",\"q\"junk,,plain" }
        let text = "id,quote,junk,empty,plain\n" + rows.joined(separator: "\r\n") + "\n\"never closed"
        let (direct, ahead) = try withTemporaryFile(Array(text.utf8)) { path in
            (try readUntilError(path: path, chunkSize: 1 << 20, maxRecordBytes: 4 << 20),
             try readAheadUntilError(path: path, maxRecordBytes: 4 << 20))
        }
        #expect(ahead.records.count == rows.count + 1)
        #expect(ahead.records == direct.records)
        #expect(ahead.records.last?.fields == ["\(rows.count)", "say \"\(rows.count)\"", "qjunk", "", "plain"])
        #expect(ahead.error == .unterminatedQuote(line: rows.count + 2))
    }

    @Test func readAheadStopsItsThreadWhenDroppedHalfWay() throws {
        let text = "a,b\n" + String(repeating: "1,2\n", count: 10 * CSVReadAhead.recordsPerBlock)
        try withTemporaryFile(Array(text.utf8)) { path in
            var ahead: CSVReadAhead? = CSVReadAhead(try CSVReader(path: path))
            #expect(try ahead!.next())
            ahead = nil  // deinit waits for the scanning thread; a hang here fails the run
        }
    }
}

// MARK: - Helpers

/// Reads every record through a ``CSVReadAhead``, stopping at the first error.
private func readAheadUntilError(path: String, maxRecordBytes: Int) throws -> (records: [ParsedRecord], error: CSVError?) {
    try readUntilError(CSVReadAhead(try CSVReader(path: path, maxRecordBytes: maxRecordBytes)))
}

/// What the tests read records through: the reader itself, or its read-ahead.
private protocol CSVRecords {
    func next() throws -> Bool
    var line: Int { get }
    var fieldCount: Int { get }
    var recordProblem: String? { get }
    func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R
    func withRawRecord<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R
}

extension CSVReader: CSVRecords {}
extension CSVReadAhead: CSVRecords {}

/// Reads every record, stopping at the first error, which it returns beside the records.
private func readUntilError(_ reader: some CSVRecords) throws -> (records: [ParsedRecord], error: CSVError?) {
    var records: [ParsedRecord] = []
    do {
        while try reader.next() {
            records.append(ParsedRecord(
                line: reader.line,
                fieldBytes: (0..<reader.fieldCount).map { index in reader.withField(index) { Array($0) } },
                rawBytes: reader.withRawRecord { Array($0) },
                problem: reader.recordProblem))
        }
        return (records, nil)
    } catch let error as CSVError {
        return (records, error)
    }
}

/// One record as the reader reported it, in a form tests can compare.
private struct ParsedRecord: Equatable {
    var line: Int
    var fieldBytes: [[UInt8]]
    var rawBytes: [UInt8]
    var problem: String?

    var fields: [String] { fieldBytes.map { String(decoding: $0, as: UTF8.self) } }
    var raw: String { String(decoding: rawBytes, as: UTF8.self) }
}

private func parse(_ text: String, chunkSize: Int = 1 << 20, maxRecordBytes: Int = 4 << 20) throws -> [ParsedRecord] {
    try parse(bytes: Array(text.utf8), chunkSize: chunkSize, maxRecordBytes: maxRecordBytes)
}

private func parse(bytes: [UInt8], chunkSize: Int = 1 << 20, maxRecordBytes: Int = 4 << 20) throws -> [ParsedRecord] {
    try withTemporaryFile(bytes) { path in
        let outcome = try readUntilError(path: path, chunkSize: chunkSize, maxRecordBytes: maxRecordBytes)
        if let error = outcome.error { throw error }
        return outcome.records
    }
}

/// Reads every record of the file, stopping at the first error, which it returns beside the records.
private func readUntilError(path: String, chunkSize: Int, maxRecordBytes: Int) throws -> (records: [ParsedRecord], error: CSVError?) {
    try readUntilError(CSVReader(path: path, maxRecordBytes: maxRecordBytes, chunkSize: chunkSize))
}

/// Writes `bytes` to a new temporary file, passes its path to `body`, then removes it.
private func withTemporaryFile<R>(_ bytes: [UInt8], _ body: (String) throws -> R) throws -> R {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("csv-reader-test-\(UUID().uuidString).csv")
    try Data(bytes).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// A random CSV document and the records a correct reader must find in it.
private struct RandomDocument {
    private(set) var bytes: [UInt8] = []
    private(set) var records: [ParsedRecord] = []

    init(using random: inout SplitMix64) {
        let pieces = ["a", "b", "é", " ", ",", "\"", "\n", "\r", "\r\n"]
        let lineEnds = ["\n", "\r\n", "\r"]
        var line = 1
        let recordCount = Int.random(in: 1...12, using: &random)
        for index in 0..<recordCount {
            let fieldCount = Int.random(in: 1...5, using: &random)
            var fields: [String] = []
            var encoded: [String] = []
            for _ in 0..<fieldCount {
                let value = (0..<Int.random(in: 0...6, using: &random))
                    .map { _ in pieces.randomElement(using: &random)! }
                    .joined()
                // A lone empty field unquoted would be a blank line, which is skipped.
                let mustQuote = value.utf8.contains { [0x2C, 0x22, 0x0A, 0x0D].contains($0) }
                    || (fieldCount == 1 && value.isEmpty)
                let quoted = mustQuote || Bool.random(using: &random)
                encoded.append(quoted ? "\"" + value.replacing("\"", with: "\"\"") + "\"" : value)
                fields.append(value)
            }
            let raw = Array(encoded.joined(separator: ",").utf8)
            records.append(ParsedRecord(line: line, fieldBytes: fields.map { Array($0.utf8) }, rawBytes: raw, problem: nil))
            bytes += raw
            line += Self.lineBreaks(in: raw) + 1
            if index < recordCount - 1 || Bool.random(using: &random) {
                bytes += Array(lineEnds.randomElement(using: &random)!.utf8)
            }
        }
    }

    /// Counts physical line breaks: CR, and LF not preceded by CR.
    private static func lineBreaks(in bytes: [UInt8]) -> Int {
        bytes.indices.filter { bytes[$0] == 0x0D || (bytes[$0] == 0x0A && ($0 == 0 || bytes[$0 - 1] != 0x0D)) }.count
    }
}

/// A small seeded generator, so a failing random case can be replayed from its seed.
private struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
