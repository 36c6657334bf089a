extension ISODate {
    /// A date written `YYYYMMDD`, as in inbox file names (`edubasealldata20261128.csv`).
    static func fromCompact(_ text: String) -> ISODate? {
        let digits = text.utf8.map { Int($0) - 48 }
        guard digits.count == 8, digits.allSatisfy({ (0...9).contains($0) }) else { return nil }
        let number = digits.reduce(0) { $0 * 10 + $1 }
        return ISODate(year: number / 10000, month: number / 100 % 100, day: number % 100)
    }
}
