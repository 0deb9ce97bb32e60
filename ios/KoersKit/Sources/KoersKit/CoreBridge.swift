// Runs the core's blocking calls off the main actor, and carries its change callback over.
import Dispatch
import Foundation
import KoersCore

/// Runs blocking core calls on a concurrent queue and resumes the awaiting task with the
/// result. Concurrent on purpose: the core serialises writes on its own lock but lets
/// writes go on during a (slow) sync, and so does this.
final class CoreWorker: Sendable {
    private let queue = DispatchQueue(
        label: "nl.koers.core", qos: .userInitiated, attributes: .concurrent)

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: CoreError.from(error))
                }
            }
        }
    }
}

/// Topics the core reported and the store has not refreshed yet. Filled on the thread that
/// made the change (before the core call returns), emptied on the main actor: so after a
/// write returns, its topics are known to the store without waiting for a task hop.
final class TopicInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var topics: Set<Topic> = []
    private var deliveries = 0

    func add(_ new: [Topic]) {
        lock.lock()
        topics.formUnion(new)
        deliveries += 1
        lock.unlock()
    }

    /// Takes what arrived so far, and how many callbacks brought it.
    func take() -> (topics: Set<Topic>, deliveries: Int) {
        lock.lock()
        defer { lock.unlock() }
        let taken = (topics, deliveries)
        topics = []
        deliveries = 0
        return taken
    }
}

/// The `DossierObserver` the store registers: records the topics, then asks the main actor
/// to refresh. The core calls it on the writing thread, after releasing its lock.
final class InboxObserver: DossierObserver, @unchecked Sendable {
    private let inbox: TopicInbox
    private let wake: @Sendable () -> Void

    init(inbox: TopicInbox, wake: @escaping @Sendable () -> Void) {
        self.inbox = inbox
        self.wake = wake
    }

    func onChange(topics: [Topic]) {
        inbox.add(topics)
        wake()
    }
}

/// A `DossierObserver` that calls a closure; for callers that want the raw callback.
public final class ClosureObserver: DossierObserver, @unchecked Sendable {
    private let body: @Sendable ([Topic]) -> Void

    public init(_ body: @escaping @Sendable ([Topic]) -> Void) {
        self.body = body
    }

    public func onChange(topics: [Topic]) {
        body(topics)
    }
}
