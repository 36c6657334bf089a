import Foundation

/// Synthetic partnerships, performance tables and teacher survey (sources.md §2, §5, §6), drawn
/// from the demo register and sized so that the programme's published headline figures come out
/// of the raw rows: 450 schools engaged in 70 partnerships of four to eight schools (two grew to 15
/// and 17), 84% of respondents agreeing the partnership raised attainment, 90% saying young
/// people's engagement increased.
///
/// Performance tables cover 2010/11 to 2018/19 for every KS2 and KS4 school of the register, with
/// the columns each year really had and status tokens where results were withheld. A member school
/// the register converts to an academy publishes under its academy URN from 2016/17, so its series
/// continues only through the links (the demo register dates its conversions later than that; the
/// lineage does not read dates).
public struct AttainmentDemo {
    public static let partnershipCount = 70
    public static let schoolsEngaged = 450
    /// The first calendar year of each academic year written: 2010 is 2010/11.
    public static let firstYears = 2010...2018
    public static let exportName = "partnerships_20190731.xml"
    public static let surveyName = "survey_20190731.csv"
    /// From this academic year (2016/17) a converted school publishes under its academy URN.
    static let conversionYear = 2016
    /// Two partnerships that grew beyond eight schools, by position, and their sizes.
    static let large = [17: 17, 42: 15]
    /// Schools that are members of two partnerships (counted once as engaged).
    static let sharedMembers = 8

    /// A school of the register as the demo uses it.
    struct School {
        var index: Int
        var urn: Int
        var name: String
        var laCode: Int
        var laName: String
        var town: String
        var lowAge: Int
        var highAge: Int
        /// The URN of the academy it converted to, if the register converts it.
        var academyURN: Int?

        var hasKS2: Bool { lowAge <= 7 && highAge >= 11 }
        var hasKS4: Bool { lowAge <= 11 && highAge >= 16 }
        /// The URN its results are published under in an academic year.
        func publishingURN(firstYear: Int) -> Int {
            firstYear >= AttainmentDemo.conversionYear ? academyURN ?? urn : urn
        }
    }

    struct Member {
        var school: School
        var joined: ISODate
        var left: ISODate?
    }

    struct Partnership {
        var id: String
        var name: String
        var focus: [String]
        var start: ISODate
        var grantPence: Int64
        var members: [Member]

        var end: ISODate { ISODate(year: start.year + 2, month: start.month, day: start.day).flatMap { ISODate(daysSinceEpoch: $0.daysSinceEpoch - 1) }! }
        var lead: School { members[0].school }
    }

    public let seed: UInt64
    let register: RegisterDemo

    public init(seed: UInt64 = 2008, register: RegisterDemo? = nil) {
        self.seed = seed
        self.register = register ?? RegisterDemo(seed: seed)
    }

    /// Writes the partnerships export, the KS2 and KS4 files and the survey; returns their names.
    @discardableResult
    public func write(to inbox: URL) throws -> [String] {
        let schools = registerSchools()
        let partnerships = makePartnerships(from: schools)
        try Self.xml(partnerships).write(to: inbox.appendingPathComponent(Self.exportName), atomically: true, encoding: .utf8)
        var names = [Self.exportName]
        names += try writeResults(schools: schools, partnerships: partnerships, to: inbox)
        try writeSurvey(partnerships, to: inbox.appendingPathComponent(Self.surveyName))
        names.append(Self.surveyName)
        return names
    }

    /// The partnerships as the attendance demo needs them: id, member schools, first autumn term.
    public func attendancePartnerships() -> [AttendanceDemo.Partnership] {
        makePartnerships(from: registerSchools()).map { partnership in
            AttendanceDemo.Partnership(id: partnership.id, schools: partnership.members.map { (urn: $0.school.urn, name: $0.school.name) },
                                       startYear: partnership.start.year)
        }
    }

    /// The register's original establishments, each with the academy it converts to.
    func registerSchools() -> [School] {
        var final: [RegisterDemo.Establishment] = []
        let links = register.simulate { snapshot, _, schools in
            if snapshot == RegisterDemo.snapshotDates.count - 1 { final = schools }
        }
        let academies = Dictionary(links.filter { $0.type == "Successor" }.map { ($0.from, $0.to) }, uniquingKeysWith: { first, _ in first })
        return final.prefix(register.establishments).enumerated().map { index, school in
            School(index: index, urn: school.urn, name: school.name, laCode: school.laCode, laName: school.laName,
                   town: school.town, lowAge: school.lowAge, highAge: school.highAge, academyURN: academies[school.urn])
        }
    }

    /// Schools the register's special cases touch (a gap in a snapshot, a merger, a split, a
    /// cycle, a sixth-form link) are left out of partnerships, so that every member is one school
    /// engaged.
    static let specialCases: Set<Int> = [7, 20, 21, 30, 40, 41, 50, 51]

    /// Which schools a partnership draws on: primaries, secondaries, or the others (infant
    /// schools, colleges), which now and then join one of the first two.
    enum Phase: Int, CaseIterable { case primary, secondary, other }

