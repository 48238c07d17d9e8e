/// A TOML offset date-time, local date-time, local date or local time, as written.
///
/// `description` is the form mreg stores (toml++'s, which mreg used before `TOMLReader`):
/// `1979-05-27`, `07:32:00.5`, `1979-05-27T07:32:00-07:00`; a `T` always separates date and time,
/// fractional seconds lose their trailing zeros (and digits past nanoseconds), and a zero offset is `Z`.
public struct TOMLDateTime: Sendable, Hashable, CustomStringConvertible {
    /// A calendar day.
    public struct LocalDate: Sendable, Hashable {
        public var year: Int
        public var month: Int
        public var day: Int
    }

    /// A time of day, to the nanosecond.
    public struct LocalTime: Sendable, Hashable {
        public var hour: Int
        public var minute: Int
        public var second: Int
        public var nanosecond: Int
    }

    /// Nil for a local time.
    public var date: LocalDate?
    /// Nil for a local date.
    public var time: LocalTime?
    /// Minutes east of UTC; nil unless this is an offset date-time.
    public var offsetMinutes: Int?

    public init(date: LocalDate?, time: LocalTime?, offsetMinutes: Int? = nil) {
        self.date = date
        self.time = time
        self.offsetMinutes = offsetMinutes
    }

    public var description: String {
        var out = ""
        if let d = date { out += "\(Self.pad(d.year, 4))-\(Self.pad(d.month, 2))-\(Self.pad(d.day, 2))" }
        if date != nil && time != nil { out += "T" }
        if let t = time {
            out += "\(Self.pad(t.hour, 2)):\(Self.pad(t.minute, 2)):\(Self.pad(t.second, 2))"
            if t.nanosecond > 0 {
                var digits = Self.pad(t.nanosecond, 9)
                while digits.hasSuffix("0") { digits.removeLast() }
                out += "." + digits
            }
        }
        if let minutes = offsetMinutes {
            if minutes == 0 {
                out += "Z"
            } else {
                out += (minutes < 0 ? "-" : "+") + "\(Self.pad(abs(minutes) / 60, 2)):\(Self.pad(abs(minutes) % 60, 2))"
            }
        }
        return out
    }

    /// `n` in decimal, left-padded with zeros to `width` digits.
    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
