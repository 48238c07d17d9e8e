import Testing
@testable import MregCLI

/// Did-you-mean counts a swapped pair of neighbouring letters as one edit, so `fruad` finds `fraud`.
@Suite struct SuggestionDistanceTests {
    @Test func aSwappedPairIsOneEdit() {
        #expect(ErrorWording.editDistance("fruad", "fraud", limit: 2) == 1)
        #expect(ErrorWording.editDistance("ab", "ba", limit: 2) == 1)
        #expect(ErrorWording.editDistance("fraud", "fraud", limit: 2) == 0)
        #expect(ErrorWording.editDistance("abc", "cab", limit: 2) == 2)
        #expect(ErrorWording.editDistance("", "abc", limit: 5) == 3)
        #expect(ErrorWording.editDistance("fraud", "churn", limit: 2) == 3)  // stopped past the limit
        #expect(ErrorWording.nearest("fruad", among: ["fraud", "churn"]) == "fraud")
        #expect(ErrorWording.nearest("cuhrn", among: ["fraud", "churn"]) == "churn")
        #expect(ErrorWording.nearest("ba", among: ["ab"]) == nil)  // short names: only a difference in case
    }
}
