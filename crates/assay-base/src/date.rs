//! Calendar dates written `YYYY-MM-DD` and RFC 3339 timestamps, in UTC,
//! by Howard Hinnant's civil-date algorithms (proleptic Gregorian).

use std::time::SystemTime;

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A date's day number, if `text` is a real date written YYYY-MM-DD.
pub fn parse(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = &text[r];
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (m, d) = (u32::try_from(m).ok()?, u32::try_from(d).ok()?);
    let n = days_from_civil(y, m, d);
    // Round-trips only for a real date (no 2026-02-30).
    (civil_from_days(n) == (y, m, d)).then_some(n)
}

/// Whether `text` is a real date written YYYY-MM-DD.
pub fn is_date(text: &str) -> bool {
    parse(text).is_some()
}

/// Write a day number as YYYY-MM-DD.
pub fn format(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `date` plus `days`.
pub fn add_days(date: &str, days: i64) -> Option<String> {
    parse(date).map(|n| format(n + days))
}

/// Today (UTC), or the date of `SOURCE_DATE_EPOCH` when it is set (an
/// error when it is set to something that is not seconds since 1970).
pub fn today() -> Result<String, String> {
    let secs = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("SOURCE_DATE_EPOCH must be seconds since 1970, not '{s}'"))?,
        Err(_) => SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    };
    Ok(format(secs.div_euclid(86_400)))
}

/// How finely [`rfc3339`] writes the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// `2026-11-28T23:59:59Z`
    Seconds,
    /// `2026-11-28T23:59:59.000Z`
    Milliseconds,
}

/// A time in UTC as RFC 3339.
pub fn rfc3339(t: SystemTime, precision: Precision) -> String {
    let since = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    let time = format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60);
    match precision {
        Precision::Seconds => format!("{y:04}-{m:02}-{d:02}T{time}Z"),
        Precision::Milliseconds => {
            format!("{y:04}-{m:02}-{d:02}T{time}.{:03}Z", since.subsec_millis())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_add_and_refuse_impossible_days() {
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(add_days("2026-11-29", 365).as_deref(), Some("2027-11-29"));
        assert_eq!(add_days("2028-02-28", 1).as_deref(), Some("2028-02-29"));
        assert_eq!(parse("2026-02-30"), None);
        assert_eq!(parse("2026-13-01"), None);
        assert_eq!(parse("26-1-1"), None);
        assert_eq!(parse("2026-1a-01"), None);
        assert!(parse("2026-11-29") < parse("2026-11-30"));
        assert!(is_date("2000-02-29") && !is_date("1900-02-29"));
    }

    #[test]
    fn rfc3339_times() {
        let at = |s: u64| SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(s);
        let ms = |s| rfc3339(at(s), Precision::Milliseconds);
        assert_eq!(ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(ms(951_782_400), "2000-02-29T00:00:00.000Z");
        assert_eq!(ms(1_795_910_399), "2026-11-28T23:59:59.000Z");
        assert_eq!(ms(4_107_542_400), "2100-03-01T00:00:00.000Z");
        assert_eq!(
            rfc3339(at(1_795_910_399), Precision::Seconds),
            "2026-11-28T23:59:59Z"
        );
    }

    /// Every day of four centuries round-trips.
    #[test]
    fn civil_round_trips() {
        for n in -200_000..200_000 {
            let (y, m, d) = civil_from_days(n);
            assert_eq!(days_from_civil(y, m, d), n);
        }
    }
}
