import Glibc

// libFuzzer target: the CSV reader over arbitrary bytes, with a tiny chunk size so records cross
// chunk boundaries, and every field and raw record touched. It must never crash, and the fields
// of a record can never hold more bytes than the record itself.
private let path = "/dev/shm/enthuse-csv-fuzz-\(getpid()).csv"

@_cdecl("LLVMFuzzerTestOneInput")
public func csvFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let file = fopen(path, "wb")!
    fwrite(data, 1, size, file)
    fclose(file)
    guard let reader = try? CSVReader(path: path, maxRecordBytes: 4096, chunkSize: 7) else { return 0 }
    do {
        while try reader.next() {
            let raw = reader.withRawRecord { $0.count }
            var total = 0
            for index in 0..<reader.fieldCount {
                total += reader.withField(index) { field in
                    _ = Windows1252.decode(field)
                    return field.count
                }
            }
            if total > raw { fatalError("fields hold \(total) bytes, the raw record \(raw)") }
        }
    } catch {
        _ = error.description
    }
    return 0
}
