import Foundation
import Synchronization
import Testing
import Workers

/// The pool with no server: jobs are numbers, resources are counted tokens.
@Suite struct WorkerPoolTests {
    struct Failure: Error, Equatable {
        var job: Int
    }

    /// What the workers did, shared between their threads.
    final class Log: Sendable {
        struct Entries {
            var jobs: [Int] = []
            var opened = 0
            var closed: [Int] = []
            var threads: Set<String> = []
        }

        let entries = Mutex(Entries())

        func open() -> Int {
            entries.withLock { entries in
                entries.opened += 1
                return entries.opened
            }
        }

        func close(_ resource: Int) {
            entries.withLock { $0.closed.append(resource) }
        }

        func ran(_ job: Int) {
            let thread = "\(Unmanaged.passUnretained(Thread.current).toOpaque())"
            entries.withLock { entries in
                entries.jobs.append(job)
                entries.threads.insert(thread)
            }
        }

        var snapshot: Entries { entries.withLock { $0 } }
    }

    @Test func everyJobRunsExactlyOnceAcrossTheWorkers() throws {
        let log = Log()
        let pool = WorkerPool(Array(0..<1_000))
        pool.start(workers: 8, open: { log.open() }, close: { log.close($0) }) { job, _ in
            log.ran(job)
        }
        try pool.wait()
        let done = log.snapshot
        #expect(done.jobs.sorted() == Array(0..<1_000))
        #expect(done.threads.count <= 8)
        #expect(pool.remaining.isEmpty)
    }

    @Test func eachWorkerOpensAndClosesItsResourceOnce() throws {
        let log = Log()
        let pool = WorkerPool(Array(0..<200))
        let used = Mutex<[Int: Set<Int>]>([:])   // resource -> jobs done with it
        pool.start(workers: 4, open: { log.open() }, close: { log.close($0) }) { job, resource in
            log.ran(job)
            used.withLock { _ = $0[resource, default: []].insert(job) }
        }
        try pool.wait()
        let done = log.snapshot
        #expect(done.opened == 4)
        #expect(done.closed.sorted() == [1, 2, 3, 4])
        #expect(Set(used.withLock { $0.keys }).isSubset(of: [1, 2, 3, 4]))
        #expect(used.withLock { $0.values.reduce(0) { $0 + $1.count } } == 200)
    }

    @Test func theCallingThreadWorksOnItsOwnResourceWithoutClosingIt() throws {
        let log = Log()
        let pool = WorkerPool(Array(0..<100))
        pool.start(workers: 2, open: { log.open() }, close: { log.close($0) }) { job, _ in log.ran(job) }
        var seen: [Int] = []
        pool.work(on: 0) { job, resource in
            #expect(resource == 0)
            seen.append(job)
            log.ran(job)
        }
        try pool.wait()
        let done = log.snapshot
        #expect(done.jobs.sorted() == Array(0..<100))
        #expect(seen == seen.sorted())
        #expect(done.opened == 2)
        #expect(done.closed.sorted() == [1, 2])
    }

    @Test func oneWorkerTakesTheJobsInOrder() throws {
        let log = Log()
        let pool = WorkerPool(Array(0..<50))
        pool.work(on: ()) { job, _ in log.ran(job) }
        try pool.wait()
        #expect(log.snapshot.jobs == Array(0..<50))
    }

    @Test func aFailureStopsNewJobsAndIsThrown() {
        let log = Log()
        let pool = WorkerPool(Array(0..<100))
        pool.work(on: ()) { job, _ in
            log.ran(job)
            if job == 5 { throw Failure(job: job) }
        }
        #expect(throws: Failure(job: 5)) { try pool.wait() }
        #expect(log.snapshot.jobs == Array(0...5))
        #expect(pool.remaining == Array(6..<100))
    }

