import GRDB

/// A built-in step that rebuilds derived tables once per run, after the loads, when a source it
/// depends on changed. Steps that are plain SQL live in `schemas/refresh/` instead; these are the
/// ones whose logic is clearer in Swift.
public enum RefreshStep: String, CaseIterable, Sendable {
    /// `school_lineage`: every URN resolved to its current successor (``LineageResolver``).
    case schoolLineage = "school_lineage"

    func run(_ db: Database) throws {
        switch self {
        case .schoolLineage:
            try SchoolLineageRefresh.run(db)
        }
    }
}
