import Foundation
import GRDB
import Testing
@testable import EnthuseCore

@Suite("Full disk")
struct FullDiskTests {
    /// A 4 MiB tmpfs, mounted for the test: a real ENOSPC, not a simulated one. Mounting needs
    /// root, which CI and the development machines have; elsewhere the test cannot run.
    static let canMount = getuid() == 0

    @Test(.enabled(if: canMount, "mounting a small tmpfs needs root; CI runs as root"))
    func fileThatFillsTheDiskRollsBackExits74AndLeavesCommittedDataIntact() throws {
        let scratch = try Scratch()
        let disk = scratch.directory.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        try mount(disk, size: "4m")
        defer { _ = try? run("/bin/umount", [disk.path]) }
        let warehouse = disk.appendingPathComponent("warehouse.sqlite").path

        // Given a warehouse on a nearly full disk holding one small snapshot
        try scratch.write("edubasealldata20190101.csv", text: TinyRegister.file([TinyRegister.row(urn: 100001, name: "Committed School")]))
        #expect(try enthuse(["run", "--inbox", scratch.inbox.path, "--warehouse", warehouse]).status == 0)

        // When a snapshot too large for the space left is loaded
        let rows = (0..<30_000).map { TinyRegister.row(urn: 200_000 + $0, name: "A school with a long enough name \($0)") }
        try scratch.write("edubasealldata20200101.csv", text: TinyRegister.file(rows))
        let result = try enthuse(["run", "--inbox", scratch.inbox.path, "--warehouse", warehouse])

        // Then the run stops with 74, says what happened and what to do, and the file rolled back
        #expect(result.status == 74, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("Free disk space"))
        try Warehouse.openReadOnly(path: warehouse).read { (db: Database) throws in
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
            #expect(try String.fetchAll(db, sql: "SELECT name FROM dim_school") == ["Committed School"])
            #expect(try String.fetchAll(db, sql: "SELECT file_name FROM etl_file WHERE status = 'loaded'") == ["edubasealldata20190101.csv"])
        }
    }

    private func mount(_ directory: URL, size: String) throws {
        let status = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", directory.path])
        try #require(status == 0, "could not mount a tmpfs at \(directory.path)")
    }

    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
