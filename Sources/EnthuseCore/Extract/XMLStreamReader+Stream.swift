import CLibXML2
import Foundation

/// Bytes of an XML document that are not a file of their own, such as a part of a zip archive,
/// pulled by `XMLStreamReader` as it parses.
///
/// A stream that fails throws from `read(into:)`; libxml2 sees only a failed read and the reader
/// reports a broken document, so a stream should also remember why it failed, for its owner to
/// report instead.
public protocol XMLByteStream: AnyObject {
    /// Copies the next bytes into `buffer` and returns how many; 0 at the end of the document.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension XMLStreamReader {
    /// Reads the document `stream` delivers, with the same refusals as a file: no DOCTYPE, no
    /// network, no external entities, bounded depth and text. `name` is how errors name it.
    ///
    /// Throws when the prolog declares a DOCTYPE, or when the stream fails before it is read.
    public convenience init(name: String, stream: any XMLByteStream, limits: XMLReadLimits = XMLReadLimits()) throws(XMLReadError) {
        ExternalEntityAllowList.install()
        let input = try XMLStreamInput.refusingDoctype(stream, name: name)
        let reader = xmlReaderForIO({ context, buffer, length in
            guard let context, let buffer, length > 0 else { return -1 }
            return Unmanaged<XMLStreamInput>.fromOpaque(context).takeUnretainedValue().fill(buffer, Int(length))
        }, nil, Unmanaged.passUnretained(input).toOpaque(), name, nil, Self.options)
        guard let reader else {
            throw XMLReadError(.cannotOpen, file: name, line: nil, "libxml2 could not start reading the document")
        }
        try self.init(file: name, reader: reader, input: .stream(input), schema: nil, limits: limits)
    }
}

/// Where an `XMLStreamReader` gets its bytes.
enum XMLInput {
    /// A file, by its open descriptor and size.
    case descriptor(Int32, size: Int)
    /// A stream, which has no size known in advance.
    case stream(XMLStreamInput)

    /// The bytes there are to read: the file's size, or for a stream what it delivered so far.
    var size: Int {
        switch self {
        case let .descriptor(_, size): size
        case let .stream(input): input.delivered
        }
    }

    func close() {
        switch self {
        case let .descriptor(descriptor, _): _ = Foundation.close(descriptor)
        case .stream: break
        }
    }
}

/// Feeds a stream to libxml2's read callback, serving first the bytes peeked at for the prolog.
final class XMLStreamInput {
    private let stream: any XMLByteStream
    private var peeked: [UInt8] = []
    private var peekedOffset = 0
    /// Bytes handed to libxml2 so far.
    private(set) var delivered = 0

    init(_ stream: any XMLByteStream) {
        self.stream = stream
    }

    /// The input for `stream`, refused when its prolog declares a DOCTYPE. `name` is how errors
    /// name the document.
    static func refusingDoctype(_ stream: any XMLByteStream, name: String) throws(XMLReadError) -> XMLStreamInput {
        let input = XMLStreamInput(stream)
        let prolog: ArraySlice<UInt8>
        do {
            prolog = try input.peek(XMLProlog.scanLength)
        } catch {
            throw XMLReadError(.cannotOpen, file: name, line: nil, "cannot read the document: \(error)")
        }
        if let line = XMLProlog.doctypeLine(in: prolog) {
            throw XMLReadError(.declaresDoctype, file: name, line: line, XMLStreamReader.doctypeMessage)
        }
        return input
    }

    /// The first `count` bytes of the stream, or all of them when it is shorter; they are still
    /// delivered to libxml2 afterwards.
    func peek(_ count: Int) throws -> ArraySlice<UInt8> {
        peeked = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let read = try peeked.withUnsafeMutableBytes { try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            if read == 0 { break }
            filled += read
        }
        peeked.removeSubrange(filled...)
        return peeked[...]
    }

    /// libxml2's read callback: up to `length` bytes into `buffer`, 0 at the end, -1 on failure.
    func fill(_ buffer: UnsafeMutablePointer<CChar>, _ length: Int) -> Int32 {
        let target = UnsafeMutableRawBufferPointer(start: buffer, count: length)
        if peekedOffset < peeked.count {
            let count = min(length, peeked.count - peekedOffset)
            peeked.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[peekedOffset..<peekedOffset + count])) }
            peekedOffset += count
            if peekedOffset == peeked.count { peeked = [] ; peekedOffset = 0 }
            delivered += count
            return Int32(count)
        }
        guard let count = try? stream.read(into: target) else { return -1 }
        delivered += count
        return Int32(count)
    }
}
