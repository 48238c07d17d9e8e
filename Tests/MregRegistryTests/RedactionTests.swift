import Testing
@testable import MregSupport

@Suite struct RedactionTests {
    @Test func urlPasswordsAreHiddenWhereverTheyAppear() {
        #expect(Redaction.url("http://AKIAX:wJalrXUtnFEMI@minio:9000/bucket") == "http://AKIAX:***@minio:9000/bucket")
        #expect(Redaction.url("request to https://u:p@h failed; see http://a:b@c/d") == "request to https://u:***@h failed; see http://a:***@c/d")
        #expect(Redaction.url("https://token@host/x") == "https://***@host/x")
        #expect(Redaction.url("http://127.0.0.1:9") == "http://127.0.0.1:9")
        #expect(Redaction.url("s3://models/team") == "s3://models/team")
        #expect(Redaction.url("ada@example.com and http://h/x@y") == "ada@example.com and http://h/x@y")  // '@' after the host is a path
    }

    @Test func secretSettingsAreMaskedByName() {
        #expect(Redaction.setting(key: "remote.lake.secretAccessKey", value: "wJalr") == "***")
        #expect(Redaction.setting(key: "remote.lake.sessionToken", value: "FwoG") == "***")
        #expect(Redaction.setting(key: "remote.lake.accessKeyId", value: "AKIAX") == "AKIAX")
        #expect(Redaction.setting(key: "remote.lake.endpoint", value: "http://a:b@h") == "http://a:***@h")
        #expect(Redaction.setting(key: "user.name", value: "Ada") == "Ada")
    }
}
