import Foundation

/// Synthetic GIAS register snapshots and links (sources.md §1, §1b) with the history a real
/// register shows: renames, closures, academy conversions, a merger, a split, contradictory links
/// forming a cycle, a school missing from a later snapshot, Windows-1252 names (É, ’, –).
public struct RegisterDemo {
    /// The snapshot dates written, oldest first.
    public static let snapshotDates = ["20240901", "20250901", "20261128"]

    /// One establishment as a snapshot shows it.
    struct Establishment {
        var urn: Int
        var laCode: Int
        var laName: String
        var number: Int?
        var name: String
        var type: String
        var typeGroup: String
        var status: String
        var openDate: String
        var closeDate: String
        var phase: String
        var lowAge: Int
        var highAge: Int
        var pupils: Int?
        var fsm: String
        var trust: String
        var ukprn: String
        var town: String
        var postcode: String
        var region: String
        var head: (String, String, String)
    }

    struct Link {
        var from: Int, to: Int, type: String, reverse: String, date: String, names: (String, String)
    }

    public let establishments: Int
    public let seed: UInt64

    /// 1,200 establishments by default: enough for the partnerships demo's 450 member schools
    /// to be drawn from six authorities.
    public init(establishments: Int = 1200, seed: UInt64 = 2008) {
        self.establishments = establishments
        self.seed = seed
    }

    /// Writes `edubasealldataYYYYMMDD.csv` for each snapshot and one links file; returns the names.
    @discardableResult
    public func write(to inbox: URL) throws -> [String] {
        var written: [String] = []
        let links = try simulate { snapshotIndex, date, schools in
            // One school drops out of the middle snapshot only: an anomaly, not a deletion.
            let shown = snapshotIndex == 1 ? schools.enumerated().filter { $0.offset != 7 }.map(\.element) : schools
            let name = "edubasealldata\(date).csv"
            try Self.writeRegister(shown, to: inbox.appendingPathComponent(name))
            written.append(name)
        }
        let linksName = "links_edubasealldata\(Self.snapshotDates.last!).csv"
        try Self.writeLinks(links, to: inbox.appendingPathComponent(linksName))
        written.append(linksName)
        return written
    }

    /// Plays the register's history: `snapshot` sees the establishments as each snapshot date
    /// shows them (the first `establishments` in their original order, then the new URNs);
    /// returns every link made along the way. Other demos draw their schools from it.
    func simulate(_ snapshot: (Int, String, [Establishment]) throws -> Void) rethrows -> [Link] {
        var random = SeededRandom(seed: seed)
        var schools = (0..<establishments).map { index in Self.makeSchool(index: index, random: &random) }
        var links: [Link] = []
        var nextURN = 150_000
        for (snapshotIndex, date) in Self.snapshotDates.enumerated() {
            if snapshotIndex > 0 {
                Self.evolve(&schools, links: &links, snapshot: snapshotIndex, date: date, nextURN: &nextURN, random: &random)
            }
            try snapshot(snapshotIndex, date, schools)
        }
        return links
    }

    static let authorities: [(Int, String, String, String)] = [
        (926, "Norfolk", "Norwich", "East of England"), (330, "Birmingham", "Birmingham", "West Midlands"),
        (352, "Manchester", "Manchester", "North West"), (380, "Bradford", "Bradford", "Yorkshire and the Humber"),
        (878, "Devon", "Exeter", "South West"), (391, "Newcastle upon Tyne", "Newcastle upon Tyne", "North East"),
    ]
    static let saints = ["St Mary’s", "St John’s", "St Peter’s", "St Luke’s", "St Paul’s", "Holy Trinity", "Christ Church"]
    static let places = ["Hillside", "Riverside", "Oakwood", "Moorland", "Castle", "Brookfield", "Westgate", "Greenbank", "Ashford", "Kingsmead"]
    static let kinds: [(String, String, String, Int, Int)] = [
        ("Primary School", "Community school", "Primary", 4, 11), ("CofE Primary School", "Voluntary aided school", "Primary", 4, 11),
        ("Infant School", "Community school", "Primary", 4, 7), ("High School", "Community school", "Secondary", 11, 16),
        ("Academy", "Academy converter", "Secondary", 11, 18), ("College", "Further education", "Sixteen plus", 16, 19),
    ]
    static let trusts = ["", "", "", "FIERTÉ MULTI-ACADEMY TRUST", "Pennine Multi-Academy Trust", "Bishop Hogarth Learning Trust", "Dales Multi-Academy Trust"]
    static let firstNames = ["Amira", "Ben", "Chloé", "Dafydd", "Eleanor", "Femi", "Grace", "Harpreet"]
    static let lastNames = ["O’Neill", "Khan", "Smith", "Nowak", "Okafor", "Davies", "Brontë", "Patel"]

