import GRDB

/// Why a run stopped before finishing its files, with the sysexits code cron sees.
public enum RunFailure: Error, CustomStringConvertible, Equatable {
    /// The warehouse, the inbox or the lock file could not be read or written (74).
    case io(String)
    /// Another run holds the warehouse lock (75).
    case locked(String)
    /// A pipeline file, an SQL file or the schemas are wrong (78).
    case configuration(String)
    /// A fault of ours: a bug to report (70).
    case `internal`(String)

    /// Classifies any error that escaped a run.
    public init(_ error: any Error) {
        switch error {
        case let failure as RunFailure: self = failure
        case let error as RunLockError:
            if case .held = error { self = .locked(error.description) } else { self = .io(error.description) }
        case let error as PipelineConfigurationError: self = .configuration(error.description)
        case let error as WarehouseError: self = .configuration(error.description)
        case let error as DatabaseError where error.isWarehouseIOError: self = .io("the warehouse failed: \(error.message ?? "\(error.resultCode)")")
        default: self = .internal("\(error)")
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .io: return SysExit.ioError
        case .locked: return SysExit.tempFail
        case .configuration: return SysExit.configuration
        case .internal: return SysExit.software
        }
    }

    public var description: String {
        switch self {
        case let .io(message), let .locked(message), let .configuration(message): return message
        case let .internal(message): return "internal error (please report it with the log): \(message)"
        }
    }
}

/// Exit codes, after sysexits(3), decided in this one place.
public enum SysExit {
    public static let success: Int32 = 0
    public static let usage: Int32 = 64
    public static let dataRejected: Int32 = 65
    public static let software: Int32 = 70
    public static let ioError: Int32 = 74
    public static let tempFail: Int32 = 75
    public static let configuration: Int32 = 78
}
