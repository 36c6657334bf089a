import Foundation
import GRDB
import Testing
@testable import EnthuseCore

/// Attendance rows are staged packed (migration 0012): repeated text as numbers in the file's
/// dictionary, pseudonyms as 32 bytes. Whoever reads `stg_attendance` or `fct_attendance` sees
/// the values as validated.
@Suite("Packed attendance staging")
struct PackedStagingTests {
    typealias Register = AttendanceTests
    static let file = "attendance_EP-0018_2014-autumn_20150108.csv"

    static func row(line: Int, title: String, code: String = "CPD-SCI-101", school: String = "Royal Park Primary School", email: String? = nil) -> String {
        "08/09/2014,101445,\(school),\(email ?? "p\(line)@royalpark.sch.uk"),Teacher,\(code),\(title),CPD,Science,2,Y"
    }

    @Test func stagedRowsReadBackAsTheyWereValidatedAndEachTextIsStoredOncePerFile() throws {
        let scratch = try Register.scratch()
        let rows = (2...41).map { Self.row(line: $0, title: $0.isMultiple(of: 2) ? "Forces" : "1066") }
        try scratch.write(Self.file, text: ([Register.header] + rows).joined(separator: "\n"))

        #expect(try scratch.run().exitCode == 0)

        let pseudonymiser = try Pseudonymiser(secret: Register.key)
        try scratch.read { (db: Database) throws in
            let staged = try Row.fetchAll(db, sql: "SELECT * FROM stg_attendance ORDER BY line")
            #expect(staged.count == 40)
            for row in staged {
                let line: Int = row["line"]
                let key = try pseudonymiser.digest(ofEmail: "p\(line)@royalpark.sch.uk").get().withUnsafeBytes(Hex.lowercase)
                #expect(row["participant_key"] as String? == key)
                #expect(row["school_name"] as String? == "Royal Park Primary School")
                #expect(row["role"] as String? == "Teacher")
                #expect(row["activity_code"] as String? == "CPD-SCI-101")
                #expect(row["activity_type"] as String? == "CPD")
                #expect(row["subject"] as String? == "Science")
                // A title that looks like a number is still the text it was
                #expect((row["activity_title"] as DatabaseValue) == (line.isMultiple(of: 2) ? "Forces" : "1066").databaseValue)
            }
            // Packed: numbers for the repeated text, 32 bytes for the pseudonym
            #expect(try String.fetchAll(db, sql: "SELECT DISTINCT typeof(school_name) || typeof(activity_title) || typeof(participant_key) || length(participant_key) FROM stg_attendance_packed") == ["integerintegerblob32"])
            let texts = try String.fetchAll(db, sql: "SELECT text FROM stg_dictionary ORDER BY text")
            #expect(texts == ["1066", "CPD", "CPD-SCI-101", "Forces", "Royal Park Primary School", "Science", "Teacher"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM fct_attendance WHERE participant_key IN (SELECT participant_key FROM stg_attendance)") == 40)
        }
    }

    @Test func pastTheDictionarysCapacityTextIsStoredAsItselfAndStillReadsBackAndRepeatsAreStillFound() throws {
        let scratch = try Register.scratch()
        // Every row its own title and activity code: twice the dictionary's capacity of texts, and
        // then the first row's participant and session again, long after the dictionary filled.
        let count = StagedTextDictionary.capacity
        var rows = (0..<count).map { Self.row(line: $0 + 2, title: "\($0 + 10_000)", code: "CPD-SCI-\($0 + 1_000)") }
        rows.append(Self.row(line: count + 2, title: "late", code: "CPD-SCI-\(count - 1 + 1_000)", email: "p\(count + 1)@royalpark.sch.uk"))
        try scratch.write(Self.file, text: ([Register.header] + rows).joined(separator: "\n"))

        let report = try scratch.run()

        let file = try #require(report.files.last)
        #expect(file.rowsLoaded == count)
        #expect(file.sampleRejects.map(\.line) == [count + 2])
        #expect(file.sampleRejects.first?.reason.contains("as line \(count + 1);") == true)
        try scratch.read { (db: Database) throws in
            let staged = try Row.fetchAll(db, sql: "SELECT line, activity_title, activity_code FROM stg_attendance ORDER BY line")
            #expect(staged.map { $0["activity_title"] as DatabaseValue } == (0..<count).map { "\($0 + 10_000)".databaseValue })
            #expect(staged.map { $0["activity_code"] as String } == (0..<count).map { "CPD-SCI-\($0 + 1_000)" })
            // The four texts every row shares came first, then titles and codes until the
            // dictionary held its 4,096; the other titles and codes are stored as themselves.
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM stg_dictionary") == count)
            let inline = try Int.fetchOne(db, sql: "SELECT sum((typeof(activity_title) = 'text') + (typeof(activity_code) = 'text')) FROM stg_attendance_packed")
            #expect(inline == 2 * count - (count - 4))
        }
    }

