import Foundation

/// Writes demo CSV files the way upstream systems do: CRLF, chosen fields quoted, in UTF-8 or
/// Windows-1252, buffered so that large generated inboxes stream to disk.
final class DemoCSVWriter {
    enum Field {
        case quoted(String)
        case bare(String)
    }

    enum Encoding {
        case utf8, utf8WithBOM, windows1252
    }

    private let stream: DemoByteStream
    private let encoding: Encoding
    /// The row being built.
    private var buffer: [UInt8] = []

    init(url: URL, encoding: Encoding) throws {
        stream = try DemoByteStream(url: url)
        self.encoding = encoding
        if encoding == .utf8WithBOM { buffer = [0xEF, 0xBB, 0xBF] }
    }

    func row(_ fields: [Field]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(0x2C) }
            switch field {
            case let .quoted(text):
                buffer.append(0x22)
                append(text.replacingOccurrences(of: "\"", with: "\"\""))
                buffer.append(0x22)
            case let .bare(text):
                append(text)
            }
        }
        buffer.append(contentsOf: [0x0D, 0x0A])
        stream.append(bytes: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try stream.close()
    }

    private func append(_ text: String) {
        switch encoding {
        case .utf8, .utf8WithBOM:
            buffer.append(contentsOf: text.utf8)
        case .windows1252:
            for scalar in text.unicodeScalars {
                buffer.append(Windows1252.encode(scalar) ?? 0x3F)
            }
        }
    }
}
