#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file opened read-only through POSIX `open`/`read`, so a reader can pull it in bounded chunks
/// instead of loading it whole; the descriptor is closed when the value goes away.
///
/// Its errors are `CSVError.io`, since what it reads is CSV input (the reader and the file fingerprint).
struct InputFile: ~Copyable {
    let path: String
    private let descriptor: Int32

    init(path: String) throws(CSVError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .io(path: path, message: InputFile.lastErrorText())
        }
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Reads up to `buffer.count` bytes into `buffer` and returns how many arrived; 0 means end of file.
    func readChunk(into buffer: UnsafeMutableBufferPointer<UInt8>) throws(CSVError) -> Int {
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR {
                throw .io(path: path, message: InputFile.lastErrorText())
            }
        }
    }

    private static func lastErrorText() -> String {
        String(cString: strerror(errno))
    }
}
