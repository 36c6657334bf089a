import Glibc

// libFuzzer target: the SpreadsheetML (Excel 2003 XML) reader over arbitrary bytes, with every
// record and every field touched. It must never crash, and the records it hands out must be rows
// Excel could show: row numbers going down the sheet within its last row, every record as wide as
// the sheet and no wider than its last column. Each input is read twice, in one parse and in
// stretches of 16 bytes (SpreadsheetMLTableStretches, each read by the row scanner or libxml2),
// and both must give the same records or the same error (records read before an error belong to
// a refused file, and may differ).
private let path = "/dev/shm/enthuse-spreadsheetml-fuzz-\(getpid()).xml"

@_cdecl("LLVMFuzzerTestOneInput")
public func spreadsheetMLFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let file = fopen(path, "wb")!
    fwrite(data, 1, size, file)
    fclose(file)
    let whole = read(stretchBytes: SpreadsheetMLRecordSource.stretchBytes)
    let inStretches = read(stretchBytes: 16)
    if whole != inStretches { fatalError("in one parse:\n\(whole)\nin stretches:\n\(inStretches)") }
    return 0
}

/// The records of the file (line and fields), or its error, as text.
private func read(stretchBytes: Int) -> String {
    var result = ""
    do {
        let source = try SpreadsheetMLRecordSource(path: path, stretchBytes: stretchBytes)
        var lastLine = 0
        var width: Int?
        while try source.next() {
            let line = source.line
            if line <= lastLine || line > ColumnLetters.maxRow { fatalError("row \(line) after row \(lastLine)") }
            lastLine = line
            let count = source.fieldCount
            if count > ColumnLetters.maxColumn || (width.map { $0 != count } ?? false) {
                fatalError("a record of \(count) fields in a sheet \(width ?? count) wide")
            }
            width = count
            result += "\(line):"
            for index in 0..<count {
                _ = source.withUTF8Field(index) { result += String(decoding: $0, as: UTF8.self) + "|" }
            }
            _ = source.rawText(masking: [])
            _ = source.rawText(masking: [0])
            _ = source.recordProblem
            result += "\n"
        }
    } catch {
        return "\(error)"
    }
    return result
}
