import EnthuseCore
import Foundation

/// Appends lines to a file, each flushed to disk before the next file is loaded.
final class ManifestWriter {
    private let handle: FileHandle

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw Failure(.io("cannot create the manifest \(path); check the directory exists and is writable"))
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw Failure(.io("cannot open the manifest \(path) for writing"))
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    func append(_ line: String) {
        handle.write(Data((line + "\n").utf8))
        try? handle.synchronize()
    }
}
