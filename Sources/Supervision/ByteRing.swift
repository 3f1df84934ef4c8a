/// The last `capacity` bytes written, in order.
///
/// Why: a child's stderr must be drained continuously (a full pipe would block the child), but
/// only its tail matters for health and error messages, so memory stays bounded however much a
/// chatty or looping child writes.
struct ByteRing: Sendable {
    let capacity: Int
    /// Grows to `capacity`, then is overwritten in place; `head` is the oldest byte once full.
    private var storage: [UInt8] = []
    private var head = 0
    /// Every byte ever appended, kept or not.
    private(set) var totalBytes = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let input = bytes.bindMemory(to: UInt8.self)
        totalBytes += input.count
        if input.count >= capacity {
            storage = Array(input.suffix(capacity))
            head = 0
            return
        }
        var rest = input[...]
        if storage.count < capacity {
            let take = min(capacity - storage.count, rest.count)
            storage.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
        }
        while !rest.isEmpty {
            let take = min(rest.count, capacity - head)
            storage.replaceSubrange(head..<(head + take), with: rest.prefix(take))
            head = (head + take) % capacity
            rest = rest.dropFirst(take)
        }
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The kept bytes, oldest first.
    var contents: [UInt8] {
        guard storage.count == capacity, head != 0 else { return storage }
        return Array(storage[head...]) + storage[..<head]
    }
}
