import Foundation
import GRDB
import Logging

/// Runs every pipeline over an inbox: the whole nightly job.
///
/// Files are claimed by the pipelines' name patterns and loaded in dependency order, then by the
/// date in their names; each file is one transaction. After the loads, the refresh steps of every
/// source that changed rebuild the derived tables. Files no pipeline claims are listed, untouched.
public struct PipelineRunner {
    public let catalog: PipelineCatalog
    public let warehousePath: String
    public let logger: Logger
    public var progress: (@Sendable (String, Int, Int) -> Void)?
    /// Called after each file is finished with (its load committed, or its rejection recorded):
    /// the nightly wrapper archives or quarantines a file only once it is listed.
    public var onFileFinished: ((FileOutcome) -> Void)?
    /// The size from which a file that needs no encoding detected starts its reading before its
    /// fingerprint is computed (`FileLoader.prepare`).
    var earlyReadingBytes = FileLoader.earlyReadingBytes

    public init(catalog: PipelineCatalog, warehousePath: String, logger: Logger) {
        self.catalog = catalog
        self.warehousePath = warehousePath
        self.logger = logger
    }

    /// The files of `inbox` that pipelines claim, in load order, and the names none claims.
    public func plan(inbox: String) throws -> (claimed: [ClaimedFile], unclaimed: [String]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: inbox).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw RunFailure.io("cannot list the inbox \(inbox): \(error.localizedDescription)")
        }
        var claimed: [ClaimedFile] = []
        var unclaimed: [String] = []
        let order = Dictionary(uniqueKeysWithValues: catalog.pipelines.enumerated().map { ($1.source, $0) })
        for name in names {
            let path = (inbox as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            if let (pipeline, captures) = try catalog.claim(fileName: name) {
                let date = pipeline.files.dateCapture.flatMap { captures[$0] } ?? ""
                claimed.append(ClaimedFile(path: path, pipeline: pipeline, captures: captures, order: order[pipeline.source]!, sortDate: date))
            } else {
                unclaimed.append(name)
            }
        }
        claimed.sort { ($0.order, $0.sortDate, $0.path) < ($1.order, $1.sortDate, $1.path) }
        return (claimed, unclaimed)
    }

    /// Loads the inbox under the warehouse lock and reports what happened.
    public func run(inbox: String) throws -> RunReport {
        let lock = try RunLock(warehousePath: warehousePath)
        defer { withExtendedLifetime(lock) {} }
        let (claimed, unclaimed) = try plan(inbox: inbox)
        let warehouse = try openWarehouse()
        // Checkpoints leave the loading thread for one of their own while the run writes.
        let checkpointer = try withWarehouseErrors { try WALCheckpointer(path: warehousePath) }
        warehouse.pool.writeWithoutTransaction { checkpointer.watch($0) }
        defer { warehouse.pool.writeWithoutTransaction { checkpointer.stop($0) } }
        let seeds = try withWarehouseErrors { try ReferenceSeeds.load(directory: catalog.referenceDirectory, into: warehouse) }
        if !seeds.isEmpty { logger.notice("reference data reloaded", metadata: ["tables": "\(seeds.joined(separator: ", "))"]) }
        let runID = try warehouse.pool.write { db in
            try RunLedger.startRun(db, inbox: inbox, versions: try versions(warehouse))
        }
        var report = RunReport(runID: runID, unclaimed: unclaimed)
        logger.info("run started", metadata: ["run.id": "\(runID)", "inbox": "\(inbox)", "files.claimed": "\(claimed.count)", "files.unclaimed": "\(unclaimed.count)"])
        do {
            var loader = FileLoader(warehouse: warehouse, projectRoot: catalog.projectRoot, runID: runID, logger: logger)
            loader.progress = progress
            loader.earlyReadingBytes = earlyReadingBytes
            // Each file is read while the one before it loads, when nothing it is checked against
            // can change (ReadAhead); a file that was not is prepared when its turn comes.
            var readAhead: ReadAhead?
            for (index, file) in claimed.enumerated() {
                let prepared = readAhead?.prepared
                readAhead = claimed.indices.contains(index + 1) ? ReadAhead(file: claimed[index + 1]) : nil
                let outcome = try withWarehouseErrors {
                    try loader.load(path: file.path, pipeline: file.pipeline, captures: file.captures, prepared: prepared, readAhead: readAhead)
                }
                log(outcome)
                onFileFinished?(outcome)
                report.files.append(outcome)
            }
            report.refreshes = try withWarehouseErrors { try refresh(warehouse) }
        } catch {
            let failure = RunFailure(error)
            try? warehouse.pool.write { db in
                try RunLedger.finishRun(db, id: runID, status: "failed", exitCode: failure.exitCode, message: failure.description)
            }
            throw failure
        }
        try warehouse.pool.write { db in
            try RunLedger.finishRun(db, id: runID, status: report.hasRejects ? "completed_with_rejects" : "succeeded",
                                   exitCode: report.exitCode, message: nil)
        }
        logger.info("run finished", metadata: ["run.id": "\(runID)", "exit": "\(report.exitCode)"])
        return report
    }

    private func openWarehouse() throws -> Warehouse {
        do {
            return try Warehouse(path: warehousePath, schemas: catalog.projectRoot.appendingPathComponent("schemas"))
        } catch let error as DatabaseError {
            throw RunFailure.io("cannot open the warehouse \(warehousePath): \(error.message ?? "\(error)"); check the path and that the disk is writable")
        } catch let error as WarehouseError {
            throw RunFailure.configuration(error.description)
        }
    }

    /// Runs each refresh step that has not yet seen every file of its sources (the pipelines that
    /// declare it and those they depend on), once, in pipeline order, each in a transaction of its
    /// own that also records how far it has seen. A run killed after its loads but before its
    /// refreshes therefore leaves the work to the next run, even though that run loads nothing.
    private func refresh(_ warehouse: Warehouse) throws -> [RefreshOutcome] {
        var sourcesOfStep: [String: Set<String>] = [:]
        for pipeline in catalog.pipelines {
            for step in pipeline.refresh {
                sourcesOfStep[step, default: []].formUnion([pipeline.source] + pipeline.dependsOn)
            }
        }
        var done = Set<String>()
        var outcomes: [RefreshOutcome] = []
        for pipeline in catalog.pipelines {
            for step in pipeline.refresh where done.insert(step).inserted {
                let sources = Array(sourcesOfStep[step] ?? [])
                let clock = ContinuousClock.now
                let ran = try warehouse.pool.write { db -> Bool in
                    let newest = try Int64.fetchOne(db, sql: """
                        SELECT max(id) FROM etl_file WHERE status IN ('loaded', 'superseded') AND source IN (\(sources.map { _ in "?" }.joined(separator: ", ")))
                        """, arguments: StatementArguments(sources)) ?? 0
                    let seen = try Int64.fetchOne(db, sql: "SELECT through_file_id FROM etl_refresh WHERE step = ?", arguments: [step])
                    guard newest > 0, newest != seen else { return false }
                    if let builtIn = RefreshStep(rawValue: step) {
                        try builtIn.run(db)
                    } else {
                        try SQLScript(url: catalog.projectRoot.appendingPathComponent(step)).run(db, parameters: [])
                    }
                    try db.execute(sql: "INSERT OR REPLACE INTO etl_refresh (step, through_file_id, refreshed) VALUES (?, ?, ?)",
                                   arguments: [step, newest, Timestamp.now()])
                    return true
                }
                guard ran else { continue }
                let outcome = RefreshOutcome(step: step, seconds: (ContinuousClock.now - clock).seconds)
                logger.info("refreshed", metadata: ["step": "\(step)", "seconds": "\(outcome.seconds)"])
                outcomes.append(outcome)
            }
        }
        return outcomes
    }

    /// Tool version, schema version and a hash of each pipeline file, as JSON for `etl_run`.
    private func versions(_ warehouse: Warehouse) throws -> String {
        var pipelines: [String: String] = [:]
        for pipeline in catalog.pipelines {
            pipelines[pipeline.source] = (try? FileFingerprint.compute(path: pipeline.definitionPath).sha256.prefix(12)).map(String.init) ?? "unreadable"
        }
        let versions = RunVersions(enthuse: EnthuseVersion.current, schema: try warehouse.schemaVersion(), pipelines: pipelines)
        return String(decoding: try SortedJSON.encoder.encode(versions), as: UTF8.self)
    }

    /// What `etl_run.versions` records: the program, the warehouse schema, and each pipeline
    /// file's fingerprint.
    private struct RunVersions: Encodable {
        let enthuse: String
        let schema: String
        let pipelines: [String: String]
    }

    private func log(_ outcome: FileOutcome) {
        var metadata: Logger.Metadata = [
            "file.name": "\(outcome.fileName)", "source": "\(outcome.source)", "status": "\(outcome.status.rawValue)",
            "rows.read": "\(outcome.rowsRead)", "rows.loaded": "\(outcome.rowsLoaded)", "rows.rejected": "\(outcome.rowsRejected)",
            "seconds": "\(String(format: "%.2f", outcome.seconds))",
        ]
        if let message = outcome.message { metadata["message"] = "\(message)" }
        if !outcome.ignoredColumns.isEmpty { metadata["columns.ignored"] = "\(outcome.ignoredColumns.count)" }
        logger.info("file finished", metadata: metadata)
    }
}

/// Turns a warehouse I/O failure (full disk, I/O error) into a run failure with exit 74.
func withWarehouseErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as DatabaseError where error.isWarehouseIOError {
        throw RunFailure.io("the warehouse could not be written (\(error.message ?? "\(error.resultCode)")); the file being loaded was rolled back and everything committed before it is intact. Free disk space or fix the storage, then run again")
    }
}

/// An inbox file a pipeline claimed.
public struct ClaimedFile: Sendable {
    public var path: String
    public var pipeline: PipelineDefinition
    public var captures: [String: String]
    var order: Int
    var sortDate: String
}

/// A refresh step that ran.
public struct RefreshOutcome: Sendable, Equatable {
    public var step: String
    public var seconds: Double
}
