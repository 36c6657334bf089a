/// A growable run of plain values at an address that stays put until it grows: what the blocks
/// of ``CSVReadAhead`` and ``SheetReadAhead`` hold, freed by their owner. Read through its
/// address, a field costs no retain and release, as an array's does.
struct PlainBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    mutating func append(_ element: Element) {
        if count == capacity { grow(to: count + 1) }
        base[count] = element
        count += 1
    }

    mutating func append(contentsOf elements: UnsafeBufferPointer<Element>) {
        guard let source = elements.baseAddress else { return }
        if count + elements.count > capacity { grow(to: count + elements.count) }
        (base + count).initialize(from: source, count: elements.count)
        count += elements.count
    }

    mutating func append(repeating element: Element, count added: Int) {
        if count + added > capacity { grow(to: count + added) }
        (base + count).initialize(repeating: element, count: added)
        count += added
    }

    /// Drops the elements from `index` on.
    mutating func truncate(to index: Int) { count = index }

    mutating func removeAll() { count = 0 }

    func deallocate() { base.deallocate() }

    private mutating func grow(to minimum: Int) {
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: max(capacity * 2, minimum))
        grown.initialize(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = max(capacity * 2, minimum)
    }
}
