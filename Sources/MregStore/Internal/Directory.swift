/// Listing folders for the layers above, without Foundation's overhead.
public enum Directory {
    /// The names in a folder, without `.` and `..`; empty when it does not exist.
    public static func names(_ path: String) -> [String] { FileSystem.listDirectory(path) }
}
