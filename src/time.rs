//! Time in gethere: service days, the GTFS "noon minus 12h" rule, time zones, and parsing what
//! users type.
//!
//! A GTFS stop time is a number of seconds since "noon minus 12 hours" of its *service day* in
//! the agency time zone. On most days that is local midnight; on DST days it is not (on the
//! spring-forward day `01:30:00` is 01:30 PDT-minus-an-hour on the wall clock, on the fall-back
//! day there are two 01:30s). We never use a fixed 86 400-second day: every service day gets the
//! UTC instant of its own "noon minus 12h", and a stop time becomes an absolute instant as
//! `day_start[day] + seconds`. Times past 24:00 (or 48:00) then simply land on the next day.

use crate::error::{Error, Result};
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

/// Seconds since the Unix epoch (UTC). The router works on these, so days with 23 or 25 hours
/// and trips crossing midnight need no special cases.
pub type Instant = i64;

/// The UTC instant of "noon minus 12h" of `date` in `tz`: the zero of GTFS times on that
/// service day.
pub fn service_day_start(tz: Tz, date: NaiveDate) -> Instant {
    let noon = date.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN));
    let utc_noon = match tz.from_local_datetime(&noon) {
        LocalResult::Single(t) => t.timestamp(),
        LocalResult::Ambiguous(a, _) => a.timestamp(),
        // No real zone skips noon, but a hand-made one could: fall back to the UTC offset of
        // the instant one hour later.
        LocalResult::None => {
            let later = noon + Duration::hours(1);
            tz.from_local_datetime(&later)
                .earliest()
                .map(|t| t.timestamp() - 3600)
                .unwrap_or_else(|| noon.and_utc().timestamp())
        }
    };
    utc_noon - 12 * 3600
}

/// The local calendar date of an instant in `tz`.
pub fn local_date(tz: Tz, t: Instant) -> NaiveDate {
    to_local(tz, t).date_naive()
}

/// An instant as a zoned date-time.
pub fn to_local(tz: Tz, t: Instant) -> DateTime<Tz> {
    tz.timestamp_opt(t, 0).single().unwrap_or_else(|| {
        tz.timestamp_opt(0, 0)
            .single()
            .expect("epoch is representable")
    })
}

/// `17:04`, the way a rider reads a departure. In the hour that happens twice on the night
/// clocks go back, the zone abbreviation is added (`01:33 PDT`, `01:18 PST`): without it
/// "arrive 01:33" for "arrive by 01:30" would look wrong even when it is right.
pub fn format_hm(tz: Tz, t: Instant) -> String {
    let local = to_local(tz, t);
    if matches!(
        tz.from_local_datetime(&local.naive_local()),
        LocalResult::Ambiguous(..)
    ) {
        local.format("%H:%M %Z").to_string()
    } else {
        local.format("%H:%M").to_string()
    }
}

/// RFC 3339 with the local offset, e.g. `2021-11-07T01:30:00-08:00`.
pub fn format_iso(tz: Tz, t: Instant) -> String {
    to_local(tz, t).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// Formats GTFS seconds-of-service-day as `HH:MM:SS` (may exceed 24:00).
pub fn format_gtfs_time(secs: u32) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Parses a date `2021-06-02` (also `20210602`, the GTFS form).
pub fn parse_date(input: &str) -> Result<NaiveDate> {
    let s = input.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y%m%d"))
        .map_err(|e| {
            Error::bad_input(
                "date",
                input,
                format!("{e}; expected YYYY-MM-DD, e.g. 2021-11-07"),
            )
        })
}

/// Parses a user time: `2021-06-02T17:30` (local time in the feed's zone `tz`), with seconds,
/// with a space instead of `T`, or with an explicit offset (`2021-06-02T17:30-07:00`, `…Z`).
///
/// A local time that does not exist (inside the spring-forward gap) is an error that says so.
/// A local time that happens twice (the fall-back hour) means the first occurrence; pass an
/// explicit offset to pick the second.
pub fn parse_user_time(input: &str, tz: Tz) -> Result<Instant> {
    let s = input.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%dT%H:%M%#z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Ok(t.timestamp());
        }
    }
    if let Some(stripped) = s.strip_suffix('Z') {
        for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
            if let Ok(t) = NaiveDateTime::parse_from_str(stripped, fmt) {
                return Ok(t.and_utc().timestamp());
            }
        }
    }
    let mut local = None;
    for fmt in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            local = Some(t);
            break;
        }
    }
    let Some(local) = local else {
        let why = match s.split_once(['T', ' ']) {
            Some((d, _)) if parse_date(d).is_err() => {
                format!("'{d}' is not a calendar date; expected YYYY-MM-DDTHH:MM, e.g. 2021-06-02T17:30")
            }
            _ => "expected YYYY-MM-DDTHH:MM in the feed's time zone (e.g. 2021-06-02T17:30), or with an offset (2021-06-02T17:30-07:00)".to_string(),
        };
        return Err(Error::bad_input("time", input, why));
    };
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.timestamp()),
        LocalResult::Ambiguous(first, _) => Ok(first.timestamp()),
        LocalResult::None => Err(Error::bad_input(
            "time",
            input,
            format!(
                "{local} does not exist in {tz} (clocks spring forward that night); pick another time or give an offset"
            ),
        )),
    }
}

