import Foundation
import GRDB
import Testing
@testable import EnthuseCore

@Suite("exists_in sets kept across a run's files")
struct ReferenceSetCacheTests {
    @Test func setIsReadOnceAndForgottenWhenAPipelineThatWritesItsTableCommits() throws {
        // Given a warehouse whose register holds school 100001
        let scratch = try Scratch()
        try scratch.write("edubasealldata20160901.csv", text: TinyRegister.file([TinyRegister.row(urn: 100001, name: "Oak Primary")]))
        try scratch.run()
        let warehouse = try Warehouse(path: scratch.warehouse, schemas: Project.root.appendingPathComponent("schemas"))
        let catalog = try Project.catalog()
        let attendance = try #require(catalog.pipelines.first { $0.source == "attendance_csv" })
        let register = try #require(catalog.pipelines.first { $0.source == "school_register" })
        let cache = ReferenceSetCache(projectRoot: Project.root)

        try warehouse.pool.write { db in
            let first = try #require(try cache.sets(db, for: attendance)["dim_school.urn"])
            #expect(first.contains(.integer(100001)))
            // When a school appears in dim_school
            try db.execute(sql: """
                INSERT INTO dim_school (urn, name, status, la_code, valid_from, is_current)
                VALUES (100002, 'Elm Academy', 'Open', '330', '2016-09-01', 1)
                """)
            // Then the set read for the first file still serves the next attendance file
            #expect(try cache.sets(db, for: attendance)["dim_school.urn"]?.contains(.integer(100002)) == false)
            cache.fileCommitted(pipeline: attendance)
            #expect(try cache.sets(db, for: attendance)["dim_school.urn"]?.contains(.integer(100002)) == false)
            // And once a register file, whose transform writes dim_school, commits, it is read again
            cache.fileCommitted(pipeline: register)
            #expect(try cache.sets(db, for: attendance)["dim_school.urn"]?.contains(.integer(100002)) == true)
        }
    }
}

extension ReferenceSetCacheTests {
    @Test(arguments: [
        ("INSERT INTO dim_school (urn) VALUES (1);", true),
        ("insert or replace into \"dim_school\" values (1);", true),
        ("UPDATE dim_school SET name = 'x';", true),
        ("DELETE FROM main.dim_school;", true),
        ("DROP TABLE IF EXISTS dim_school;", true),
        ("SELECT urn FROM dim_school;", false),
        ("INSERT INTO dim_school_history SELECT * FROM dim_school;", false),
    ])
    func aTransformWritesATableWhenAStatementChangesIt(sql: String, writes: Bool) {
        #expect(ReferenceSetCache.writes(sql.lowercased(), table: "dim_school") == writes)
    }
}
