import Crypto

/// Plain content digests, written `sha256:<hex>`.
public enum Digest {
    public static func sha256(_ bytes: [UInt8]) -> String {
        "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

import Foundation
