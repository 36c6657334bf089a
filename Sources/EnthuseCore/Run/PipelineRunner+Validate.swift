import Foundation

extension PipelineRunner {
    /// A dry run of `paths`: every stage runs against the warehouse (or, when there is none yet, a
    /// scratch one), every diagnostic goes to `onReject`, and nothing is written.
    public func validate(paths: [String], onReject: @escaping (String, RowReject) -> Void) throws -> (outcomes: [FileOutcome], unclaimed: [String]) {
        let scratch: URL?
        let path: String
        if FileManager.default.fileExists(atPath: warehousePath) {
            scratch = nil
            path = warehousePath
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("enthuse-validate-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            scratch = directory
            path = directory.appendingPathComponent("warehouse.sqlite").path
        }
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        let lock = try RunLock(warehousePath: path)
        defer { withExtendedLifetime(lock) {} }
        let warehouse = try Warehouse(path: path, schemas: catalog.projectRoot.appendingPathComponent("schemas"))
        if scratch != nil { try ReferenceSeeds.load(directory: catalog.referenceDirectory, into: warehouse) }
        var outcomes: [FileOutcome] = []
        var unclaimed: [String] = []
        for path in paths {
            let name = (path as NSString).lastPathComponent
            guard let (pipeline, captures) = try catalog.claim(fileName: name) else {
                unclaimed.append(path)
                continue
            }
            var loader = FileLoader(warehouse: warehouse, projectRoot: catalog.projectRoot, runID: nil, logger: logger)
            loader.onReject = { onReject(name, $0) }
            outcomes.append(try withWarehouseErrors { try loader.load(path: path, pipeline: pipeline, captures: captures) })
        }
        return (outcomes, unclaimed)
    }
}
