import MregSupport
import Testing

/// Version order for `environment.packages.NAME` and `environment.python` (PEP 440's order, as pip compares).
@Suite struct PackageVersionTests {
    @Test(arguments: [
        ("1.9", "1.16.0", -1), ("1.16", "1.16.0", 0), ("3.9", "3.11.7", -1), ("2.10.0", "2.9.1", 1),
        ("1.0.dev1", "1.0a1", -1), ("1.0a1", "1.0b2", -1), ("1.0b2", "1.0rc1", -1), ("1.0rc1", "1.0", -1),
        ("1.0", "1.0.post1", -1), ("1.0-1", "1.0", 1), ("v2.1", "2.1", 0), ("2.3.1+cu121", "2.3.1", 0),
        ("2.3.1+cu121", "2.3.1+cu118", 1), ("2.3.1", "2.3.1+cu121", -1), ("12.4", "12.10", -1),
        ("99999999999999999999999.1", "1", 1),
    ])
    func versionsCompareAsPipDoes(_ a: String, _ b: String, _ sign: Int) {
        #expect(PackageVersion.compare(a, b) == sign, "\(a) vs \(b)")
    }

    @Test func textThatIsNoVersionIsNotCompared() {
        #expect(PackageVersion.compare("main", "1.0") == nil)
        #expect(PackageVersion.compare("1.0", "") == nil)
        #expect(PackageVersion.compare("٣.١", "3.1") == nil)  // non-ASCII digits are no version
    }

    @Test func namesNormalizeAsPEP503() {
        #expect(PackageVersion.normalizeName("PyYAML") == "pyyaml")
        #expect(PackageVersion.normalizeName("My_Tool..Kit") == "my-tool-kit")
        #expect(PackageVersion.normalizeName("zope.interface") == "zope-interface")
    }
}
