/// A pipeline definition that cannot be used, located in its file so it can be fixed.
///
/// Every such error stops the run before any file is touched (exit 78, `EX_CONFIG`).
public struct PipelineConfigurationError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}
