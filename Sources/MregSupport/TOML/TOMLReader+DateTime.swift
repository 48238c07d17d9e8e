/// Dates and times: offset date-time, local date-time, local date, local time (RFC 3339 forms).
extension TOMLReader {
    /// Whether the value at `pos` starts like a date (`1979-`) or a time (`07:`).
    func isDateOrTime() -> Bool {
        guard let b4 = peek(4) else { return peek(2) == UInt8(ascii: ":") && (0..<2).allSatisfy { peek($0).map(Self.isDigit) == true } }
        if b4 == UInt8(ascii: "-") && (0..<4).allSatisfy({ peek($0).map(Self.isDigit) == true }) { return true }
        return peek(2) == UInt8(ascii: ":") && (0..<2).allSatisfy { peek($0).map(Self.isDigit) == true }
    }

    mutating func dateTime() throws(TOMLError) -> TOMLDateTime {
        let start = pos
        guard peek(2) != UInt8(ascii: ":") else { return TOMLDateTime(date: nil, time: try time(start: start)) }
        let year = try digits(4, "a 4-digit year", start: start)
        try expect(UInt8(ascii: "-"), "a date is written YYYY-MM-DD", start: start)
        let month = try digits(2, "a 2-digit month", start: start)
        try expect(UInt8(ascii: "-"), "a date is written YYYY-MM-DD", start: start)
        let day = try digits(2, "a 2-digit day", start: start)
        guard (1...12).contains(month) else { throw fail("month \(month) is not 01 to 12 (dates are YYYY-MM-DD)", at: start) }
        guard (1...Self.days(inMonth: month, year: year)).contains(day) else {
            throw fail("\(TOMLDateTime.pad(year, 4))-\(TOMLDateTime.pad(month, 2)) has no day \(day)", at: start)
        }
        let date = TOMLDateTime.LocalDate(year: year, month: month, day: day)
        // A time follows a 'T' (or 't'), or a space when a digit comes next (nothing else may follow a value and a space).
        switch peek() {
        case UInt8(ascii: "T"), UInt8(ascii: "t"):
            pos += 1
        case Self.space where peek(1).map(Self.isDigit) == true:
            pos += 1
        default:
            return TOMLDateTime(date: date, time: nil)
        }
        let time = try self.time(start: start)
        var offset: Int?
        switch peek() {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            pos += 1
            offset = 0
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let negative = peek() == UInt8(ascii: "-")
            pos += 1
            let hours = try digits(2, "a 2-digit offset hour (+HH:MM)", start: start)
            try expect(UInt8(ascii: ":"), "an offset is written +HH:MM or -HH:MM", start: start)
            let minutes = try digits(2, "2-digit offset minutes (+HH:MM)", start: start)
            guard hours <= 23, minutes <= 59 else {
                throw fail("offset \(negative ? "-" : "+")\(TOMLDateTime.pad(hours, 2)):\(TOMLDateTime.pad(minutes, 2)) is out of range (hours 00 to 23, minutes 00 to 59)", at: start)
            }
            offset = (hours * 60 + minutes) * (negative ? -1 : 1)
        default:
            break
        }
        return TOMLDateTime(date: date, time: time, offsetMinutes: offset)
    }

    /// `HH:MM:SS` with optional fractional seconds (kept to the nanosecond, further digits dropped).
    mutating func time(start: Int) throws(TOMLError) -> TOMLDateTime.LocalTime {
        let hour = try digits(2, "a 2-digit hour", start: start)
        try expect(UInt8(ascii: ":"), "a time is written HH:MM:SS", start: start)
        let minute = try digits(2, "2-digit minutes", start: start)
        try expect(UInt8(ascii: ":"), "a time is written HH:MM:SS (seconds are required)", start: start)
        let second = try digits(2, "2-digit seconds", start: start)
        guard hour <= 23, minute <= 59, second <= 59 else {
            throw fail("time \(TOMLDateTime.pad(hour, 2)):\(TOMLDateTime.pad(minute, 2)):\(TOMLDateTime.pad(second, 2)) is out of range (hours 00 to 23, minutes and seconds 00 to 59)", at: start)
        }
        var nanosecond = 0
        if peek() == Self.dot {
            pos += 1
            var count = 0
            while let b = peek(), Self.isDigit(b) {
                if count < 9 { nanosecond = nanosecond * 10 + Int(b - 0x30) }
                count += 1
                pos += 1
            }
            guard count > 0 else { throw fail("expected digits after the '.' of the seconds, found \(found())") }
            for _ in count..<max(count, 9) { nanosecond *= 10 }
        }
        return TOMLDateTime.LocalTime(hour: hour, minute: minute, second: second, nanosecond: nanosecond)
    }

    /// `count` decimal digits at `pos`, as a number.
    mutating func digits(_ count: Int, _ what: String, start: Int) throws(TOMLError) -> Int {
        var value = 0
        for _ in 0..<count {
            guard let b = peek(), Self.isDigit(b) else { throw fail("expected \(what), found \(found())") }
            value = value * 10 + Int(b - 0x30)
            pos += 1
        }
        return value
    }

    mutating func expect(_ byte: UInt8, _ hint: String, start: Int) throws(TOMLError) {
        guard peek() == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))', found \(found()): \(hint)") }
        pos += 1
    }

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
