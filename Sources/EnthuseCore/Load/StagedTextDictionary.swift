import Foundation
import GRDB
import GRDBSQLite

/// One file's dictionary of repeated text, for its `dictionary: true` columns: the first time a
/// text is staged it gets the next number, written with it to `stg_dictionary`, and from then on
/// the row stores only the number. A register repeats the same school names, activity codes and
/// titles on row after row; stored whole they were more than half of each staged row's bytes,
/// and in a perf profile of a 1,000,000-row register SQLite's time grows with them (the record
/// built, the pages written to the log and then copied into the file).
///
/// Made with the file's transaction and gone with it, so a rolled-back file leaves no number
/// behind. It holds at most ``capacity`` texts and ``arenaCapacity`` bytes of them, so memory
/// stays bounded whatever the file: a text first seen once it is full is stored as itself, and
/// always as itself, so a given text has one staged form throughout the file — which
/// ``RepeatedRowCheck`` relies on.
///
/// An open-addressing table over one byte arena, written by hand: a `[UInt64: Entry]` dictionary
/// (SipHash over the key, an array retained per hit) and a byte-at-a-time hash were an eighth of
/// the loading thread in a perf profile of a 1,000,000-row register (5.9 → 5.4 s a load).
final class StagedTextDictionary {
    static let capacity = 4_096
    static let arenaCapacity = 1 << 20

    private struct Entry {
        var hash: UInt64
        var offset: Int
        var count: Int
    }

    /// Index + 1 into `entries` of each slot, 0 for empty; twice `capacity`, a power of two.
    private var slots = [Int32](repeating: 0, count: 2 * capacity)
    private var entries: [Entry] = []
    private var arena: [UInt8] = []
    private let insert: Statement

    init(db: Database, fileID: Int64) throws {
        insert = try db.makeStatement(sql: "INSERT INTO stg_dictionary (etl_file_id, id, text) VALUES (?, ?, ?)")
        sqlite3_bind_int64(insert.sqliteStatement, 1, fileID)
    }

    /// The number standing for `text`, added to the dictionary if it is new; nil when the text is
    /// to be stored as itself.
    func number(of text: UnsafeBufferPointer<UInt8>) throws -> Int64? {
        var hashing = WordHash()
        hashing.mix(UnsafeRawBufferPointer(text))
        let hash = hashing.value
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            let entry = entries[Int(slots[slot]) - 1]
            if entry.hash == hash, entry.count == text.count,
               arena.withUnsafeBufferPointer({ memcmp($0.baseAddress! + entry.offset, text.baseAddress!, text.count) == 0 }) {
                return Int64(slots[slot])
            }
            slot = (slot + 1) & mask
        }
        guard entries.count < Self.capacity, arena.count + text.count <= Self.arenaCapacity else { return nil }
        let number = Int64(entries.count + 1)
        let handle = insert.sqliteStatement
        sqlite3_bind_int64(handle, 2, number)
        sqlite3_bind_text(handle, 3, UnsafeRawPointer(text.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(text.count), sqliteTransient)
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))), sql: insert.sql)
        }
        entries.append(Entry(hash: hash, offset: arena.count, count: text.count))
        arena.append(contentsOf: text)
        slots[slot] = Int32(number)
        return number
    }
}
