import Testing
@testable import MregCLI

/// The progress line of long transfers: rates and times left only once they mean something.
@Suite struct ProgressTests {
    @Test func theFirstTickShowsNoRateNorTimeLeft() {
        // 9 MiB of 1 GiB after 2 ms: a rate would read "4.4 GiB/s", a time left "0s".
        let first = ByteProgress.line(verb: "pushing", done: 9 << 20, whole: 1 << 30, elapsed: 0.002)
        #expect(first == "pushing 0% 9.0 MiB/1.0 GiB")
        // A second in, but almost nothing sent yet: still no estimate.
        #expect(!ByteProgress.line(verb: "pushing", done: 1000, whole: 1 << 30, elapsed: 3).contains("/s"))
    }

    @Test func aRateAndTimeLeftOnceMeaningful() {
        let line = ByteProgress.line(verb: "pushing", done: 256 << 20, whole: 1 << 30, elapsed: 2)
        #expect(line == "pushing 25% 256 MiB/1.0 GiB 128 MiB/s 6s left")
        let slow = ByteProgress.line(verb: "fetching", done: 10 << 20, whole: 1 << 30, elapsed: 10)
        #expect(slow.hasSuffix("1.0 MiB/s 16m left"), "\(slow)")
    }
}
