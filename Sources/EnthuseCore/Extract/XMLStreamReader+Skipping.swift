import CLibXML2

/// Moving past what a reader does not need, with every check of `next()` still made: a skipped
/// part of a refused file is refused all the same.
extension XMLStreamReader {
    /// Moves past the end of the element whose start the reader is on (at once for `<Empty/>`).
    public func skipElement() throws(XMLReadError) {
        precondition(
            xmlTextReaderNodeType(reader) == Int32(XML_READER_TYPE_ELEMENT.rawValue),
            "skipElement() starts from an element start")
        guard xmlTextReaderIsEmptyElement(reader) != 1 else { return }
        let depth = xmlTextReaderDepth(reader)
        while let type = try advance() {
            if type == XML_READER_TYPE_END_ELEMENT, xmlTextReaderDepth(reader) == depth { return }
        }
    }
}
