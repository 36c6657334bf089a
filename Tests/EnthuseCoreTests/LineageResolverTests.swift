import Foundation
import Testing
@testable import EnthuseCore

@Suite("Lineage: resolving a URN to its current establishment")
struct LineageResolverTests {
    // MARK: Small cases

    @Test func registerURNsWithoutLinksResolveToThemselves() {
        // Given no links
        let resolver = LineageResolver(links: [SchoolLink]())

        // When the register's URNs are resolved, one of them given twice
        let results = resolver.resolve(urns: [100002, 100001, 100002], isOpen: { _ in false })

        // Then each resolves once, to itself, in order of URN
        #expect(results == [.itself(100001), .itself(100002)])
        #expect(resolver.unknownLinkTypes.isEmpty)
    }

    @Test func successorLinkLeadsToTheSuccessor() {
        let results = resolve([link(100001, 140001, "Successor")], register: [100001, 100005])

        #expect(results.map(\.urn) == [100001, 100005, 140001])
        #expect(results[0] == resolution(100001, 140001, .successor, steps: 1))
        #expect(results[1] == .itself(100005))
        #expect(results[2] == .itself(140001))
    }

    @Test func linkStatedFromBothEndsCountsOnce() {
        // Given the conversion stated by the old school and by the academy
        let bothEnds = [link(100001, 140001, "Successor"), link(140001, 100001, "Predecessor")]

        // Then it resolves exactly as the one-sided statement does, one step
        #expect(resolve(bothEnds) == resolve([link(100001, 140001, "Successor")]))
        #expect(resolve(bothEnds)[0] == resolution(100001, 140001, .successor, steps: 1))
    }