/// Parses a duration such as `2h`, `90m`, `90min`, `1h30m`, `45s`, or a bare number of minutes
/// followed by `m`. A bare number without a unit is refused: `30` could be seconds or minutes.
pub fn parse_duration(input: &str) -> Result<u32> {
    let s = input.trim().to_ascii_lowercase();
    let bad = |why: &str| Error::bad_input("duration", input, why.to_string());
    if s.is_empty() {
        return Err(bad("empty; write e.g. 30m, 2h or 1h30m"));
    }
    let mut total: u64 = 0;
    let mut rest = s.as_str();
    while !rest.is_empty() {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(bad(
                "expected a number followed by d, h, m or s, e.g. 30m, 2h or 1h30m",
            ));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| bad("number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        let unit = &rest[..unit_len];
        rest = rest[unit_len..].trim_start();
        let factor = match unit {
            "d" | "day" | "days" => 86400,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "" => return Err(bad("a unit is required (h, m or s), e.g. 30m")),
            _ => return Err(bad("unknown unit; use d, h, m or s, e.g. 1h30m")),
        };
        total = total.saturating_add(n.saturating_mul(factor));
    }
    if total > 7 * 24 * 3600 {
        return Err(bad(
            "longer than a week; a transit search window of that size makes no sense",
        ));
    }
    u32::try_from(total).map_err(|_| bad("too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::Los_Angeles;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn noon_minus_12h_is_local_midnight_on_ordinary_days() {
        let t = service_day_start(Los_Angeles, d(2021, 11, 6));
        assert_eq!(format_iso(Los_Angeles, t), "2021-11-06T00:00:00-07:00");
    }

    #[test]
    fn noon_minus_12h_on_fall_back_day_is_one_hour_after_midnight() {
        // 2021-11-07: clocks go from 02:00 PDT back to 01:00 PST. Noon is PST (-08:00), 13 real
        // hours after midnight PDT, so noon minus 12h is 01:00 PDT.
        let t = service_day_start(Los_Angeles, d(2021, 11, 7));
        assert_eq!(format_iso(Los_Angeles, t), "2021-11-07T01:00:00-07:00");
        // GTFS 01:00:00 that day is the *second* 01:00 (PST); from then on GTFS times equal the
        // wall clock. Times in the repeated hour carry their zone.
        assert_eq!(format_hm(Los_Angeles, t), "01:00 PDT");
        assert_eq!(format_hm(Los_Angeles, t + 3600), "01:00 PST");
        assert_eq!(
            format_iso(Los_Angeles, t + 3600),
            "2021-11-07T01:00:00-08:00"
        );
        assert_eq!(format_hm(Los_Angeles, t + 17 * 3600 + 30 * 60), "17:30");
    }

    #[test]
    fn noon_minus_12h_on_spring_forward_day_is_before_midnight() {
        // 2021-03-14: 02:00 PST jumps to 03:00 PDT. Noon is PDT (-07:00), 11 real hours after
        // midnight PST, so noon minus 12h is 23:00 PST the evening before.
        let t = service_day_start(Los_Angeles, d(2021, 3, 14));
        assert_eq!(format_iso(Los_Angeles, t), "2021-03-13T23:00:00-08:00");
        assert_eq!(
            format_iso(Los_Angeles, t + 9 * 3600),
            "2021-03-14T09:00:00-07:00"
        );
    }

    #[test]
    fn parses_local_and_offset_times() {
        let a = parse_user_time("2021-06-02T17:30", Los_Angeles).unwrap();
        let b = parse_user_time("2021-06-02T17:30-07:00", Los_Angeles).unwrap();
        let c = parse_user_time("2021-06-03T00:30Z", Los_Angeles).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
    }

    #[test]
    fn nonexistent_local_time_is_an_error_and_ambiguous_takes_first() {
        let e = parse_user_time("2021-03-14T02:30", Los_Angeles).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        let first = parse_user_time("2021-11-07T01:30", Los_Angeles).unwrap();
        assert_eq!(format_iso(Los_Angeles, first), "2021-11-07T01:30:00-07:00");
    }

    #[test]
    fn impossible_dates_are_rejected() {
        let e = parse_user_time("2021-02-30T10:00", Los_Angeles).unwrap_err();
        assert!(e.to_string().contains("not a calendar date"), "{e}");
        assert!(parse_date("2021-02-30").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2h").unwrap(), 7200);
        assert_eq!(parse_duration("1h30m").unwrap(), 5400);
        assert_eq!(parse_duration("90min").unwrap(), 5400);
        assert_eq!(parse_duration("45s").unwrap(), 45);
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("-5m").is_err());
        assert!(parse_duration("9999h").is_err());
    }
}