    @Test func aSupersededRegisterTakesItsDictionaryWithIt() throws {
        let scratch = try Register.scratch()
        try scratch.write(Self.file, text: [Register.header, Self.row(line: 2, title: "Old title")].joined(separator: "\n"))
        try scratch.run()
        try scratch.write("attendance_EP-0018_2014-autumn_20150201.csv", text: [Register.header, Self.row(line: 2, title: "New title")].joined(separator: "\n"))
        try scratch.run()

        try scratch.read { (db: Database) throws in
            #expect(try String.fetchAll(db, sql: "SELECT f.file_name FROM stg_dictionary d JOIN etl_file f ON f.id = d.etl_file_id GROUP BY f.id") == ["attendance_EP-0018_2014-autumn_20150201.csv"])
            #expect(try String.fetchAll(db, sql: "SELECT activity_title FROM stg_attendance") == ["New title"])
        }
    }

    @Test func rowsStagedBeforeThePackingAreCarriedOverUnchanged() throws {
        let scratch = try Scratch()
        let schemas = Project.root.appendingPathComponent("schemas")
        let key = String(repeating: "0123456789abcdef", count: 4)
        do {
            let pool = try DatabasePool(path: scratch.warehouse)
            try Warehouse.migrator(schemas: schemas).migrate(pool, upTo: "0011_check_lists_as_comparisons")
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO etl_run (id, started, inbox, versions) VALUES (1, '2015-01-08T00:00:00Z', 'inbox', '{}');
                    INSERT INTO etl_file (id, run_id, path, file_name, source, file_date, sha256, size, rows_read, rows_loaded, status, started, finished)
                    VALUES (1, 1, 'inbox/attendance_EP-0018_2014-autumn_20150108.csv', 'attendance_EP-0018_2014-autumn_20150108.csv', 'attendance_csv',
                            '2015-01-08', ?, 10, 1, 1, 'loaded', '2015-01-08T00:00:00Z', '2015-01-08T00:00:01Z');
                    INSERT INTO stg_attendance_register VALUES (1, 'EP-0018', '2014-autumn', '2015-01-08');
                    INSERT INTO stg_attendance VALUES (1, 2, '2014-09-08', 101445, '1066', ?, NULL, 'CPD-SCI-101', 'Forces', 'CPD', NULL, 2.5, 1);
                    """, arguments: [key, key])
            }
        }
        let before = try scratch.dump(["fct_attendance"])

        _ = try Warehouse(path: scratch.warehouse, schemas: schemas)

        #expect(try scratch.dump(["fct_attendance"]) == before)
        #expect(before.contains(key) && before.contains("2.5"))
        try scratch.read { (db: Database) throws in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT * FROM stg_attendance"))
            #expect(row["school_name"] as DatabaseValue == "1066".databaseValue)
            #expect(row["participant_key"] as String? == key)
            #expect(try Int.fetchOne(db, sql: "SELECT length(participant_key) FROM stg_attendance_packed") == 32)
        }
    }

    @Test func aDictionaryColumnWhoseStagingColumnHasATypeIsAConfigurationError() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE stg_thing (etl_file_id INTEGER, line INTEGER, name TEXT)")
            let pipeline = try PipelineDefinition.parse(yaml: """
                source: thing
                files: {pattern: '^thing\\.csv$', format: csv}
                staging: stg_thing
                columns:
                  name: {header: Name, dictionary: true}
                """, path: "pipelines/thing.yaml")
            #expect {
                _ = try StagingWriter(db: db, pipeline: pipeline, fileID: 1, fileValues: [])
            } throws: { error in
                "\(error)".contains("pipelines/thing.yaml") && "\(error)".contains("stg_thing.name is declared TEXT; declare it with no type")
            }
        }
    }

    @Test func aDictionaryIsForTextColumnsOnly() {
        #expect {
            _ = try PipelineDefinition.parse(yaml: """
                source: thing
                files: {pattern: '^thing\\.csv$', format: csv}
                staging: stg_thing
                columns:
                  count: {header: Count, type: integer, dictionary: true}
                """, path: "pipelines/thing.yaml")
        } throws: { error in
            "\(error)".contains("pipelines/thing.yaml:5") && "\(error)".contains("count.dictionary applies to text columns; this one is integer")
        }
    }
}

extension PackedStagingTests {
    @Test func aPseudonymColumnStagedAsBytesTakesNothingButAPseudonymsBytes() throws {
        let scratch = try Scratch()
        let warehouse = try Warehouse(path: scratch.warehouse, schemas: Project.root.appendingPathComponent("schemas"))
        let pipeline = try #require(try Project.catalog().pipeline(named: "attendance_csv"))
        var batch = ValidatedBatch(width: pipeline.columns.count)
        let keys: [FieldValue?] = [nil, .text(String(repeating: "0f", count: 32)), .text("")]
        for key in keys {
            batch.beginRow(line: batch.lines.count + 2)
            for value: FieldValue in [.text("2014-09-08"), .integer(101445), .null] { batch.append(value) }
            if let key { batch.append(key) } else { [UInt8](repeating: 0x0F, count: 32).withUnsafeBytes { batch.appendBytes($0) } }
            for value: FieldValue in [.null, .text("CPD-SCI-101"), .null, .text("CPD"), .null, .real(2), .integer(1)] { batch.append(value) }
        }
        try warehouse.pool.write { db in
            try recordStagingFile(db)
            let writer = try StagingWriter(db: db, pipeline: pipeline, fileID: 1, fileValues: [])
            var refusals: [Int: String] = [:]
            try batch.withUnsafeRows { lines, slots, text in
                try writer.insert(lines: lines, slots: slots, text: text) { row, reason in refusals[row] = reason }
            }
            // Hex text, even of the right bytes, is not what the column stores
            let refusal = "participant_key: expected a pseudonym (32 bytes), the only thing its BLOB column stores"
            #expect(refusals == [1: refusal, 2: refusal])
            // Nor is such a row compared for the unique rule: it was never staged
            var check = try #require(try RepeatedRowCheck(db: db, pipeline: pipeline))
            try batch.withUnsafeRows { lines, slots, text in
                try check.remember(line: lines[1], hash: 1, values: UnsafeBufferPointer(rebasing: slots[batch.width ..< 2 * batch.width]),
                                   text: text, raw: "line 3", as: writer)
            }
            #expect(check.flagged == 0)
            #expect(try String.fetchAll(db, sql: "SELECT hex(participant_key) FROM stg_attendance_packed") == [String(repeating: "0F", count: 32)])
        }
    }

    /// A register of `count` rows as the validator would hand them over; `hours` gives each row's.
    private static func batch(rows count: Int, pipeline: PipelineDefinition, key: (Int) -> FieldValue? = { _ in nil },
                              hours: (Int) -> Double = { _ in 2 }) -> ValidatedBatch {
        var batch = ValidatedBatch(width: pipeline.columns.count)
        for row in 0 ..< count {
            batch.beginRow(line: row + 2)
            for value: FieldValue in [.text("2014-09-08"), .integer(101445), .text("Royal Park")] { batch.append(value) }
            if let key = key(row) { batch.append(key) } else { [UInt8](repeating: UInt8(row % 256), count: 32).withUnsafeBytes { batch.appendBytes($0) } }
            for value: FieldValue in [.null, .text("CPD-SCI-101"), .null, .text("CPD"), .null, .real(hours(row)), .integer(1)] { batch.append(value) }
        }
        return batch
    }

    private static func stage(_ batch: ValidatedBatch, pipeline: PipelineDefinition, in scratch: Scratch) throws -> (refused: [Int: String], staged: [Int]) {
        let warehouse = try Warehouse(path: scratch.warehouse, schemas: Project.root.appendingPathComponent("schemas"))
        return try warehouse.pool.write { db in
            try recordStagingFile(db)
            let writer = try StagingWriter(db: db, pipeline: pipeline, fileID: 1, fileValues: [])
            var refused: [Int: String] = [:]
            try batch.withUnsafeRows { lines, slots, text in
                try writer.insert(lines: lines, slots: slots, text: text) { row, reason in refused[row] = reason }
            }
            return (refused, try Int.fetchAll(db, sql: "SELECT line FROM stg_attendance_packed ORDER BY line"))
        }
    }

    @Test("rows go in many to a statement, and a row the table refuses is the only one not staged, wherever it falls")
    func groupsKeepEveryRowButTheRefused() throws {
        let pipeline = try #require(try Project.catalog().pipeline(named: "attendance_csv"))
        let rows = 3 * StagingWriter.rowsPerStatement + 5
        // The first and last of a group, two in a row, and one in the rows left after the groups.
        let badRows: Set = [0, StagingWriter.rowsPerStatement - 1, StagingWriter.rowsPerStatement + 7, StagingWriter.rowsPerStatement + 8, rows - 2]
        let batch = Self.batch(rows: rows, pipeline: pipeline, hours: { badRows.contains($0) ? 25 : 2 })
        let (refused, staged) = try Self.stage(batch, pipeline: pipeline, in: Scratch())
        #expect(Set(refused.keys) == badRows)
        #expect(refused.values.allSatisfy { $0.contains("CHECK constraint failed") })
        #expect(staged == (0 ..< rows).filter { !badRows.contains($0) }.map { $0 + 2 })
    }

    @Test("a value with no staged form in a group refuses its row alone")
    func groupWithAValueThatHasNoStagedForm() throws {
        let pipeline = try #require(try Project.catalog().pipeline(named: "attendance_csv"))
        let rows = 2 * StagingWriter.rowsPerStatement
        let batch = Self.batch(rows: rows, pipeline: pipeline, key: { $0 == 10 ? .text("not bytes") : nil })
        let (refused, staged) = try Self.stage(batch, pipeline: pipeline, in: Scratch())
        #expect(refused == [10: "participant_key: expected a pseudonym (32 bytes), the only thing its BLOB column stores"])
        #expect(staged == (0 ..< rows).filter { $0 != 10 }.map { $0 + 2 })
    }
}
