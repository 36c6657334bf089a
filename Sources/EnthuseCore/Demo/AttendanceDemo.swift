import Foundation

/// Synthetic attendance registers (sources.md §4): one per partnership and term, as people make
/// them — UK dates, header wordings that vary, a title row now and then, e-mail addresses that
/// are pseudonymised on the way in.
public struct AttendanceDemo {
    /// A partnership and the schools whose staff attend its activities.
    public struct Partnership: Sendable {
        public var id: String
        public var schools: [(urn: Int, name: String)]
        /// The autumn term the partnership's two-year plan starts in.
        public var startYear: Int

        public init(id: String, schools: [(urn: Int, name: String)], startYear: Int) {
            self.id = id
            self.schools = schools
            self.startYear = startYear
        }
    }

    static let activities: [(code: String, title: String, type: String, subject: String, hours: String)] = [
        ("CPD-SCI-101", "Forces – practical approaches", "CPD", "Science", "2"),
        ("CPD-MAT-102", "Reasoning in mathematics", "CPD", "Mathematics", "3"),
        ("CPD-ENG-101", "Bridges and towers challenge", "CPD", "Engineering", "3.5"),
        ("INS-SCI-201", "STEM Insight placement", "STEM Insight", "Science", "7"),
        ("AMB-COM-301", "Coding with a STEM Ambassador", "STEM Ambassador visit", "Computing", "1.5"),
        ("ENR-SCI-104", "Practical chemistry for non-specialists", "Enrichment", "Science", "3"),
        ("ENR-DT-105", "Design and make: moving toys", "Enrichment", "Design and Technology", "2.5"),
    ]
    static let roles = ["Teacher", "Teacher", "Teacher", "Teaching assistant", "Subject leader", "Headteacher"]
    static let givenInitials = Array("abcdefghjklmnprstw")
    static let surnames = ["smith", "jones", "patel", "khan", "evans", "wood", "ward", "moore", "okafor", "nowak", "davies", "oneill"]
    static let terms = ["autumn", "spring", "summer"]

    public let seed: UInt64
    public init(seed: UInt64 = 2008) { self.seed = seed }

    /// Writes a register per partnership for each of the six terms of its plan, in turn as CSV,
    /// Excel 2003 XML and .xlsx; returns the file names.
    @discardableResult
    public func write(to inbox: URL, partnerships: [Partnership], rowsPerRegister: Int = 60) throws -> [String] {
        var random = SeededRandom(seed: seed ^ 0xA77E)
        var names: [String] = []
        for partnership in partnerships {
            for termIndex in 0..<6 {
                let year = partnership.startYear + (termIndex + 2) / 3
                let term = Self.terms[termIndex % 3]
                let exported = ISODate(year: year, month: [1, 4, 8][termIndex % 3], day: 3 + Int.random(in: 0...20, using: &random))!
                let format = [Format.csv, .spreadsheetML, .xlsx][termIndex % 3]
                let name = "attendance_\(partnership.id)_\(year)-\(term)_\(String(format: "%04d%02d%02d", exported.year, exported.month, exported.day)).\(format.rawValue)"
                let url = inbox.appendingPathComponent(name)
                try writeRegister(to: url, format: format, partnership: partnership, year: year, termIndex: termIndex % 3,
                                  rows: rowsPerRegister, random: &random, titled: termIndex == 3)
                names.append(name)
            }
        }
        return names
    }

    /// One large register of `rows` rows, for benchmarks and national-scale inboxes.
    public func writeLargeRegister(to url: URL, format: Format = .csv, partnership: Partnership, rows: Int) throws {
        var random = SeededRandom(seed: seed ^ 0xB16)
        try writeRegister(to: url, format: format, partnership: partnership, year: partnership.startYear, termIndex: 0, rows: rows, random: &random, titled: false)
    }

