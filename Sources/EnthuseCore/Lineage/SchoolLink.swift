/// One row of the GIAS links file (`links_edubasealldataYYYYMMDD.csv`): a statement, made from
/// `urn`'s point of view, that `linkURN` is related to it in the way `linkType` names.
///
/// GIAS usually writes a link from both ends, so the conversion of school 101728 into 131925 arrives
/// as two rows that state one succession:
///
///     101728,131925,"Kingsley Primary School","Successor",""
///     131925,101728,"Kingsley Junior School","Predecessor",""
public struct SchoolLink: Sendable, Hashable {
    /// The establishment whose row this is (`URN`).
    public var urn: Int
    /// The establishment it is linked to (`LinkURN`).
    public var linkURN: Int
    /// The link type exactly as written (`LinkType`), read through `role`.
    public var linkType: String
    /// When the link took effect (`LinkEstablishedDate`), as written (`dd-MM-yyyy`); nil when blank.
    public var established: String?

    public init(urn: Int, linkURN: Int, linkType: String, established: String? = nil) {
        self.urn = urn
        self.linkURN = linkURN
        self.linkType = linkType
        self.established = established
    }

    /// What the link type says about succession.
    public var role: Role { Role(linkType: linkType) }

    /// The succession this link states, as the establishment that was succeeded and the one that
    /// succeeded it; nil when the link states none.
    ///
    /// A succession-type link from an establishment to itself states nothing and gives nil.
    public var succession: (predecessor: Int, successor: Int)? { succession(as: role) }

    /// The succession this link states, given the role of its type, so that a reader of many links
    /// can classify each distinct type once.
    func succession(as role: Role) -> (predecessor: Int, successor: Int)? {
        guard urn != linkURN else { return nil }
        switch role {
        case .successor: return (urn, linkURN)
        case .predecessor: return (linkURN, urn)
        case .unrelated, .unknown: return nil
        }
    }
}

extension SchoolLink {
    /// What a link type says `linkURN` is to `urn`, so that only succession counts toward lineage.
    ///
    /// Types are matched ignoring case and all whitespace (`successor-SPLIT school` is
    /// `Successor - Split School`). GIAS's types and what they mean here:
    ///
    /// | Role          | Link types                                                            |
    /// |---------------|-----------------------------------------------------------------------|
    /// | `successor`   | `Successor`, `Successor - merged`, `Successor - amalgamated`,         |
    /// |               | `Successor - Split School`, `Result of Amalgamation`                   |
    /// | `predecessor` | `Predecessor`, `Predecessor - merged`, `Predecessor - amalgamated`,   |
    /// |               | `Predecessor - Split School`                                          |
    /// | `unrelated`   | `Sixth Form Centre School`, `Sixth Form Centre Link`, `Other`,        |
    /// |               | `Expansion`, `Closure`, any `Merged - …`                              |
    /// | `unknown`     | anything else                                                         |
    ///
    /// GIAS often writes `Result of Amalgamation` on both rows of a pair, so the pair reads as a
    /// two-way succession; `LineageResolver` treats that as a cycle and breaks it by register status.
    public enum Role: Sendable, Hashable {
        /// `linkURN` succeeds `urn`: the row's establishment was replaced by the linked one.
        case successor
        /// `urn` succeeds `linkURN`: the row's establishment replaced the linked one.
        case predecessor
        /// A known link type that is not a succession, such as a sixth form centre link.
        case unrelated
        /// A link type not listed above; it is not a succession and is reported for a person to read.
        case unknown

        public init(linkType: String) {
            let key = String(linkType.lowercased().filter { !$0.isWhitespace })
            if Self.successorTypes.contains(key) {
                self = .successor
            } else if Self.predecessorTypes.contains(key) {
                self = .predecessor
            } else if Self.unrelatedTypes.contains(key) || key.hasPrefix("merged-") {
                self = .unrelated
            } else {
                self = .unknown
            }
        }

        private static let successorTypes: Set<String> = [
            "successor", "successor-merged", "successor-amalgamated", "successor-splitschool",
            "resultofamalgamation",
        ]
        private static let predecessorTypes: Set<String> = [
            "predecessor", "predecessor-merged", "predecessor-amalgamated", "predecessor-splitschool",
        ]
        private static let unrelatedTypes: Set<String> = [
            "sixthformcentreschool", "sixthformcentrelink", "other", "expansion", "closure",
        ]
    }
}
