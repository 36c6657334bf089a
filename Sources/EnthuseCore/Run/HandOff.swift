import Foundation

/// A bounded queue from one producing thread to one consuming thread.
///
/// `put` waits while the queue is full, so the producer can never run more than `capacity` items
/// ahead and memory stays flat whatever the file size. Either side can stop the exchange: the
/// consumer by `cancel()` (then every later `put` returns false at once), the producer by sending
/// its last item.
final class HandOff<Item: Sendable>: @unchecked Sendable {
    // @unchecked: every stored property is read and written only while `condition` is locked.
    private let condition = NSCondition()
    private var items: [Item] = []
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Queues `item`, waiting for room; false when the consumer has cancelled.
    func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Queues `item` if there is room, without waiting; false when full or cancelled.
    func offer(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard items.count < capacity, !cancelled else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The next item if one is queued, without waiting.
    func poll() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// The next item, waiting for one.
    func take() -> Item {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// Tells the producer to stop: its waiting or next `put` returns false.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
