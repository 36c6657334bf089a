import Foundation

/// A bounded memo of field text → validation result, looked up without allocating: the key is a
/// 64-bit FNV-1a hash of the bytes, confirmed by comparing the bytes kept with the entry.
///
/// Written by hand because a `[[UInt8]: …]` dictionary allocates a key array on every lookup,
/// which is the very cost the memo exists to avoid on million-row files. Entries are objects so
/// that a hit hands back a reference instead of copying the bytes and the result out of the
/// table, and the bytes are confirmed with `memcmp` (the generic `elementsEqual` was 4% of a perf
/// profile of a 1,000,000-row register). When full it stops remembering (it never evicts), so
/// memory stays bounded.
final class FieldMemo {
    private final class Entry {
        let bytes: [UInt8]
        let result: Result<FieldValue, RowProblem>
        init(bytes: [UInt8], result: Result<FieldValue, RowProblem>) {
            self.bytes = bytes
            self.result = result
        }
    }

    private var entries: [UInt64: Entry] = [:]
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func result(for bytes: UnsafeBufferPointer<UInt8>, compute: () -> Result<FieldValue, RowProblem>) -> Result<FieldValue, RowProblem> {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        if let entry = entries[hash], entry.bytes.count == bytes.count,
           bytes.isEmpty || entry.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) {
            return entry.result
        }
        let result = compute()
        if entries.count < capacity, entries[hash] == nil { entries[hash] = Entry(bytes: Array(bytes), result: result) }
        return result
    }
}

/// The values of one warehouse column (`exists_in: dim_school.urn`), read once per file.
public struct ReferenceSet: Sendable {
    private var integers = Set<Int64>()
    private var texts = Set<String>()

    public init(values: [FieldValue]) {
        for value in values {
            switch value {
            case let .integer(number): integers.insert(number)
            case let .text(text): texts.insert(text)
            case let .real(number): if let exact = Int64(exactly: number) { integers.insert(exact) }
            case .null: continue
            }
        }
    }

    func contains(_ value: FieldValue) -> Bool {
        switch value {
        case let .integer(number): return integers.contains(number) || texts.contains(String(number))
        case let .text(text): return texts.contains(text) || Int64(text).map(integers.contains) == true
        case let .real(number): return Int64(exactly: number).map(integers.contains) == true
        case .null: return true
        }
    }
}
