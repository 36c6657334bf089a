import Foundation

/// A thread that produces chunks of a file (parsed rows, scanned records) ahead of the thread that
/// consumes them: what ``SheetReadAhead`` and ``CSVReadAhead`` share.
///
/// Chunks go through a bounded ``HandOff`` and used ones come back to be refilled, so memory
/// stays flat. Dropping the read-ahead stops the thread and waits until it has finished.
final class ReadAheadThread<Chunk: Sendable> {
    private enum Delivery: Sendable {
        case chunk(Chunk)
        case finished
        case failed(any Error)
    }

    private let deliveries: HandOff<Delivery>
    private let recycled: HandOff<Chunk>
    private let stopped = DispatchSemaphore(value: 0)
    private var finished = false

    /// Starts `produce` on a new thread named `name`. It hands each chunk to `deliver`, which
    /// returns false once the consumer has gone (then it should return), and may take a used chunk
    /// back from `reuse` to fill again. Returning ends the chunks; throwing ends them with the error.
    init(name: String, capacity: Int, recycling: Int,
         produce: @escaping @Sendable (_ deliver: @escaping (Chunk) -> Bool, _ reuse: @escaping @Sendable () -> Chunk?) throws -> Void) {
        let deliveries = HandOff<Delivery>(capacity: capacity), recycled = HandOff<Chunk>(capacity: recycling)
        let stopped = stopped
        self.deliveries = deliveries
        self.recycled = recycled
        let thread = Thread {
            do {
                try produce({ deliveries.put(.chunk($0)) }, { recycled.poll() })
                _ = deliveries.put(.finished)
            } catch {
                _ = deliveries.put(.failed(error))
            }
            stopped.signal()
        }
        thread.name = name
        thread.start()
    }

    deinit {
        deliveries.cancel()
        recycled.cancel()
        stopped.wait()
    }

    /// Hands back a chunk the consumer is done with, to be refilled when there is room for it.
    func recycle(_ used: Chunk) {
        _ = recycled.offer(used)
    }

    /// The next chunk, waiting for it; nil after the last. Throws what stopped the producer.
    func next() throws -> Chunk? {
        guard !finished else { return nil }
        switch deliveries.take() {
        case let .chunk(chunk):
            return chunk
        case .finished:
            finished = true
            return nil
        case let .failed(error):
            finished = true
            throw error
        }
    }
}
