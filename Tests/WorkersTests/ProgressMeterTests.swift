import Foundation
import Testing
import Workers

@Suite struct ProgressMeterTests {
    @Test func addReturnsTheRunningCount() {
        let meter = ProgressMeter(total: 10)
        #expect(meter.add(3) == 3)
        #expect(meter.add() == 4)
        #expect(meter.total == 10)
    }

    @Test func rateAndTimeLeftText() throws {
        let meter = ProgressMeter(total: 2_000)
        Thread.sleep(forTimeInterval: 0.05)
        let text = meter.rate(done: 1_000)
        // " (20000/s, ETA 0s)", give or take the timing.
        let match = try #require(text.wholeMatch(of: #/^ \(([0-9]+)/s, ETA ([0-9]+)s\)$/#))
        #expect(Int(match.1)! > 0)
        #expect(meter.rate(done: 0) == " (0/s, ETA 0s)")
        #expect(meter.rate(done: 2_000).hasSuffix(", ETA 0s)"))
    }

    @Test func countsFromEveryThread() {
        let meter = ProgressMeter(total: 4_000)
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread {
                for _ in 0..<1_000 { _ = meter.add() }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(meter.add(0) == 4_000)
    }
}
