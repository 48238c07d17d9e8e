import MregSupport
/// The version of this mreg build.
public enum MregVersion {
    public static let string = "0.1.0"
}