    @Test func chainIsFollowedToItsEnd() {
        // Given A → B by a merger stated by A, and B → C stated only by C
        let results = resolve([
            link(100001, 120001, "Successor - merged"), link(140001, 120001, "Predecessor"),
        ])

        #expect(results == [
            resolution(100001, 140001, .successor, steps: 2),
            resolution(120001, 140001, .successor, steps: 1),
            .itself(140001),
        ])
    }

    @Test func splitSchoolHasNoCurrentButListsItsSuccessors() {
        let results = resolve([
            link(100001, 140002, "Successor - Split School"),
            link(100001, 140001, "Successor - Split School"),
            link(140001, 100001, "Predecessor - Split School"),
        ])

        #expect(results[0] == resolution(100001, nil, .split, steps: 0, candidates: [140001, 140002]))
        #expect(results[1] == .itself(140001))
        #expect(results[2] == .itself(140002))
    }

    @Test func chainIntoASplitIsASplitWithTheResolvedEnds() {
        // Given P → A, A splits into B and C, and B later converts to D
        let results = byURN(resolve([
            link(100001, 110001, "Successor"),
            link(110001, 120001, "Successor - Split School"),
            link(110001, 130001, "Successor - Split School"),
            link(120001, 140001, "Successor"),
        ]))

        // Then A and everything before it is a split whose candidates are C and D
        #expect(results[110001] == resolution(110001, nil, .split, steps: 0, candidates: [130001, 140001]))
        #expect(results[100001] == resolution(100001, nil, .split, steps: 1, candidates: [130001, 140001]))
        #expect(results[120001] == resolution(120001, 140001, .successor, steps: 1))
    }

    @Test func twoWayCycleResolvesToItsOneOpenMember() {
        // Given A and B each naming the other as the result of their amalgamation, P leading into A,
        // and only B open
        let links = [
            link(110001, 120001, "Result of Amalgamation"),
            link(120001, 110001, "Result of Amalgamation"),
            link(100001, 110001, "Successor"),
        ]

        // When resolved
        let results = resolve(links, open: [120001])

        // Then B is current, and A and P reach it through the cycle
        #expect(results == [
            resolution(100001, 120001, .cycle, steps: 2),
            resolution(110001, 120001, .cycle, steps: 1),
            resolution(120001, 120001, .cycle, steps: 0),
        ])
    }

    @Test func twoWayCycleWithBothMembersOpenIsUnresolved() {
        let links = [
            link(110001, 120001, "Successor"),
            link(120001, 110001, "Successor"),
            link(100001, 110001, "Successor"),
        ]

        let results = resolve(links, open: [110001, 120001])

        #expect(results == [
            resolution(100001, nil, .unresolved, steps: 1, candidates: [110001, 120001]),
            resolution(110001, nil, .unresolved, steps: 0, candidates: [110001, 120001]),
            resolution(120001, nil, .unresolved, steps: 0, candidates: [110001, 120001]),
        ])
    }

    @Test func cycleWithNoOpenMemberListsEveryMember() {
        let links = [
            link(110001, 120001, "Successor"), link(120001, 130001, "Successor"),
            link(130001, 110001, "Successor"), link(130001, 140001, "Successor"),
        ]

        let results = resolve(links, open: [140001])

        #expect(results.filter { $0.resolution == .unresolved }.map(\.candidates)
            == Array(repeating: [110001, 120001, 130001], count: 3))
        #expect(results.last == .itself(140001))
    }

    @Test func threeWayCycleContinuesPastItsOpenMember() {
        // Given A → B → C → A, C open, and C converted to D outside the cycle
        let links = [
            link(110001, 120001, "Successor"), link(120001, 130001, "Successor"),
            link(130001, 110001, "Successor"), link(130001, 140001, "Successor"),
        ]

        let results = resolve(links, open: [130001])

        // Then every member goes round to C and on to D
        #expect(results == [
            resolution(110001, 140001, .cycle, steps: 3),
            resolution(120001, 140001, .cycle, steps: 2),
            resolution(130001, 140001, .cycle, steps: 1),
            .itself(140001),
        ])
    }

    @Test func cycleIgnoresSuccessorsOfItsClosedMembers() {
        // Given A ⇄ B, A open, and the closed B also naming X as its successor
        let links = [
            link(110001, 120001, "Successor"), link(120001, 110001, "Successor"),
            link(120001, 140001, "Successor"),
        ]

        let results = byURN(resolve(links, open: [110001]))

        // Then the register's open member wins over B's other successor
        #expect(results[120001] == resolution(120001, 110001, .cycle, steps: 1))
        #expect(results[110001] == resolution(110001, 110001, .cycle, steps: 0))
    }

    @Test func sixthFormAndOtherNonSuccessionLinksAreNotFollowed() {
        let resolver = LineageResolver(links: [
            link(119725, 152436, "Sixth Form Centre Link"),
            link(152436, 119725, "Sixth Form Centre School"),
            link(100001, 100002, "Merged - change in age range"),
            link(100002, 100003, "Other"),
            link(100003, 100004, "Expansion"),
            link(100004, 100005, "Closure"),
        ])

        let results = resolver.resolve(urns: [Int](), isOpen: { _ in false })

        #expect(results.allSatisfy { $0 == .itself($0.urn) })
        #expect(results.count == 7)
        #expect(resolver.unknownLinkTypes.isEmpty)
    }

    @Test func unknownLinkTypeIsCountedAndNotFollowed() {
        let resolver = LineageResolver(links: [
            link(100001, 100002, "Federated"),
            link(100002, 100001, "Federated"),
            link(100003, 100004, "Successor "),
        ])

        let results = resolver.resolve(urns: [Int](), isOpen: { _ in false })

        #expect(resolver.unknownLinkTypes == ["Federated": 2])
        #expect(results.map(\.currentURN) == [100001, 100002, 100004, 100004])
    }

    @Test(arguments: [
        ("Successor", SchoolLink.Role.successor),
        ("  successor -  SPLIT school ", .successor),
        ("RESULT OF AMALGAMATION", .successor),
        ("Successor-amalgamated", .successor),
        ("predecessor-merged", .predecessor),
        ("Predecessor - Split School", .predecessor),
        ("sixth form centre school", .unrelated),
        ("Merged - expansion in school capacity and changer in age range", .unrelated),
        ("", .unknown),
        ("Successors", .unknown),
    ])
    func linkTypesMatchIgnoringCaseAndWhitespace(linkType: String, role: SchoolLink.Role) {
        #expect(SchoolLink.Role(linkType: linkType) == role)
    }

    @Test func linkFromASchoolToItselfStatesNoSuccession() {
        #expect(link(100001, 100001, "Successor").succession == nil)
        #expect(resolve([link(100001, 100001, "Successor")]) == [.itself(100001)])
    }

    @Test func longChainsAndCyclesResolveWithoutRecursion() {
        // Given a chain of 100,000 links, and a cycle of 100,000 members with one open
        let length = 100_000
        let chain = (0..<length).map { link(1_000_000 + $0, 1_000_000 + $0 + 1, "Successor") }
        let cycle = (0..<length).map { link(3_000_000 + $0, 3_000_000 + ($0 + 1) % length, "Successor") }

        let results = byURN(resolve(chain + cycle, open: [3_000_000]))

        #expect(results[1_000_000] == resolution(1_000_000, 1_000_000 + length, .successor, steps: length))
        #expect(results[3_000_001] == resolution(3_000_001, 3_000_000, .cycle, steps: length - 1))
    }

    // MARK: The real GIAS links files

    static let realFiles = ["links_edubasealldata20230421.csv", "links_edubasealldata20250422.csv"]
    static let sampleFile = "links_edubasealldata20261128.csv"
    typealias Kind = LineageResolution.Resolution

    @Test(arguments: realFiles)
    func everyRealURNResolvesOnce(file: String) throws {
        let links = try linksFixture(file)

        let resolver = LineageResolver(links: links)
        let results = resolver.resolve(urns: [Int](), isOpen: { _ in false })

        #expect(resolver.unknownLinkTypes.isEmpty)
        #expect(results.map(\.urn) == Set(links.flatMap { [$0.urn, $0.linkURN] }).sorted())
        for result in results {
            let hasNoCurrent = result.resolution == .split || result.resolution == .unresolved
            #expect((result.currentURN == nil) == hasNoCurrent)
            #expect(result.candidates.isEmpty == !hasNoCurrent)
            if result.resolution == .current { #expect(result == .itself(result.urn)) }
        }
    }

    @Test(arguments: realFiles)
    func realCurrentEstablishmentsHaveNoSuccessor(file: String) throws {
        let links = try linksFixture(file)
        let succeeded = Set(links.compactMap { $0.succession?.predecessor })

        let results = resolve(links)

        let currents = Set(results.compactMap(\.currentURN))
        #expect(currents.isDisjoint(with: succeeded))
        #expect(results.filter { currents.contains($0.urn) }.allSatisfy { $0 == .itself($0.urn) })
    }

    /// Without a register (nothing open) the real files resolve as follows.
    ///
    /// - `current`: 11,501 / 12,528 URNs that no succession link leaves: 11,376 / 12,414 ends of
    ///   chains and 125 / 114 URNs named only by sixth-form or other non-succession links.
    /// - `successor`: 15,267 / 16,557, at most 4 steps (most are one conversion to an academy).
    /// - `split`: 101 / 106 establishments with several successors plus 13 / 12 leading into
    ///   them. Nine in each file have branches that meet again at one school (Guru Nanak Sikh
    ///   College 102459 split into primary and secondary, both now 136329) and still count as splits.
    /// - `unresolved`: 57 cycles in each file (52 / 51 of two members, the rest of three or four;
    ///   44 / 45 of them from `Result of Amalgamation` written on both rows of a pair): 120 / 121
    ///   members plus 23 / 27 URNs leading into them. With no open member none can be broken.
    @Test(arguments: [
        (realFiles[0], [Kind.current: 11_501, .successor: 15_267, .split: 114, .unresolved: 143]),
        (realFiles[1], [.current: 12_528, .successor: 16_557, .split: 118, .unresolved: 148]),
    ])
    func realResolutionCountsByKind(file: String, expected: [Kind: Int]) throws {
        let results = resolve(try linksFixture(file))

        let counts = Dictionary(grouping: results, by: \.resolution).mapValues(\.count)
        #expect(counts == expected)
        #expect(results.filter { $0.resolution == .successor }.map(\.steps).max() == 4)
    }

    @Test(arguments: realFiles)
    func kingsleySchoolsResolveToHarrisPrimaryAcademyCroydon(file: String) throws {
        // Given Kingsley Infants' 101729 and Junior 101728 → Kingsley Primary School 131925 →
        // Kingsley Primary Academy 143852 (28-11-2016) → Harris Primary Academy Croydon 148352 (2020)
        let results = byURN(resolve(try linksFixture(file)))

        #expect(results[101728] == resolution(101728, 148352, .successor, steps: 3))
        #expect(results[101729] == resolution(101729, 148352, .successor, steps: 3))
        #expect(results[131925] == resolution(131925, 148352, .successor, steps: 2))
        #expect(results[148352] == .itself(148352))
    }

    @Test func mountKellyAmalgamationResolvesToTheOpenSchool() throws {
        // Given Mount House 113572 and Kelly College Preparatory 113585 amalgamated into Mount Kelly
        // 113573, with rows in all directions between the three (a real three-member cycle)
        let links = try linksFixture(Self.realFiles[1])

        // When the register shows only Mount Kelly open
        let results = byURN(resolve(links, open: [113573]))

        // Then the cycle is broken at Mount Kelly
        #expect(results[113572] == resolution(113572, 113573, .cycle, steps: 1))
        #expect(results[113585] == resolution(113585, 113573, .cycle, steps: 1))
        #expect(results[113573] == resolution(113573, 113573, .cycle, steps: 0))
    }

    @Test(arguments: realFiles)
    func realCyclesResolveWhenTheRegisterShowsOneOpenMember(file: String) throws {
        // Given each unresolved cycle's members, and a stand-in register opening the highest URN of each
        let links = try linksFixture(file)
        let closed = resolve(links)
        let cycles = Set(closed.filter { $0.resolution == .unresolved }.map(\.candidates))
        let open = Set(cycles.compactMap(\.last))

        // When resolved again against that register
        let reopened = resolve(links, open: open)

        // Then every cycle is broken, and nothing else changes
        #expect(cycles.count == 57)
        for (before, after) in zip(closed, reopened) {
            if before.resolution == .unresolved {
                #expect(after.resolution == .cycle)
            } else {
                #expect(after == before)
            }
        }
    }

    @Test func realFilesAgreeWhereLinksDidNotChange() throws {
        // Given the 2023 and 2025 links, and each URN's links in each file
        let old = try linksFixture(Self.realFiles[0])
        let new = try linksFixture(Self.realFiles[1])
        let oldLinksOf = linksByURN(old)
        let newLinksOf = linksByURN(new)
        let oldResults = byURN(resolve(old))
        let newResults = byURN(resolve(new))

        // When a URN, and everything its 2023 successor links reach, has the same links in 2025
        var successorsOf: [Int: [Int]] = [:]
        for succession in old.compactMap(\.succession) {
            successorsOf[succession.predecessor, default: []].append(succession.successor)
        }
        var unchanged = 0
        for (urn, oldResult) in oldResults {
            var reached: Set = [urn]
            var queue = [urn]
            while let next = queue.popLast() {
                for successor in successorsOf[next] ?? [] where reached.insert(successor).inserted {
                    queue.append(successor)
                }
            }
            guard reached.allSatisfy({ oldLinksOf[$0] == newLinksOf[$0] }) else { continue }

            // Then it resolves the same way in both
            unchanged += 1
            #expect(newResults[urn] == oldResult)
        }
        // Of the 27,025 URNs of 2023, 12 left the file and 775 reach a link that changed (for 16
        // of them only in its date); the other 26,238 are compared.
        #expect(unchanged == 26_238)
    }

    @Test func sampleLinksResolveEveryPredecessorToItsSuccessor() throws {
        let results = byURN(resolve(try linksFixture(Self.sampleFile)))

        // Castle Hill Infant 152670 and Holy Trinity Castle Hill Junior 152472 amalgamated
        #expect(results[152670] == resolution(152670, 154920, .successor, steps: 1))
        #expect(results[152472] == resolution(152472, 154920, .successor, steps: 1))
        // Sixth-form centre links are not successions
        #expect(results[119725] == .itself(119725))
        #expect(Dictionary(grouping: results.values, by: \.resolution).mapValues(\.count)
            == [.current: 16, .successor: 15])
    }
}