    @Test func aFailureStopsEveryWorker() {
        let log = Log()
        let pool = WorkerPool(Array(0..<1_000))
        pool.start(workers: 4, open: { log.open() }, close: { log.close($0) }) { job, _ in
            log.ran(job)
            if job == 20 { throw Failure(job: job) }
            Thread.sleep(forTimeInterval: 0.001)
        }
        #expect(throws: Failure(job: 20)) { try pool.wait() }
        let done = log.snapshot
        // Each job either ran once or was never handed out, and most were never handed out.
        #expect((done.jobs + pool.remaining).sorted() == Array(0..<1_000))
        #expect(done.jobs.count < 500)
        #expect(done.opened == 4)
        #expect(done.closed.count == 4)
    }

    @Test func afterTheFirstErrorNoWorkerTakesAnotherJob() {
        // Every job fails: each of the three workers fails at most once, and
        // one of their errors is thrown.
        let log = Log()
        let pool = WorkerPool(Array(0..<100))
        pool.start(workers: 3, open: {}, close: { _ in }) { job, _ in
            log.ran(job)
            throw Failure(job: job)
        }
        #expect(performing: { try pool.wait() }, throws: { error in
            (error as? Failure).map { log.snapshot.jobs.contains($0.job) } ?? false
        })
        #expect(log.snapshot.jobs.count <= 3)
        #expect(pool.remaining.count + log.snapshot.jobs.count == 100)
    }

    @Test func aResourceThatCannotBeOpenedStopsThePool() {
        let log = Log()
        let pool = WorkerPool(Array(0..<10))
        pool.start(workers: 1, open: { () throws -> Int in throw Failure(job: -1) }, close: { log.close($0) }) {
            job, _ in log.ran(job)
        }
        #expect(throws: Failure(job: -1)) { try pool.wait() }
        #expect(log.snapshot.closed.isEmpty)
        pool.work(on: 0) { job, _ in log.ran(job) }
        #expect(log.snapshot.jobs.isEmpty)
        #expect(pool.remaining == Array(0..<10))
    }

    @Test func stopEndsTheRunWithoutAnError() throws {
        let log = Log()
        let pool = WorkerPool(Array(0..<10))
        pool.work(on: ()) { job, _ in
            log.ran(job)
            if job == 3 { pool.stop() }
        }
        try pool.wait()
        #expect(log.snapshot.jobs == [0, 1, 2, 3])
        #expect(pool.remaining == Array(4..<10))
    }

    @Test func workersTakeOnlyTheJobsTheyAccept() throws {
        // Jobs of two "databases", interleaved; one worker each.
        let jobs = (0..<40).map { (database: $0 % 2, index: $0) }.map { $0.database * 100 + $0.index }
        let pool = WorkerPool(jobs)
        let byDatabase = Mutex<[Int: [Int]]>([:])
        for database in [0, 1] {
            pool.start(workers: 1, taking: { $0 / 100 == database }, open: {}, close: { _ in }) { job, _ in
                byDatabase.withLock { $0[database, default: []].append(job) }
            }
        }
        try pool.wait()
        let done = byDatabase.withLock { $0 }
        #expect(done[0] == jobs.filter { $0 / 100 == 0 })
        #expect(done[1] == jobs.filter { $0 / 100 == 1 })
    }

    @Test func aWorkerWithNoJobLeftEndsWhileOthersHaveSome() throws {
        // Database 1 has no job: its worker ends at once, and the rest stay pending
        // for no one: `remaining` reports them.
        let pool = WorkerPool([1, 2, 3])
        pool.start(workers: 1, taking: { $0 > 100 }, open: {}, close: { _ in }) { _, _ in
            Issue.record("no job should be taken")
        }
        try pool.wait()
        #expect(pool.remaining == [1, 2, 3])
    }

    @Test func noJobsNoWorkers() throws {
        let pool = WorkerPool([Int]())
        pool.start(workers: 0, open: {}, close: { _ in }) { _, _ in }
        pool.work(on: ()) { _, _ in Issue.record("no job") }
        try pool.wait()
        #expect(pool.remaining.isEmpty)
    }
}
