import Glibc

// libFuzzer target: the SpreadsheetML row scanner, against libxml2. Each input is the content of
// a table three cells wide. Whenever the scanner reads it, libxml2 must read the workbook that
// holds it, in one parse, as the same records: the scanner may leave anything to libxml2, but
// what it reads it must read exactly.
private let path = "/dev/shm/enthuse-spreadsheetml-rows-fuzz-\(getpid()).xml"
private let (head, tail) = (
    Array("""
    <?xml version="1.0"?>
    <Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:x="urn:schemas-microsoft-com:office:excel"
     xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" xmlns:html="http://www.w3.org/TR/REC-html40">
     <Worksheet ss:Name="Attendance"><Table ss:ExpandedColumnCount="3">
    """.utf8),
    Array("</Table></Worksheet></Workbook>".utf8))
private let namespaces = [
    XMLNamespaceDeclaration(prefix: nil, uri: SpreadsheetMLRecordSource.namespace),
    XMLNamespaceDeclaration(prefix: "x", uri: "urn:schemas-microsoft-com:office:excel"),
    XMLNamespaceDeclaration(prefix: "ss", uri: SpreadsheetMLRecordSource.namespace),
    XMLNamespaceDeclaration(prefix: "html", uri: "http://www.w3.org/TR/REC-html40"),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func spreadsheetMLRowsFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let scanner = SpreadsheetMLRowScanner(namespaces: namespaces, width: 3, maxBytes: 1 << 16)
    let block = SheetRowBlock()
    var rows = SheetRowBuffer(collectingInto: block)
    guard let count = try! scanner.scan(UnsafeBufferPointer(start: data, count: size), into: &rows) else { return 0 }
    var scanned = ""
    for index in 0..<block.rows.count {
        let row = block.rows.base[index]
        scanned += "\(row.number):"
        for field in 0..<row.width {
            let cell = block.cells.base[row.firstCell + field]
            scanned += String(decoding: UnsafeBufferPointer(start: block.bytes.base + cell.start, count: cell.count), as: UTF8.self) + "|"
        }
        scanned += "\n"
    }
    let file = fopen(path, "wb")!
    fwrite(head, 1, head.count, file)
    fwrite(data, 1, size, file)
    fwrite(tail, 1, tail.count, file)
    fclose(file)
    var parsed = ""
    var rowCount = 0
    do {
        let source = try SpreadsheetMLRecordSource(path: path)
        while try source.next() {
            parsed += "\(source.line):"
            for index in 0..<source.fieldCount {
                _ = source.withUTF8Field(index) { parsed += String(decoding: $0, as: UTF8.self) + "|" }
            }
            parsed += "\n"
        }
        rowCount = source.sheet.nextRow - 1
    } catch {
        fatalError("the scanner read rows libxml2 refuses (\(error)):\n\(scanned)")
    }
    if scanned != parsed || count != rowCount {
        fatalError("scanned \(count) rows:\n\(scanned)\nlibxml2 read \(rowCount):\n\(parsed)")
    }
    return 0
}