// MARK: - Helpers

private func link(_ urn: Int, _ linkURN: Int, _ linkType: String) -> SchoolLink {
    SchoolLink(urn: urn, linkURN: linkURN, linkType: linkType)
}

private func resolution(
    _ urn: Int, _ current: Int?, _ kind: LineageResolution.Resolution, steps: Int,
    candidates: [Int] = []
) -> LineageResolution {
    LineageResolution(urn: urn, currentURN: current, resolution: kind, steps: steps, candidates: candidates)
}

/// Resolves `links` and `register`, with the URNs in `open` shown as open.
private func resolve(
    _ links: [SchoolLink], open: Set<Int> = [], register: [Int] = []
) -> [LineageResolution] {
    LineageResolver(links: links).resolve(urns: register, isOpen: open.contains)
}

private func byURN(_ results: [LineageResolution]) -> [Int: LineageResolution] {
    Dictionary(uniqueKeysWithValues: results.map { ($0.urn, $0) })
}

/// Each URN's link rows, from whichever end they are written.
private func linksByURN(_ links: [SchoolLink]) -> [Int: Set<SchoolLink>] {
    var linksOf: [Int: Set<SchoolLink>] = [:]
    for link in links {
        linksOf[link.urn, default: []].insert(link)
        linksOf[link.linkURN, default: []].insert(link)
    }
    return linksOf
}

