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

    private let handle: FileHandle
    private let encoding: Encoding
    private var buffer: [UInt8] = []

    init(url: URL, encoding: Encoding) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
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
        if buffer.count > 1 << 20 { flush() }
    }

    func close() throws {
        flush()
        try handle.close()
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

    private func flush() {
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
