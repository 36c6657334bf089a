// libFuzzer target: the date parsers in every format. A date read must be a calendar date whose
// ISO text reads back to the same date.
@_cdecl("LLVMFuzzerTestOneInput")
public func dateFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    for format in DateFormat.allCases {
        if case let .success(date) = DateParser.parse(bytes, as: format) {
            guard ISODate.parseISO(date.text) == date, ISODate(daysSinceEpoch: date.daysSinceEpoch) == date else {
                fatalError("\(date.text) does not round-trip")
            }
        }
    }
    _ = DateParser.parseDateTime(bytes)
    _ = NumberParser.parseInteger(bytes, allowingZeroFraction: true)
    _ = NumberParser.parseDecimal(bytes)
    _ = BooleanParser.parse(bytes)
    return 0
}