/// The links files in `Fixtures/spec`, each read once however many tests use it.
private let fixtureLinks: [String: Result<[SchoolLink], any Error>] = {
    let names = LineageResolverTests.realFiles + [LineageResolverTests.sampleFile]
    return Dictionary(uniqueKeysWithValues: names.map { name in (name, Result { try readLinks(name) }) })
}()

private func linksFixture(_ name: String) throws -> [SchoolLink] {
    try #require(fixtureLinks[name]).get()
}

private struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

/// Reads a links file with a test-only reader: Windows-1252, CRLF lines, fields quoted or bare, no
/// line breaks inside fields (true of every GIAS links file seen).
private func readLinks(_ name: String) throws -> [SchoolLink] {
    let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("spec/\(name)")
    let lines = [UInt8](try Data(contentsOf: url)).split(separator: UInt8(ascii: "\n"))
    let header = ["URN", "LinkURN", "LinkName", "LinkType", "LinkEstablishedDate"]
    guard try csvFields(lines[0]) == header else {
        throw FixtureError(description: "\(name): not a links file")
    }
    return try lines.dropFirst().map { line in
        let fields = try csvFields(line)
        guard fields.count == 5, let urn = Int(fields[0]), let linkURN = Int(fields[1]) else {
            throw FixtureError(description: "\(name): bad row \(fields)")
        }
        let established = fields[4].isEmpty ? nil : fields[4]
        return SchoolLink(urn: urn, linkURN: linkURN, linkType: fields[3], established: established)
    }
}

/// Splits one line into fields at commas outside quotes, unquoting `"a ""b"""` to `a "b"`.
private func csvFields(_ line: ArraySlice<UInt8>) throws -> [String] {
    let quote = UInt8(ascii: "\"")
    var fields: [String] = []
    var field: [UInt8] = []
    var quoted = false
    var previous: UInt8?
    func endField() throws {
        guard let text = String(bytes: field, encoding: .windowsCP1252) else {
            throw FixtureError(description: "not Windows-1252: \(field)")
        }
        fields.append(text)
        field = []
    }
    for byte in line.last == UInt8(ascii: "\r") ? line.dropLast() : line {
        switch byte {
        case quote where quoted:
            quoted = false
        case quote:
            if previous == quote { field.append(quote) }
            quoted = true
        case UInt8(ascii: ",") where !quoted:
            try endField()
        default:
            field.append(byte)
        }
        previous = byte
    }
    try endField()
    return fields
}
