import Synchronization
import ArgumentParser
import EnthuseCore
import Foundation
import Logging

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The warehouse SQLite file.")
    var warehouse = "warehouse.sqlite"

    @Option(name: .long, help: "The directory of pipeline definitions; its parent holds schemas/.")
    var pipelines = "pipelines"

    @Option(name: .long, help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .notice

    /// The logger for library code; logs go to stderr, the summary to stdout.
    func logger() -> Logger {
        LoggingBootstrap.once(level: logLevel)
        return Logger(label: "enthuse")
    }

    func catalog() throws -> PipelineCatalog {
        do {
            return try PipelineCatalog(directory: pipelines)
        } catch {
            throw Failure(RunFailure(error))
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Bootstraps swift-log exactly once per process.
enum LoggingBootstrap {
    private static let done = Mutex(false)

    static func once(level: Logger.Level) {
        done.withLock { done in
            guard !done else { return }
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            done = true
        }
    }
}

/// A failure printed on stderr with its sysexits code.
struct Failure: Error {
    let failure: RunFailure
    init(_ failure: RunFailure) { self.failure = failure }
}

extension ParsableCommand {
    /// Runs `body`, printing any failure as `enthuse: message` and exiting with its code.
    func exitingOnFailure(_ body: () throws -> Int32) throws {
        let code: Int32
        do {
            code = try body()
        } catch let error as Failure {
            printError(error.failure.description)
            throw ExitCode(error.failure.exitCode)
        } catch let error as ExitCode {
            throw error
        } catch {
            let failure = RunFailure(error)
            printError(failure.description)
            throw ExitCode(failure.exitCode)
        }
        if code != 0 { throw ExitCode(code) }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("enthuse: \(message)\n".utf8))
}