    /// Seventy partnerships, each of one authority and mostly of one phase, whose members are 450
    /// distinct schools.
    func makePartnerships(from schools: [School]) -> [Partnership] {
        var random = SeededRandom(seed: seed &+ 0x5EED_0002)
        var pools: [Int: [Phase: [School]]] = [:]
        for school in schools where !Self.specialCases.contains(school.index) {
            let phase: Phase = school.hasKS2 ? .primary : school.hasKS4 ? .secondary : .other
            pools[school.laCode, default: [:]][phase, default: []].append(school)
        }
        // In a fixed order: a dictionary's own order differs from one instance to the next.
        let authorities = pools.keys.sorted()
        for code in authorities {
            for phase in Phase.allCases { pools[code]![phase, default: []].shuffle(using: &random) }
        }
        /// The next unused school of an authority, of `phase` while there are any.
        func draw(_ code: Int, _ phase: Phase) -> School {
            let order = [phase] + Phase.allCases.filter { $0 != phase }
            let chosen = order.first { !(pools[code]![$0]!.isEmpty) }!
            return pools[code]![chosen]!.removeLast()
        }

        // Sizes: four to eight, two large ones; new schools plus shared ones make 450 engaged.
        var sizes = (0..<Self.partnershipCount).map { Self.large[$0] ?? Int.random(in: 4...8, using: &random) }
        let target = Self.schoolsEngaged + Self.sharedMembers
        var total = sizes.reduce(0, +)
        var turn = 0
        while total != target {
            let index = turn % sizes.count
            turn += 1
            guard Self.large[index] == nil else { continue }
            if total < target && sizes[index] < 8 { sizes[index] += 1; total += 1 }
            if total > target && sizes[index] > 4 { sizes[index] -= 1; total -= 1 }
        }
        let sharing = Set((0..<Self.sharedMembers).map { 10 + $0 * 7 })

        let focuses = [["Science"], ["Mathematics"], ["Science", "Mathematics"], ["Computing"], ["Science", "DesignAndTechnology"], ["Engineering", "DesignAndTechnology"]]
        let kinds = ["Science Partnership", "Maths Hub Partnership", "STEM Network", "Computing Alliance", "Science & Design Network", "Engineering Alliance"]
        var partnerships: [Partnership] = []
        for (position, size) in sizes.enumerated() {
            let code = authorities[position % authorities.count]
            let start = ISODate(year: 2012 + position % 5, month: 9, day: 1)!
            var chosen: [School] = []
            if sharing.contains(position), let earlier = partnerships.last(where: { $0.members[0].school.laCode == code }) {
                chosen.append(earlier.members[1].school)   // a school already in an earlier partnership
            }
            let phase: Phase = position % 2 == 0 ? .primary : .secondary
            while chosen.count < size {
                chosen.append(draw(code, position % 3 == 0 && chosen.count == size - 1 ? .other : phase))
            }
            if chosen.count > 1, sharing.contains(position) { chosen.swapAt(0, 1) }   // the lead is a new school
            let members = chosen.enumerated().map { offset, school in
                var member = Member(school: school, joined: start, left: nil)
                if position % 4 == 1 && offset == chosen.count - 1 && offset > 0 {
                    member.joined = ISODate(daysSinceEpoch: start.daysSinceEpoch + 159)!   // joined in the spring
                }
                if position % 5 == 2 && offset == 1 {
                    member.left = ISODate(year: start.year + 1, month: 8, day: 31)   // left after a year
                }
                return member
            }
            let kind = position % kinds.count
            let grant: Int64 = size > 8 ? 30_000 : 10_000 + 500 * Int64(Int.random(in: 0...20, using: &random))
            partnerships.append(Partnership(
                id: String(format: "EP-%04d", 101 + position), name: "\(chosen[0].town)\(phase == .primary ? " Primary" : "") \(kinds[kind])",
                focus: focuses[kind], start: start, grantPence: grant * 100, members: members))
        }
        return partnerships
    }

    /// The CRM export: namespace urn:enthuse:partnerships:1, valid against partnerships.xsd.
    static func xml(_ partnerships: [Partnership]) -> String {
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<Partnerships xmlns=\"urn:enthuse:partnerships:1\" exported=\"2019-07-31T02:00:00\">"]
        for partnership in partnerships {
            lines.append("  <Partnership id=\"\(partnership.id)\">")
            lines.append("    <Name>\(XMLText.escaped(partnership.name))</Name>")
            lines += partnership.focus.map { "    <Focus>\($0)</Focus>" }
            lines.append("    <LeadURN>\(partnership.lead.urn)</LeadURN>")
            lines.append("    <ActionPlan start=\"\(partnership.start.text)\" end=\"\(partnership.end.text)\"/>")
            lines.append("    <Grant currency=\"GBP\">\(FundingDemo.plain(partnership.grantPence))</Grant>")
            lines.append("    <Members>")
            for member in partnership.members {
                let left = member.left.map { " left=\"\($0.text)\"" } ?? ""
                lines.append("      <Member urn=\"\(member.school.urn)\" joined=\"\(member.joined.text)\"\(left)/>")
            }
            lines.append("    </Members>")
            lines.append("  </Partnership>")
        }
        lines.append("</Partnerships>")
        return lines.joined(separator: "\n") + "\n"
    }
}
