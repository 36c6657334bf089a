/// Records the validate stage has finished with, on their way from the reading thread to the
/// loading one: valid rows as typed slots over one byte arena, refused rows as their problems and
/// masked raw text.
///
/// The arena is what lets the two threads share nothing: a row's text is copied once, from the
/// validator into `bytes`, and bound to SQLite from there. Handing over `String`s instead made the
/// two cores take turns at the reference counts of the same memoised strings (a perf profile of a
/// 1,000,000-row register showed retain/release and value-witness copies of `FieldValue` at ~5%
/// before any thread was added).
struct ValidatedBatch: Sendable {
    /// One typed value; text and bytes (a pseudonym) are a range of `bytes`.
    enum Slot: Sendable {
        case null
        case integer(Int64)
        case real(Double)
        case text(offset: Int, count: Int)
        case bytes(offset: Int, count: Int)
    }

    /// A valid row whose `unique` key may repeat an earlier row's, to be checked once staged.
    struct PossibleRepeat: Sendable {
        /// The row's position among the batch's valid rows.
        var row: Int
        /// The record as it stood in the file (personal data masked), kept should it be refused.
        var raw: String
        /// ``hashOfLastRow(columns:)`` of its key.
        var hash: UInt64
    }

    /// A record refused at validation.
    struct RefusedRecord: Sendable {
        var line: Int
        var problems: [RowProblem]
        var raw: String
    }

    /// Rows per batch: large enough that handing over costs nothing per row, small enough that
    /// the few batches in flight stay well under a megabyte each.
    static let rowCapacity = 1_024

    /// Values per valid row (the pipeline's columns).
    let width: Int
    /// Lines of the valid rows, in file order.
    private(set) var lines: [Int] = []
    /// `width` slots per valid row.
    private(set) var slots: [Slot] = []
    private(set) var bytes: [UInt8] = []
    private(set) var refused: [RefusedRecord] = []
    private(set) var possibleRepeats: [PossibleRepeat] = []
    /// Bytes of the file consumed by the end of this batch, for progress.
    var bytesRead = 0

    init(width: Int) {
        self.width = width
        lines.reserveCapacity(Self.rowCapacity)
        slots.reserveCapacity(Self.rowCapacity * width)
        bytes.reserveCapacity(Self.rowCapacity * 128)
    }

    /// Empties the batch for reuse, keeping its storage: the loading thread hands batches back,
    /// so a file of any length is read with the same few allocations.
    mutating func removeAll() {
        lines.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        refused.removeAll()
        possibleRepeats.removeAll()
        bytesRead = 0
    }

    var recordCount: Int { lines.count + refused.count }
    var isFull: Bool { recordCount >= Self.rowCapacity }

    /// Starts a row; its values follow, one per column, by `append…`.
    mutating func beginRow(line: Int) {
        lines.append(line)
    }

    mutating func appendNull() {
        slots.append(.null)
    }

    mutating func appendText(_ text: UnsafeBufferPointer<UInt8>) {
        let offset = bytes.count
        bytes.append(contentsOf: text)
        slots.append(.text(offset: offset, count: text.count))
    }

    mutating func appendBytes(_ value: UnsafeRawBufferPointer) {
        let offset = bytes.count
        bytes.append(contentsOf: value)
        slots.append(.bytes(offset: offset, count: value.count))
    }

    mutating func append(_ value: FieldValue) {
        switch value {
        case .null: slots.append(.null)
        case let .integer(number): slots.append(.integer(number))
        case let .real(number): slots.append(.real(number))
        case let .text(text):
            let offset = bytes.count
            bytes.append(contentsOf: text.utf8)
            slots.append(.text(offset: offset, count: bytes.count - offset))
        }
    }

    /// Takes back the row begun last, which turned out to be refused.
    mutating func abandonRow() {
        let first = (lines.count - 1) * width
        let arenaStart = slots[first...].lazy.compactMap { slot -> Int? in
            switch slot {
            case let .text(offset, _), let .bytes(offset, _): offset
            default: nil
            }
        }.first
        if let arenaStart { bytes.removeSubrange(arenaStart...) }
        slots.removeSubrange(first...)
        lines.removeLast()
    }

    mutating func flagLastRow(raw: String, hash: UInt64) {
        possibleRepeats.append(PossibleRepeat(row: lines.count - 1, raw: raw, hash: hash))
    }

    /// A hash of the last valid row's values in `columns`, for ``RepeatFilter``: typed values, so
    /// `2` and `2.0` agree.
    func hashOfLastRow(columns: [Int]) -> UInt64 {
        var hash = WordHash()
        let first = (lines.count - 1) * width
        bytes.withUnsafeBytes { arena in
            for column in columns {
                switch slots[first + column] {
                case .null: hash.mix(1)
                case let .integer(number): hash.mix(2); hash.mix(UInt64(bitPattern: number))
                case let .real(number): hash.mix(3); hash.mix(number.bitPattern)
                case let .text(offset, count), let .bytes(offset, count): hash.mix(UnsafeRawBufferPointer(rebasing: arena[offset ..< offset + count]))
                }
            }
        }
        return hash.value
    }

    mutating func refuse(_ record: RefusedRecord) {
        refused.append(record)
    }

    /// Calls `body` with the valid rows' lines, their slots (`width` per row) and the arena, as
    /// buffers: the loading thread walks a million rows without a reference-count operation.
    func withUnsafeRows<R>(_ body: (UnsafeBufferPointer<Int>, UnsafeBufferPointer<Slot>, UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try lines.withUnsafeBufferPointer { lines in
            try slots.withUnsafeBufferPointer { slots in
                try bytes.withUnsafeBufferPointer { bytes in try body(lines, slots, bytes) }
            }
        }
    }

    /// The text a slot stands for, for messages (never on the bulk path).
    func text(of slot: Slot) -> String? {
        switch slot {
        case .null: return nil
        case let .integer(number): return String(number)
        case let .real(number): return String(number)
        case let .text(offset, count): return String(decoding: bytes[offset ..< offset + count], as: UTF8.self)
        case let .bytes(offset, count): return bytes[offset ..< offset + count].withUnsafeBytes(Hex.lowercase)
        }
    }
}
