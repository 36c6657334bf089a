// libFuzzer target: the accountant amount grammar. Any input must either parse to pence that
// format back and parse again to the same pence, or be refused with a reason — never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func amountFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if case let .success(pence) = AmountParser.parsePence(bytes) {
        let text = AmountParser.formatPounds(pence)
        let again = Array(text.utf8).withUnsafeBufferPointer { AmountParser.parsePence($0) }
        guard case .success(pence) = again else { fatalError("\(pence) formats as \(text), which does not read back") }
    }
    return 0
}
