import Foundation

/// The entries of a registry (engine kinds, MAC kinds), in registration order, behind a lock:
/// a client may register from any thread before it elaborates designs.
final class Registry<Entry: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [Entry]
    private let key: @Sendable (Entry) -> String

    init(_ entries: [Entry], key: @escaping @Sendable (Entry) -> String) {
        self.entries = entries
        self.key = key
    }

    var all: [Entry] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }

    /// Adds `e`, or replaces the entry with the same key.
    func register(_ e: Entry) {
        lock.lock()
        defer { lock.unlock() }
        if let i = entries.firstIndex(where: { key($0) == key(e) }) { entries[i] = e } else { entries.append(e) }
    }
}
