import MregStore
import MregSupport
import MregRegistry
import MregFilter
/// Results of one test on a segment's strings, computed once per string id.
final class StringMemo {
    private let segment: IndexSegment
    private let test: ValueTest
    private var memo: [UInt8]

    init(_ segment: IndexSegment, _ test: ValueTest) {
        self.segment = segment
        self.test = test
        memo = [UInt8](repeating: 0, count: segment.stringCount)
    }

    @inline(__always) func test(_ id: UInt32) -> Bool {
        let i = Int(id)
        switch memo[i] {
        case 1: return true
        case 2: return false
        default:
            let r = test.text(segment.stringBytes(id))
            memo[i] = r ? 1 : 2
            return r
        }
    }
}