    static func makeSchool(index: Int, random: inout SeededRandom) -> Establishment {
        let (la, laName, town, region) = random.pick(authorities)
        let kind = random.pick(kinds)
        var name = random.chance(0.3) ? "\(random.pick(saints)) \(kind.0)" : "\(random.pick(places)) \(kind.0)"
        if index % 37 == 5 { name += " – North Campus" }
        if index == 3 { name = "École Française Jacques Prévert" }
        let open = random.chance(0.5) ? "" : random.chance(0.2) ? "01-01-1800" : String(format: "%02d-09-%04d", 1, Int.random(in: 1960...2015, using: &random))
        return Establishment(
            urn: 100_000 + index * 17 + 13, laCode: la, laName: laName,
            number: index % 50 == 9 ? nil : 2000 + index % 7000, name: name, type: kind.1,
            typeGroup: kind.1 == "Academy converter" ? "Academies" : "Local authority maintained schools",
            status: "Open", openDate: open, closeDate: "", phase: kind.2, lowAge: kind.3, highAge: kind.4,
            pupils: Int.random(in: 90...1400, using: &random),
            fsm: String(format: "%.1f", Double.random(in: 2...55, using: &random)),
            trust: random.pick(trusts), ukprn: String(10_000_000 + index * 13),
            town: town, postcode: "\(["NR", "B", "M", "BD", "EX", "NE"].randomElement(using: &random)!)\(index % 30 + 1) \(index % 9 + 1)\(["AB", "QT", "ZX", "LP"][index % 4])",
            region: region, head: (random.pick(["Mr", "Mrs", "Ms", "Dr"]), random.pick(firstNames), random.pick(lastNames)))
    }

    /// The changes between two snapshots.
    static func evolve(_ schools: inout [Establishment], links: inout [Link], snapshot: Int, date: String,
                       nextURN: inout Int, random: inout SeededRandom) {
        let day = "\(date.suffix(2))-\(date.dropFirst(4).prefix(2))-\(date.prefix(4))"
        let count = schools.count
        for index in 0..<count where schools[index].status != "Closed" {
            if random.chance(0.1) { schools[index].pupils = (schools[index].pupils ?? 200) + Int.random(in: -30...30, using: &random) }
            if random.chance(0.03) { schools[index].name = "\(random.pick(places)) \(schools[index].phase == "Primary" ? "Primary Academy" : "Academy")" }
            if random.chance(0.02) { schools[index].status = "Closed"; schools[index].closeDate = day }
            if random.chance(0.01) { schools[index].status = "Open, but proposed to close" }
        }
        // Academy conversions: the old URN closes, a new URN opens, linked from both ends.
        for index in stride(from: snapshot * 3, to: count, by: 41) where schools[index].status == "Open" {
            convert(&schools, index: index, day: day, kind: ("Successor", "Predecessor"), nextURN: &nextURN, links: &links)
        }
        if snapshot == 2 {
            // A merger: two schools close and become one.
            let a = 20, b = 21
            var merged = schools[a]
            merged.urn = nextURN; nextURN += 1
            merged.name = "\(schools[a].name.split(separator: " ").first!) and \(schools[b].name.split(separator: " ").first!) Federated School"
            merged.openDate = day
            for index in [a, b] {
                schools[index].status = "Closed"; schools[index].closeDate = day
                links.append(Link(from: schools[index].urn, to: merged.urn, type: "Successor - merged", reverse: "Predecessor - merged", date: day, names: (schools[index].name, merged.name)))
            }
            schools.append(merged)
            // A split: one school becomes two.
            let s = 30
            schools[s].status = "Closed"; schools[s].closeDate = day
            for suffix in ["Infant", "Junior"] {
                var part = schools[s]
                part.urn = nextURN; nextURN += 1
                part.name = "\(schools[s].name.split(separator: " ").first!) \(suffix) School"
                part.status = "Open"; part.closeDate = ""; part.openDate = day
                links.append(Link(from: schools[s].urn, to: part.urn, type: "Successor - Split School", reverse: "Predecessor - Split School", date: day, names: (schools[s].name, part.name)))
                schools.append(part)
            }
            // Contradictory links between two schools, one closed: a cycle the register breaks.
            let c = 40, d = 41
            schools[c].status = "Closed"; schools[c].closeDate = day
            links.append(Link(from: schools[c].urn, to: schools[d].urn, type: "Successor", reverse: "Predecessor", date: day, names: (schools[c].name, schools[d].name)))
            links.append(Link(from: schools[d].urn, to: schools[c].urn, type: "Successor", reverse: "Predecessor", date: day, names: (schools[d].name, schools[c].name)))
            // A sixth-form link, which is not succession.
            links.append(Link(from: schools[50].urn, to: schools[51].urn, type: "Sixth Form Centre Link", reverse: "Sixth Form Centre School", date: "", names: (schools[50].name, schools[51].name)))
        }
    }

