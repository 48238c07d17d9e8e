import MregTestSupport
import Foundation
import Testing
@testable import MregRegistry
@testable import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote

/// SigV4 against AWS's published vectors: the `aws-sig-v4-test-suite` (region us-east-1,
/// service `service`, AKIDEXAMPLE, 2015-08-30T12:36:00Z; the `-unnormalized` path
/// variants, which are the ones S3's rules match, and the awslabs `aws-c-auth` variants
/// of the form-encoded cases) and the worked examples in the S3 API reference
/// ("Signature Calculations for the Authorization Header"). Each case checks all three
/// stages: canonical request, string to sign, signature.
@Suite struct SigV4Tests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var method: String
        var path: String
        var query: [(String, String)] = []
        var headers: [(String, String)]
        var payloadHash = SigV4.emptyPayloadHash
        var canonicalRequest: [String]
        /// The last line of the string to sign (SHA-256 of the canonical request).
        var requestHash: String
        var signature: String
        var testDescription: String { name }
    }

    static let suiteSigner = SigV4(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                   region: "us-east-1", service: "service")
    static let host = ("Host", "example.amazonaws.com")
    static let date = ("X-Amz-Date", "20150830T123600Z")
    static let empty = SigV4.emptyPayloadHash
    static let formBodyHash = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"

    static let suite: [Vector] = [
        Vector(name: "get-vanilla", method: "GET", path: "/", headers: [host, date],
               canonicalRequest: ["GET", "/", "", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", empty],
               requestHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
               signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(name: "post-vanilla", method: "POST", path: "/", headers: [host, date],
               canonicalRequest: ["POST", "/", "", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", empty],
               requestHash: "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
               signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        Vector(name: "get-vanilla-query-order-key-case", method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")],
               headers: [host, date],
               canonicalRequest: ["GET", "/", "Param1=value1&Param2=value2", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "",
                                  "host;x-amz-date", empty],
               requestHash: "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
               signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(name: "get-vanilla-query-unreserved", method: "GET", path: "/",
               query: [("-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")],
               headers: [host, date],
               canonicalRequest: ["GET", "/", "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                                  "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", empty],
               requestHash: "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
               signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        Vector(name: "get-vanilla-utf8-query", method: "GET", path: "/", query: [("\u{1234}", "bar")], headers: [host, date],
               canonicalRequest: ["GET", "/", "%E1%88%B4=bar", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", empty],
               requestHash: "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
               signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        Vector(name: "get-header-key-duplicate", method: "GET", path: "/",
               headers: [host, ("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1"), date],
               canonicalRequest: ["GET", "/", "", "host:example.amazonaws.com", "my-header1:value2,value2,value1", "x-amz-date:20150830T123600Z", "",
                                  "host;my-header1;x-amz-date", empty],
               requestHash: "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
               signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        Vector(name: "get-header-value-order", method: "GET", path: "/",
               headers: [host, ("My-Header1", "value4"), ("My-Header1", "value1"), ("My-Header1", "value3"), ("My-Header1", "value2"), date],
               canonicalRequest: ["GET", "/", "", "host:example.amazonaws.com", "my-header1:value4,value1,value3,value2", "x-amz-date:20150830T123600Z", "",
                                  "host;my-header1;x-amz-date", empty],
               requestHash: "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
               signature: "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
        Vector(name: "get-header-value-trim", method: "GET", path: "/",
               headers: [host, ("My-Header1", " value1"), ("My-Header2", " \"a   b   c\""), date],
               canonicalRequest: ["GET", "/", "", "host:example.amazonaws.com", "my-header1:value1", "my-header2:\"a b c\"", "x-amz-date:20150830T123600Z", "",
                                  "host;my-header1;my-header2;x-amz-date", empty],
               requestHash: "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
               signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        Vector(name: "get-unreserved", method: "GET", path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
               headers: [host, date],
               canonicalRequest: ["GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", "host:example.amazonaws.com",
                                  "x-amz-date:20150830T123600Z", "", "host;x-amz-date", empty],
               requestHash: "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
               signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        Vector(name: "get-utf8", method: "GET", path: "/\u{1234}", headers: [host, date],
               canonicalRequest: ["GET", "/%E1%88%B4", "", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", empty],
               requestHash: "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
               signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        Vector(name: "get-space-unnormalized", method: "GET", path: "/example space/", headers: [host, date],
               canonicalRequest: ["GET", "/example%20space/", "", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", empty],
               requestHash: "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
               signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
        Vector(name: "get-slashes-unnormalized", method: "GET", path: "//example//", headers: [host, date],
               canonicalRequest: ["GET", "//example//", "", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", empty],
               requestHash: "528ec3105ee1f34ab014bb0a1a45da0ed2742a4fea3555149e5b4d5d201eb240",
               signature: "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5"),
        Vector(name: "post-vanilla-query", method: "POST", path: "/", query: [("Param1", "value1")], headers: [host, date],
               canonicalRequest: ["POST", "/", "Param1=value1", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", empty],
               requestHash: "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
               signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
        Vector(name: "post-header-key-sort", method: "POST", path: "/", headers: [host, ("My-Header1", "value1"), date],
               canonicalRequest: ["POST", "/", "", "host:example.amazonaws.com", "my-header1:value1", "x-amz-date:20150830T123600Z", "",
                                  "host;my-header1;x-amz-date", empty],
               requestHash: "9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
               signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
        Vector(name: "post-x-www-form-urlencoded", method: "POST", path: "/",
               headers: [("Content-Type", "application/x-www-form-urlencoded"), host, date], payloadHash: formBodyHash,
               canonicalRequest: ["POST", "/", "", "content-type:application/x-www-form-urlencoded", "host:example.amazonaws.com",
                                  "x-amz-date:20150830T123600Z", "", "content-type;host;x-amz-date", formBodyHash],
               requestHash: "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
               signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
        Vector(name: "post-x-www-form-urlencoded (aws-c-auth)", method: "POST", path: "/",
               headers: [("Content-Type", "application/x-www-form-urlencoded"), host, ("Content-Length", "13"), date,
                         ("X-Amz-Content-Sha256", formBodyHash)], payloadHash: formBodyHash,
               canonicalRequest: ["POST", "/", "", "content-length:13", "content-type:application/x-www-form-urlencoded", "host:example.amazonaws.com",
                                  "x-amz-content-sha256:\(formBodyHash)", "x-amz-date:20150830T123600Z", "",
                                  "content-length;content-type;host;x-amz-content-sha256;x-amz-date", formBodyHash],
               requestHash: "b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb",
               signature: "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"),
        Vector(name: "post-x-www-form-urlencoded-parameters (aws-c-auth)", method: "POST", path: "/",
               headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), host, ("Content-Length", "13"), date,
                         ("X-Amz-Content-Sha256", formBodyHash)], payloadHash: formBodyHash,
               canonicalRequest: ["POST", "/", "", "content-length:13", "content-type:application/x-www-form-urlencoded; charset=utf-8",
                                  "host:example.amazonaws.com", "x-amz-content-sha256:\(formBodyHash)", "x-amz-date:20150830T123600Z", "",
                                  "content-length;content-type;host;x-amz-content-sha256;x-amz-date", formBodyHash],
               requestHash: "a89f1a5b53e37702ee6363ce1da3ce8f54386f3c8f352ae652153c2982a0bc4d",
               signature: "328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422"),
    ]

    @Test(arguments: suite)
    func awsTestSuite(_ v: Vector) {
        let signed = Self.suiteSigner.sign(method: v.method, path: v.path, query: v.query, headers: v.headers, payloadHash: v.payloadHash)
        #expect(signed.canonicalRequest == v.canonicalRequest.joined(separator: "\n"))
        #expect(signed.stringToSign == ["AWS4-HMAC-SHA256", "20150830T123600Z", "20150830/us-east-1/service/aws4_request", v.requestHash]
            .joined(separator: "\n"))
        #expect(signed.signature == v.signature)
        #expect(signed.authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=\(v.canonicalRequest[v.canonicalRequest.count - 2]), Signature=\(v.signature)")
    }

    @Test func formBodyHashIsTheSHA256OfTheBody() {
        #expect(SigV4.sha256Hex(Array("Param1=value1".utf8)) == Self.formBodyHash)
        #expect(SigV4.sha256Hex([UInt8]()) == SigV4.emptyPayloadHash)
    }

    // MARK: the S3 API reference's worked examples

    static let s3Signer = SigV4(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                region: "us-east-1", service: "s3")
    static let s3Host = ("Host", "examplebucket.s3.amazonaws.com")
    static let s3Date = ("x-amz-date", "20130524T000000Z")

    @Test func s3GetObjectWithRange() {
        let signed = Self.s3Signer.sign(method: "GET", path: "/test.txt", query: [],
                                        headers: [Self.s3Host, ("Range", "bytes=0-9"), ("x-amz-content-sha256", SigV4.emptyPayloadHash), Self.s3Date],
                                        payloadHash: SigV4.emptyPayloadHash)
        #expect(signed.canonicalRequest == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(signed.stringToSign == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(signed.authorization == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func s3PutObjectEncodesTheKeyOnce() {
        let body = Array("Welcome to Amazon S3.".utf8)
        let hash = SigV4.sha256Hex(body)
        #expect(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let signed = Self.s3Signer.sign(method: "PUT", path: "/test$file.text", query: [],
                                        headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), Self.s3Host, ("x-amz-content-sha256", hash), Self.s3Date,
                                                  ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
                                        payloadHash: hash)
        #expect(signed.canonicalRequest.hasPrefix("PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"))
        #expect(signed.stringToSign.hasSuffix("\n9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d"))
        #expect(signed.signedHeaders == "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class")
        #expect(signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func s3QueryParametersWithAndWithoutValues() {
        let headers = [Self.s3Host, ("x-amz-content-sha256", SigV4.emptyPayloadHash), Self.s3Date]
        let lifecycle = Self.s3Signer.sign(method: "GET", path: "/", query: [("lifecycle", "")], headers: headers, payloadHash: SigV4.emptyPayloadHash)
        #expect(lifecycle.canonicalRequest.hasPrefix("GET\n/\nlifecycle=\n"))
        #expect(lifecycle.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
        let list = Self.s3Signer.sign(method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")], headers: headers, payloadHash: SigV4.emptyPayloadHash)
        #expect(list.canonicalRequest.hasPrefix("GET\n/\nmax-keys=2&prefix=J\n"))
        #expect(list.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func encodingRules() {
        #expect(SigV4.uriEncode("a b/c~d") == "a%20b%2Fc~d")
        #expect(SigV4.uriEncode("!'()*+") == "%21%27%28%29%2A%2B")
        #expect(SigV4.canonicalURI("/bucket/objects/ab/cd ef") == "/bucket/objects/ab/cd%20ef")
        #expect(SigV4.canonicalURI("") == "/")
        #expect(SigV4.canonicalURI("/a b", doubleEncode: true) == "/a%2520b")
        #expect(SigV4.canonicalQuery([("prefix", "a/b"), ("list-type", "2"), ("continuation-token", "x=y")])
            == "continuation-token=x%3Dy&list-type=2&prefix=a%2Fb")
        #expect(SigV4.amzDate(Date(timeIntervalSince1970: 1_440_938_160)) == "20150830T123600Z")
    }
}
