extension Windows1252 {
    /// Unicode scalar → Windows-1252 byte, derived from the decoding table.
    private static let bytesByScalar: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for byte in UInt8.min...UInt8.max {
            let decoded = [byte].withUnsafeBufferPointer { decode($0) }
            if case let .success(text) = decoded, let scalar = text.unicodeScalars.first {
                map[scalar.value] = byte
            }
        }
        return map
    }()

    /// The Windows-1252 byte for `scalar`, or nil when the encoding has none (demo files only
    /// write characters it has).
    static func encode(_ scalar: Unicode.Scalar) -> UInt8? {
        bytesByScalar[scalar.value]
    }
}