    static func convert(_ schools: inout [Establishment], index: Int, day: String, kind: (String, String),
                        nextURN: inout Int, links: inout [Link]) {
        var academy = schools[index]
        academy.urn = nextURN; nextURN += 1
        academy.name = schools[index].name.replacingOccurrences(of: "School", with: "Academy")
        academy.type = "Academy converter"; academy.typeGroup = "Academies"; academy.openDate = day
        academy.trust = "FIERTÉ MULTI-ACADEMY TRUST"
        schools[index].status = "Closed"; schools[index].closeDate = day
        links.append(Link(from: schools[index].urn, to: academy.urn, type: kind.0, reverse: kind.1, date: day, names: (schools[index].name, academy.name)))
        schools.append(academy)
    }

    static let header = [
        "URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName", "TypeOfEstablishment (name)",
        "EstablishmentTypeGroup (name)", "EstablishmentStatus (name)", "OpenDate", "CloseDate", "PhaseOfEducation (name)",
        "StatutoryLowAge", "StatutoryHighAge", "NumberOfPupils", "PercentageFSM", "Trusts (name)", "UKPRN", "LastChangedDate",
        "Town", "Postcode", "SchoolWebsite", "HeadTitle (name)", "HeadFirstName", "HeadLastName", "HeadPreferredJobTitle",
        "GOR (name)", "UrbanRural (name)",
    ]

    static func writeRegister(_ schools: [Establishment], to url: URL) throws {
        let writer = try DemoCSVWriter(url: url, encoding: .windows1252)
        writer.row(header.map { .quoted($0) })
        for school in schools {
            let laestab = school.number.map { String($0) } ?? ""
            writer.row([
                .bare(String(school.urn)), .quoted(String(school.laCode)), .quoted(school.laName), .quoted(laestab),
                .quoted(school.name), .quoted(school.type), .quoted(school.typeGroup), .quoted(school.status),
                .quoted(school.openDate), .quoted(school.closeDate), .quoted(school.phase), .bare(String(school.lowAge)),
                .bare(String(school.highAge)), .bare(school.pupils.map(String.init) ?? ""), .quoted(school.fsm),
                .quoted(school.trust), .quoted(school.ukprn), .quoted("15-08-2026"), .quoted(school.town),
                .quoted(school.postcode), .quoted("www.school\(school.urn).sch.uk"), .quoted(school.head.0),
                .quoted(school.head.1), .quoted(school.head.2), .quoted("Headteacher"), .quoted(school.region),
                .quoted("(England/Wales) Urban city and town"),
            ])
        }
        try writer.close()
    }

    static func writeLinks(_ links: [Link], to url: URL) throws {
        let writer = try DemoCSVWriter(url: url, encoding: .windows1252)
        writer.row(["URN", "LinkURN", "LinkName", "LinkType", "LinkEstablishedDate"].map { .quoted($0) })
        for link in links {
            writer.row([.bare(String(link.from)), .bare(String(link.to)), .quoted(link.names.1), .quoted(link.type), .quoted(link.date)])
            writer.row([.bare(String(link.to)), .bare(String(link.from)), .quoted(link.names.0), .quoted(link.reverse), .quoted(link.date)])
        }
        try writer.close()
    }
}
