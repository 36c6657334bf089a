import Foundation

extension AttainmentDemo {
    /// A measure column of one year's file: its name, the national level around which schools
    /// scatter, and how it is written.
    struct MeasureColumn {
        enum Kind { case percent, score, progress }
        var name: String
        var national: Double
        var kind: Kind
    }

    /// The measure columns each year's KS2 file had (sources.md §5).
    static func ks2Columns(firstYear: Int) -> [MeasureColumn] {
        switch firstYear {
        case ...2011: return [.init(name: "PTENGMATX", national: 74, kind: .percent), .init(name: "PTMATX", national: 80, kind: .percent), .init(name: "PTSCITAX", national: 85, kind: .percent)]
        case ...2014: return [.init(name: "PTREADWRITTAMATX", national: 76, kind: .percent), .init(name: "PTMATX", national: 83, kind: .percent), .init(name: "PTSCITAX", national: 86, kind: .percent)]
        default: return [.init(name: "PTRWM_EXP", national: 58, kind: .percent), .init(name: "PTMAT_EXP", national: 72, kind: .percent), .init(name: "PTSCITA_EXP", national: 81, kind: .percent)]
        }
    }

    /// The measure columns each year's KS4 file had (sources.md §5).
    static func ks4Columns(firstYear: Int) -> [MeasureColumn] {
        switch firstYear {
        case ...2012: return [.init(name: "PTAC5EM", national: 58, kind: .percent), .init(name: "PTEBACC", national: 16, kind: .percent)]
        case 2013: return [.init(name: "PTAC5EM_PTQ", national: 55, kind: .percent), .init(name: "PTEBACC_PTQ", national: 23, kind: .percent)]
        case 2014: return [.init(name: "PTAC5EM_PTQ_EE", national: 54, kind: .percent), .init(name: "PTEBACC_PTQ_EE", national: 23, kind: .percent), .init(name: "ATT8SCR", national: 47, kind: .score)]
        case 2015: return [.init(name: "PTAC5EM_PTQ_EE", national: 55, kind: .percent), .init(name: "PTEBACC_PTQ_EE", national: 24, kind: .percent), .init(name: "ATT8SCR", national: 48, kind: .score), .init(name: "P8MEA", national: 0, kind: .progress)]
        default: return [.init(name: "PTL2BASICS_94", national: 63, kind: .percent), .init(name: "PTEBAC2SCI_94", national: 60, kind: .percent), .init(name: "ATT8SCR", national: 46, kind: .score), .init(name: "P8MEA", national: 0, kind: .progress)]
        }
    }

    /// Writes `ks2_YYYY-YYYY.csv` and `ks4_YYYY-YYYY.csv` for each academic year; returns the names.
    func writeResults(schools: [School], partnerships: [Partnership], to inbox: URL) throws -> [String] {
        // A member school gains a few points from the academic year its first plan started.
        var joinedYear: [Int: Int] = [:]
        for partnership in partnerships {
            for member in partnership.members {
                joinedYear[member.school.urn] = min(joinedYear[member.school.urn] ?? .max, partnership.start.year)
            }
        }
        var names: [String] = []
        for (stage, eligible, columns, cohortHeader) in [
            ("ks2", schools.filter(\.hasKS2), Self.ks2Columns, "TELIG"),
            ("ks4", schools.filter(\.hasKS4), Self.ks4Columns, "TPUP"),
        ] {
            for firstYear in Self.firstYears {
                let name = "\(stage)_\(firstYear)-\(firstYear + 1).csv"
                try writeResultsFile(inbox.appendingPathComponent(name), stage: stage, firstYear: firstYear, schools: eligible,
                                     columns: columns(firstYear), cohortHeader: cohortHeader, joinedYear: joinedYear)
                names.append(name)
            }
        }
        return names
    }

    private func writeResultsFile(_ url: URL, stage: String, firstYear: Int, schools: [School], columns: [MeasureColumn],
                                  cohortHeader: String, joinedYear: [Int: Int]) throws {
        let writer = try DemoCSVWriter(url: url, encoding: .utf8)
        writer.row((["RECTYPE", "LEA", "ESTAB", "URN", "SCHNAME", "TOWN", "PCODE", "TOTPUPS", cohortHeader] + columns.map(\.name)).map { .bare($0) })
        for school in schools.sorted(by: { ($0.laCode, $0.urn) < ($1.laCode, $1.urn) }) {
            // Each school's results are their own stream: the same school gets the same numbers
            // whatever else the demo holds.
            var random = SeededRandom(seed: seed &+ UInt64(school.urn) &* 7919 &+ UInt64(firstYear))
            var ability = SeededRandom(seed: seed &+ UInt64(school.urn))
            let level = Double.random(in: -12...12, using: &ability)
            let boost = (joinedYear[school.urn].map { firstYear >= $0 } ?? false) ? 5.0 : 0
            let cohort = stage == "ks2" ? Int.random(in: 12...90, using: &random) : Int.random(in: 60...240, using: &random)
            let cells = columns.map { column in
                Self.cell(column, level: level, boost: boost, firstYear: firstYear, random: &random)
            }
            let urn = school.publishingURN(firstYear: firstYear)
            let pupils = stage == "ks2" ? cohort * 7 : cohort * 5
            writer.row([.bare(school.index % 50 == 0 ? "2" : "1"), .bare(String(school.laCode)), .bare(String(2000 + school.index)),
                        .bare(String(urn)), .quoted(school.name), .quoted(school.town), .bare("AB1 2CD"), .bare(String(pupils)),
                        .bare(String(cohort))] + cells.map { .bare($0) })
        }
        // Authority and national rows: no URN, and record types that differ by key stage.
        let (authority, national) = stage == "ks2" ? ("3", ["4", "5"]) : ("4", ["5", "7"])
        var random = SeededRandom(seed: seed &+ UInt64(firstYear) &* 31)
        for code in Set(schools.map(\.laCode)).sorted() {
            writer.row([.bare(authority), .bare(String(code))] + Array(repeating: .bare(""), count: 7)
                       + columns.map { .bare(Self.cell($0, level: 0, boost: 0, firstYear: firstYear, tokens: false, random: &random)) })
        }
        for rectype in national {
            writer.row([.bare(rectype)] + Array(repeating: .bare(""), count: 8)
                       + columns.map { .bare(Self.cell($0, level: 0, boost: 0, firstYear: firstYear, tokens: false, random: &random)) })
        }
        try writer.close()
    }

    /// One published cell: a number as the tables write it, or now and then a status token.
    static func cell(_ column: MeasureColumn, level: Double, boost: Double, firstYear: Int, tokens: Bool = true,
                     random: inout SeededRandom) -> String {
        if tokens && random.chance(0.06) {
            return firstYear >= 2018 ? random.pick(["c", "x", "z", "low"]) : random.pick(["SUPP", "SUPP", "SUPP", "NE", "NP", "LOWCOV", "NEW", "NA"])
        }
        let noise = Double.random(in: -6...6, using: &random)
        switch column.kind {
        case .percent:
            return "\(Int(min(100, max(0, column.national + level + boost + noise)).rounded()))%"
        case .score:
            return String(format: "%.1f", column.national + 0.5 * (level + boost + noise))
        case .progress:
            return String(format: "%.2f", 0.04 * (level + boost + noise))
        }
    }
}
