import Foundation
import GRDB
import Testing
@testable import EnthuseCore

/// The analysts' contract: the tables and views their queries, spreadsheets and Datasette
/// bookmarks rely on, with the exact columns of each, in order.
///
/// **This list is the one place the contract is written down.** Dropping or renaming a column
/// here breaks someone's query: do it only with the analysts, and say so in the release notes.
/// A new mart named in an issue is added here when it lands; a new column is added at the end of
/// its table's list.
enum AnalystContract {
    static let columns: KeyValuePairs<String, [String]> = [
        // Finance (issue 3)
        "mart_funding_round": ["round", "announced_pence", "announced_qualifier", "pledged_pence", "received_pence", "refunded_pence",
                               "net_received_pence", "outstanding_pence", "variance_to_announced_pence", "status"],
        "mart_funding_funder": ["round", "funder_id", "funder_name", "pledged_pence", "received_pence", "refunded_pence",
                                "outstanding_pence", "entries"],
        "mart_funding_issue": ["kind", "round", "funder_id", "ref", "amount_pence", "detail"],
        "fct_contribution": ["ref", "funder_id", "round", "kind", "entry_date", "amount_pence", "memo", "source_file", "source_line"],
        "dim_funder": ["funder_id", "funder_name", "names_over_time", "aliases"],
        // Schools (issue 1)
        "dim_school": ["urn", "name", "type", "type_group", "status", "phase", "trust", "la_code", "la_name", "laestab", "pupils",
                       "fsm_percent", "open_date", "close_date", "low_age", "high_age", "ukprn", "town", "postcode", "region",
                       "urban_rural", "valid_from", "valid_to", "is_current"],
        "school_lineage": ["urn", "current_urn", "resolution", "steps", "candidates"],
        // Attendance registers
        "mart_attendance_partnership": ["partnership_id", "academic_year", "term", "subject", "activity_type", "sessions",
                                        "participants", "attended_hours"],
        "fct_attendance": ["partnership_id", "term", "urn", "session_date", "participant_key", "role", "activity_code",
                           "activity_type", "subject", "hours", "attended", "source_file"],
        // Partnerships, attainment and the teacher survey
        "mart_attainment_partnership": ["partnership_id", "academic_year", "key_stage", "measure", "member_schools",
                                        "schools_with_value", "mean_value", "status", "baseline_year", "baseline_mean",
                                        "baseline_comparable", "change_from_baseline"],
        "mart_programme_kpi": ["kpi", "value", "numerator", "denominator", "unit", "as_of"],
        "dim_partnership": ["partnership_id", "name", "focus_subjects", "lead_urn", "plan_start", "plan_end", "grant_pence",
                            "member_count", "size_flag", "export_date", "source_file", "source_line"],
        "fct_attainment": ["urn", "academic_year", "key_stage", "measure", "value", "status", "cohort", "source_column",
                           "source_file", "source_line"],
        "fct_survey_response": ["partnership_id", "urn", "responded_at", "role", "attainment_answer", "agrees_attainment",
                                "engagement_answer", "engagement_increased", "cpd_hours", "subjects", "export_date",
                                "source_file", "source_line"],
        // The run ledger (operations)
        "etl_run": ["id", "started", "finished", "status", "exit_code", "versions", "inbox", "message"],
        "etl_file": ["id", "run_id", "path", "file_name", "source", "file_date", "sha256", "size", "encoding", "rows_read",
                     "rows_loaded", "rows_rejected", "status", "message", "started", "finished"],
        "etl_reject": ["id", "run_id", "file_id", "file", "line", "field", "value", "reason", "raw"],
    ]
}

@Suite("Analysts' contract")
struct AnalystContractTests {
    @Test(arguments: AnalystContract.columns.map(\.key))
    func migratedWarehouseHasEveryPinnedColumnUnderItsName(table: String) throws {
        // Given a warehouse migrated from schemas/migrations
        let scratch = try Scratch()
        _ = try Warehouse(path: scratch.warehouse, schemas: Project.root.appendingPathComponent("schemas"))
        let pinned = AnalystContract.columns.first { $0.key == table }!.value

        // When its live columns are read
        let live = try scratch.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", arguments: [table])
        }

        // Then they are exactly the pinned ones, in order
        let missing = pinned.filter { !live.contains($0) }
        let added = live.filter { !pinned.contains($0) }
        #expect(!live.isEmpty, "\(table) no longer exists: analysts' queries rely on it")
        #expect(missing.isEmpty, "\(table) lost \(missing): analysts' queries rely on these columns; restore them or agree the change")
        #expect(added.isEmpty, "\(table) gained \(added): add them to AnalystContract.columns (and describe them in schemas/docs/)")
        #expect(live == pinned, "\(table): the columns moved; analysts reading by position rely on the order")
    }

    @Test func everyPinnedMartIsDocumented() throws {
        let dictionary = try DataDictionary.build(catalog: Project.catalog())
        let documented = Set(dictionary.entries.compactMap { $0.documentation?.table })
        for (table, _) in AnalystContract.columns {
            #expect(documented.contains(table), "\(table) is in the analysts' contract but has no schemas/docs/\(table).yaml")
        }
    }
}
