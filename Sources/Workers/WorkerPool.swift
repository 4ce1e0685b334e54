import Foundation
import Synchronization

/// Runs a list of jobs on plain threads, each worker with a resource of its own.
///
/// libpq calls block, so workers are `Thread`s, never tasks on Swift's
/// cooperative pool. A worker opens its resource (a connection) on its own
/// thread, takes jobs in list order until none is left or the pool stops, and
/// closes the resource. Jobs are handed out one at a time, each exactly once.
///
/// The first error a worker throws (opening its resource or doing a job) is
/// kept, the pool stops handing out jobs, and `wait()` throws that error; the
/// failing worker ends at once, the others finish the job they hold. `stop()`
/// stops handing out jobs without an error. Jobs never handed out are in
/// `remaining`.
public final class WorkerPool<Job: Sendable>: Sendable {
    private struct Queue {
        /// Jobs not handed out yet, last first: the next job is near the end.
        var pending: [Job]
        var stopped = false
        var error: (any Error)?
    }

    private let queue: Mutex<Queue>
    private let running = DispatchGroup()
    private let stackSize: Int?

    /// A pool over `jobs`; `stackSize` in bytes for its threads (nil: the system's default).
    public init(_ jobs: [Job], stackSize: Int? = nil) {
        queue = Mutex(Queue(pending: jobs.reversed()))
        self.stackSize = stackSize
    }

    /// Starts `count` workers, each on a thread of its own.
    ///
    /// Each worker opens its resource with `open`, does the jobs it takes with
    /// `work`, and closes the resource with `close` when no job is left for it
    /// (not when `open` failed). `taking` restricts a worker to some of the
    /// jobs (the jobs of one database, say); it takes the first of those still
    /// pending.
    public func start<Resource>(
        workers count: Int,
        taking accepts: @escaping @Sendable (Job) -> Bool = { _ in true },
        open: @escaping @Sendable () throws -> Resource,
        close: @escaping @Sendable (inout Resource) -> Void,
        work: @escaping @Sendable (Job, inout Resource) throws -> Void
    ) {
        for _ in 0..<max(0, count) {
            running.enter()
            let thread = Thread { [self] in
                defer { running.leave() }
                var resource: Resource
                do {
                    resource = try open()
                } catch {
                    fail(error)
                    return
                }
                defer { close(&resource) }
                loop(taking: accepts, on: &resource, work)
            }
            if let stackSize { thread.stackSize = stackSize }
            thread.start()
        }
    }

    /// Works as one more worker on the calling thread, on `resource`, which the
    /// caller keeps open and closes; returns when no job is left for it.
    public func work<Resource>(
        on resource: Resource,
        taking accepts: (Job) -> Bool = { _ in true },
        _ work: (Job, inout Resource) throws -> Void
    ) {
        var resource = resource
        loop(taking: accepts, on: &resource, work)
    }

    /// Waits for every worker started; throws the first error one of them threw.
    public func wait() throws {
        running.wait()
        if let error = queue.withLock({ $0.error }) { throw error }
    }

    /// Hands out no further jobs; jobs already handed out run to their end.
    public func stop() {
        queue.withLock { $0.stopped = true }
    }

    /// The jobs never handed out, in list order.
    public var remaining: [Job] {
        queue.withLock { Array($0.pending.reversed()) }
    }

    private func loop<Resource>(taking accepts: (Job) -> Bool, on resource: inout Resource,
                                _ work: (Job, inout Resource) throws -> Void) {
        while let job = next(taking: accepts) {
            do {
                try work(job, &resource)
            } catch {
                fail(error)
                return
            }
        }
    }

    /// The first pending job that `accepts`, or nil when there is none or the pool stopped.
    private func next(taking accepts: (Job) -> Bool) -> Job? {
        queue.withLock { queue in
            guard !queue.stopped, let index = queue.pending.lastIndex(where: accepts) else { return nil }
            return queue.pending.remove(at: index)
        }
    }

    private func fail(_ error: any Error) {
        queue.withLock { queue in
            if queue.error == nil { queue.error = error }
            queue.stopped = true
        }
    }
}
