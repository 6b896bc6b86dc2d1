//! Calendar dates written YYYY-MM-DD: checking, and adding days.

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
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
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    };
    Ok(format(secs.div_euclid(86_400)))
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
        assert!(parse("2026-11-29") < parse("2026-11-30"));
    }
}
