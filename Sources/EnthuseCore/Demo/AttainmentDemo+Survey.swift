import Foundation

extension AttainmentDemo {
    /// Responses to the end-of-partnership survey: 510 in all, ten skipping each headline
    /// question, so that of the 500 who answered, 420 agree (84%) and 450 say yes (90%).
    static let agreementAnswers: [(String, Int)] = [
        ("Strongly agree", 170), ("Agree", 240), ("agree", 10), ("Neither agree nor disagree", 45),
        ("Neither agree or disagree", 10), ("Disagree", 18), ("Strongly disagree", 7), ("", 10),
    ]
    static let engagementAnswers: [(String, Int)] = [
        ("Yes", 445), ("yes", 5), ("No", 20), ("Don't know", 24), ("Don’t know", 6), ("", 10),
    ]

    func writeSurvey(_ partnerships: [Partnership], to url: URL) throws {
        var random = SeededRandom(seed: seed &+ 0x5EED_0006)
        var attainment = Self.agreementAnswers.flatMap { Array(repeating: $0.0, count: $0.1) }
        var engagement = Self.engagementAnswers.flatMap { Array(repeating: $0.0, count: $0.1) }
        precondition(attainment.count == engagement.count)
        attainment.shuffle(using: &random)
        engagement.shuffle(using: &random)

        let writer = try DemoCSVWriter(url: url, encoding: .utf8)
        // The form's question texts; the engagement question was reworded on this form (the
        // pipeline binds it through a synonym).
        writer.row([
            "Timestamp", "Partnership ID", "School URN", "Role",
            "The partnership has positively impacted on young people's attainment in STEM subjects",
            "Young people's interest and engagement in STEM subjects has increased",
            "How many hours of CPD have you taken part in through the partnership?",
            "Which subjects did your partnership activities cover? (tick all that apply)",
            "Any other comments",
        ].map { .quoted($0) })
        let roles = ["Teacher", "Teacher", "Teacher", "Teaching assistant", "Subject leader", "Headteacher"]
        let comments = ["", "", "Great support from the lead school, thank you.", "Cover costs were the main barrier.",
                        "Pupils loved the STEM Ambassador visits.\nWould like more for KS1.", "Our \"science week\" was the highlight."]
        var rows: [(ISODate, Int, [DemoCSVWriter.Field])] = []
        for index in attainment.indices {
            let partnership = partnerships[index % partnerships.count]
            let member = partnership.members[(index / partnerships.count) % partnership.members.count]
            // Answered in the last summer of the action plan.
            let day = ISODate(year: partnership.end.year, month: Int.random(in: 6...7, using: &random), day: Int.random(in: 1...30, using: &random))!
            let time = String(format: "%02d/%02d/%04d %02d:%02d:%02d", day.day, day.month, day.year,
                              Int.random(in: 8...20, using: &random), Int.random(in: 0...59, using: &random), Int.random(in: 0...59, using: &random))
            let subjects = partnership.focus.map { $0 == "DesignAndTechnology" ? "Design and Technology" : $0 }.joined(separator: ";")
            rows.append((day, index, [
                .bare(time), .bare(partnership.id), .bare(String(member.school.urn)), .bare(random.pick(roles)),
                .quoted(attainment[index]), .quoted(engagement[index]), .bare(String(random.pick([3, 6, 9, 12, 18, 24]))),
                .quoted(subjects), .quoted(random.pick(comments)),
            ]))
        }
        // The form exports responses in the order they came in.
        for row in rows.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) { writer.row(row.2) }
        try writer.close()
    }
}