    /// The file formats partnership leads export registers in, by file extension.
    public enum Format: String, Sendable, CaseIterable {
        case csv, spreadsheetML = "xml", xlsx
    }

    private func writeRegister(to url: URL, format: Format, partnership: Partnership, year: Int, termIndex: Int, rows: Int,
                               random: inout SeededRandom, titled: Bool) throws {
        let header = titled
            ? ["Session date", "URN", "School", "Participant E-mail", "Role", "ACTIVITY CODE", "Activity  title", "Type of activity", "Subject", "Hours", "Attended?", "Notes"]
            : ["Date", "School URN", "School name", "Participant email", "Participant role", "Activity code", "Activity title", "Activity type", "Subject", "Hours", "Attended"]
        // Every format streams row by row: benchmark registers have millions of rows.
        let writer = format == .csv ? try DemoCSVWriter(url: url, encoding: termIndex == 2 ? .utf8WithBOM : .utf8) : nil
        let workbook = format == .csv ? nil : try DemoWorkbook(url: url, format: format == .xlsx ? .xlsx : .spreadsheetML, header: header, rows: rows)
        if let writer {
            if titled { writer.row([.bare("\(partnership.id) attendance register"), .bare(""), .bare("")]) }
            writer.row(header.map { .bare($0) })
        }
        let startMonth = [9, 1, 4][termIndex]
        let attendedTokens = [["TRUE", "FALSE"], ["Y", "N"], ["Yes", "No"], ["Present", "Absent"], ["1", "0"]][Int.random(in: 0..<5, using: &random)]
        var written = 0
        var session = 0
        let firstDay = ISODate(year: year, month: startMonth, day: 5)!.daysSinceEpoch
        while written < rows {
            // Each session is one activity on one day, so no participant is listed twice for one.
            let activity = Self.activities[session % Self.activities.count]
            // Benchmark registers of millions of rows would run past the year 2100, which no
            // register may name: days wrap every 30,000 (82 years) and each lap is another set of
            // people (an "eN" in their addresses), so no one is listed twice for one session.
            let day = (session / Self.activities.count) * (rows > 10_000 ? 1 : 3)
            let date = ISODate(daysSinceEpoch: firstDay + day % 30_000)!
            let lap = day / 30_000 == 0 ? "" : "e\(day / 30_000)"
            session += Int.random(in: 1...2, using: &random)
            var seen = Set<String>()
            for _ in 0..<min(rows - written, Int.random(in: 3...12, using: &random)) {
                let school = random.pick(partnership.schools)
                let email = "\(random.pick(Self.givenInitials)).\(random.pick(Self.surnames))\(Int.random(in: 1...40, using: &random))\(lap)@school\(school.urn).sch.uk"
                guard seen.insert(email).inserted else { continue }
                let role = random.pick(Self.roles)
                let attended = random.chance(0.88) ? attendedTokens[0] : attendedTokens[1]
                let note = titled && random.chance(0.1) ? "cover arranged" : ""
                if let writer {
                    var fields: [DemoCSVWriter.Field] = [
                        .bare(String(format: "%02d/%02d/%04d", date.day, date.month, date.year)), .bare(String(school.urn)),
                        .quoted(school.name), .bare(email), .bare(role), .bare(activity.code), .quoted(activity.title),
                        .bare(activity.type), .bare(activity.subject), .bare(activity.hours), .bare(attended),
                    ]
                    if titled { fields.append(.bare(note)) }
                    writer.row(fields)
                } else if let workbook {
                    var cells: [DemoWorkbook.Cell] = [
                        .date(date), .number(String(school.urn)), .text(school.name), .text(email), .text(role), .text(activity.code),
                        .text(activity.title), .text(activity.type), .text(activity.subject), .number(activity.hours), .text(attended),
                    ]
                    if titled { cells.append(.text(note)) }
                    workbook.row(cells)
                }
                written += 1
            }
        }
        try writer?.close()
        try workbook?.close()
    }
}
