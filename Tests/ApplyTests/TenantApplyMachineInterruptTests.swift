@testable import Apply
import Plan
import State
import Testing

/// The per-tenant protocol when the run is interrupted, driven event by event with
/// no server: once, nothing new starts but what is in flight ends as it would;
/// twice, the tenant is rolled back at once.
@Suite("Tenant apply protocol: interrupts")
struct TenantApplyMachineInterruptTests {
    typealias Machine = TenantApplyMachine
    typealias Fixture = TenantApplyMachineTests

    static let lockTimeout = Fixture.serverError("55P03", transient: true)
    static let cancelled = Fixture.serverError("57014")

    // MARK: Interrupted once

    @Test("interrupted once, an attempt in flight runs to its end and commits")
    func inFlightFinishes() {
        var m = Fixture.single()
        #expect(Fixture.open(&m, stampMatched: true) == .run([Fixture.addColumn, Fixture.setNotNull]))
        m.interrupt(cancelling: false)
        #expect(m.willPerform(.run([Fixture.addColumn, Fixture.setNotNull])) == .run([Fixture.addColumn, Fixture.setNotNull]))
        #expect(m.changesRan() == .readState)
        #expect(m.willPerform(.readState) == .readState)
        #expect(m.stateRead(fingerprint: "T") == .commit)
        #expect(m.willPerform(.commit) == .commit)
        #expect(m.committed() == .finish(.applied))
    }

    @Test("interrupted once, an error that would be retried ends the tenant interrupted, with that error")
    func noRetryAfterInterrupt() {
        for error in [Self.lockTimeout, Fixture.serverError("08006", connectionLost: true)] {
            var m = Fixture.single(stamped: false)
            _ = Fixture.open(&m, stampMatched: false, found: "F")
            m.interrupt(cancelling: false)
            #expect(m.errorCaught(error) == .interrupted(Fixture.report(error)))
            #expect(m.attempts == 1)
            #expect(m.state == .done)
        }
    }

    @Test("interrupted once, an error that is not retried still fails the tenant (after a stamp's recheck)")
    func realFailuresStillFail() {
        var m = Fixture.single(stamped: false)
        _ = Fixture.open(&m, stampMatched: false, found: "F")
        m.interrupt(cancelling: false)
        let error = Fixture.serverError("23502")
        #expect(m.errorCaught(error) == .fail(Fixture.report(error)))

        var stamped = Fixture.single()
        _ = Fixture.open(&stamped, stampMatched: true)
        stamped.interrupt(cancelling: false)
        #expect(stamped.errorCaught(error) == .rollbackIfInTransaction)
        #expect(stamped.rolledBack() == .readState)
        #expect(stamped.stateRead(fingerprint: "F") == .fail(Fixture.report(error)))
    }

    @Test("an interrupt during the backoff before a retry: the next attempt does not start")
    func interruptDuringBackoff() {
        var m = Fixture.single(stamped: false)
        _ = Fixture.open(&m, stampMatched: false, found: "F")
        #expect(m.errorCaught(Self.lockTimeout) == .retry(reconnect: false))
        #expect(m.lastFailure == Fixture.report(Self.lockTimeout))
        m.interrupt(cancelling: false)
        #expect(m.start() == .interrupted(Fixture.report(Self.lockTimeout)))
        #expect(m.attempts == 1)
    }

    @Test("without an interrupt the same lock timeout is retried")
    func retriedWithoutInterrupt() {
        var m = Fixture.single(stamped: false)
        _ = Fixture.open(&m, stampMatched: false, found: "F")
        #expect(m.errorCaught(Self.lockTimeout) == .retry(reconnect: false))
        #expect(m.start() == .connect)
        #expect(m.attempts == 2)
    }

    // MARK: Interrupted twice

    @Test("interrupted twice, no step that talks to the server is taken: not even the commit")
    func cancellingStopsEveryServerStep() {
        let pending: [Machine.Action] = [.connect, .begin(stamp: "S"), .readState, .run([Fixture.addColumn]), .commit]
        for action in pending {
            var m = Fixture.single()
            _ = Fixture.open(&m, stampMatched: true)
            m.interrupt(cancelling: true)
            #expect(m.willPerform(action) == .interrupted(nil), "\(action)")
            #expect(m.state == .done)
        }
    }

    @Test("interrupted twice, rollbacks go ahead and their outcome stands")
    func cancellingLetsRollbacksFinish() {
        var m = Fixture.single()
        #expect(Fixture.open(&m, stampMatched: false, found: "T") == .rollback)
        m.interrupt(cancelling: true)
        #expect(m.willPerform(.rollback) == .rollback)
        #expect(m.rolledBack() == .finish(.alreadyApplied))
    }

    @Test("interrupted twice, the cancelled statement's error ends the tenant interrupted, without a recheck")
    func cancelledStatement() {
        for stamped in [true, false] {
            var m = Fixture.single(stamped: stamped)
            _ = stamped ? Fixture.open(&m, stampMatched: true) : Fixture.open(&m, stampMatched: false, found: "F")
            m.interrupt(cancelling: true)
            #expect(m.errorCaught(Self.cancelled) == .interrupted(Fixture.report(Self.cancelled)), "stamped: \(stamped)")
            #expect(m.state == .done)
        }
    }

    @Test("interrupted twice while a failed stamp-only stage rolls back: no recheck follows")
    func cancellingDuringAbandon() {
        var m = Fixture.single()
        _ = Fixture.open(&m, stampMatched: true)
        let error = Fixture.serverError("42701")
        #expect(m.errorCaught(error) == .rollbackIfInTransaction)
        m.interrupt(cancelling: true)
        #expect(m.willPerform(.rollbackIfInTransaction) == .rollbackIfInTransaction)
        #expect(m.rolledBack() == .interrupted(Fixture.report(error)))
    }

    @Test("the interrupt level only rises")
    func levelOnlyRises() {
        var m = Fixture.single()
        m.interrupt(cancelling: true)
        m.interrupt(cancelling: false)
        #expect(m.interruption == .cancelling)
    }
}
