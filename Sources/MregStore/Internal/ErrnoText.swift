#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// The operating system's words for error numbers: the one place mreg turns `errno` into text.
///
///     guard fd >= 0 else { throw MyError.read(path, ErrnoText.current) }
public enum ErrnoText {
    /// The words for the calling thread's `errno`; read it right after the call that failed.
    public static var current: String { describe(errno) }

    /// The words for error number `code`, such as "No such file or directory".
    public static func describe(_ code: Int32) -> String {
        Errno(rawValue: code).description
    }
}
