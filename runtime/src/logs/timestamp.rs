//! Timestamps as Datadog reads them: RFC 3339, UTC, milliseconds, computed without a date
//! library.

use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// `time` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds truncated).
pub(crate) fn push_timestamp(out: &mut Vec<u8>, time: SystemTime) {
    // Whole seconds and milliseconds since the epoch, rounded down (also before 1970).
    let (secs, millis) = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => (i64::try_from(after.as_secs()).unwrap_or(i64::MAX), after.subsec_millis()),
        Err(before) => {
            let before = before.duration();
            let secs = i64::try_from(before.as_secs()).unwrap_or(i64::MAX).saturating_neg();
            match before.subsec_nanos() {
                0 => (secs, 0),
                nanos => (secs - 1, (1_000_000_000 - nanos) / 1_000_000),
            }
        }
    };
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let second_of_day = secs.rem_euclid(86_400);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    );
}

/// The proleptic Gregorian date of a day counted from 1970-01-01, as (year, month, day).
///
/// Howard Hinnant's `civil_from_days`: shift the year to start on March 1st, so the leap day
/// ends it, then split into 400-year eras of 146 097 days, years of the era, and days of the year.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468; // 0000-03-01 is day 0.
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097); // [0, 146096]
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let month_from_march = (5 * day_of_year + 2) / 153; // [0, 11]
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1; // [1, 31]
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 }; // [1, 12]
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Both fit: day is in [1, 31] and month in [1, 12].
    (year, u32::try_from(month).unwrap_or(0), u32::try_from(day).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn timestamp(time: SystemTime) -> String {
        let mut out = Vec::new();
        push_timestamp(&mut out, time);
        String::from_utf8(out).unwrap()
    }

    fn at(secs: i64, millis: u64) -> SystemTime {
        let base = if secs >= 0 {
            UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
        } else {
            UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
        };
        base + Duration::from_millis(millis)
    }

    #[test]
    fn timestamps_of_known_dates() {
        let cases = [
            (0, 0, "1970-01-01T00:00:00.000Z"),
            (1_795_628_564, 123, "2026-11-25T17:42:44.123Z"),
            (951_868_799, 999, "2000-02-29T23:59:59.999Z"), // leap day of a year divisible by 400
            (951_868_800, 0, "2000-03-01T00:00:00.000Z"),
            (1_709_208_000, 7, "2024-02-29T12:00:00.007Z"),
            (1_677_628_799, 0, "2023-02-28T23:59:59.000Z"), // no leap day: next is March 1st
            (1_677_628_800, 0, "2023-03-01T00:00:00.000Z"),
            (4_107_542_399, 0, "2100-02-28T23:59:59.000Z"), // centuries are not leap years
            (4_107_542_400, 0, "2100-03-01T00:00:00.000Z"),
            (1_682_899_199, 0, "2023-04-30T23:59:59.000Z"), // 30-day month
            (1_682_899_200, 0, "2023-05-01T00:00:00.000Z"),
            (1_735_689_599, 500, "2024-12-31T23:59:59.500Z"), // day 366 of a leap year
            (1_735_689_600, 0, "2025-01-01T00:00:00.000Z"),
            (253_402_300_799, 999, "9999-12-31T23:59:59.999Z"),
            (-1, 0, "1969-12-31T23:59:59.000Z"),
            (-1, 999, "1969-12-31T23:59:59.999Z"),
            (-2_203_891_200, 0, "1900-03-01T00:00:00.000Z"),
            (-11_670_998_400, 0, "1600-02-29T00:00:00.000Z"),
        ];
        for (secs, millis, expected) in cases {
            assert_eq!(timestamp(at(secs, millis)), expected, "{secs}s + {millis}ms");
        }
        // Sub-millisecond parts are truncated, also before the epoch (rounded down in time).
        assert_eq!(timestamp(UNIX_EPOCH + Duration::from_nanos(1_999_999)), "1970-01-01T00:00:00.001Z");
        assert_eq!(timestamp(UNIX_EPOCH - Duration::from_nanos(1)), "1969-12-31T23:59:59.999Z");
        assert_eq!(timestamp(UNIX_EPOCH - Duration::from_nanos(1_000_001)), "1969-12-31T23:59:59.998Z");
    }

    #[test]
    fn civil_dates_match_a_day_by_day_calendar() {
        fn days_in_month(year: i64, month: u32) -> u32 {
            match month {
                2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            }
        }
        // Walk forward from 1600-01-01 (day -135140) across more than 800 years, one day at a time.
        let mut date = (1600, 1, 1);
        for days in -135_140..=170_000 {
            assert_eq!(civil_from_days(days), date, "day {days}");
            let (year, month, day) = date;
            date = if day < days_in_month(year, month) {
                (year, month, day + 1)
            } else if month < 12 {
                (year, month + 1, 1)
            } else {
                (year + 1, 1, 1)
            };
        }
    }
}
