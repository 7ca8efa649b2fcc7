import Dispatch
import HWGenTypes

/// Runs independent, side-effect-free jobs on all cores.
enum Parallel {
    /// `[body(0), body(1), …, body(count − 1)]`, computed concurrently.
    static func map<T: Sendable>(count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let slots = Slots<T>(count)
        DispatchQueue.concurrentPerform(iterations: count) { slots.set($0, body($0)) }
        return slots.values
    }

    /// One write-once slot per job; each job writes only its own slot.
    private final class Slots<T>: @unchecked Sendable {
        private let buffer: UnsafeMutableBufferPointer<T?>

        init(_ count: Int) {
            buffer = .allocate(capacity: count)
            buffer.initialize(repeating: nil)
        }

        deinit {
            buffer.deinitialize()
            buffer.deallocate()
        }

        func set(_ i: Int, _ value: T) { buffer[i] = value }

        /// Every slot's value (all jobs have finished when `concurrentPerform` returns).
        var values: [T] { buffer.map { $0! } }
    }
}
