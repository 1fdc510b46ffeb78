//! iCalendar (RFC 5545) rendering: one VEVENT at the venue, with the directions in its
//! description, and times in the venue's (the feed's) time zone.
//!
//! `icalendar` builds the event (escaping, line folding). A `TZID` must refer to a VTIMEZONE
//! in the same calendar, which that crate does not generate, so [`vtimezone`] writes one from
//! chrono-tz: the zone's real offset changes in the years around the event.
//!
//! Determinism: the UID is derived from the venue and start; DTSTAMP is `--now` when given,
//! else the event start (RFC 5545 wants "when this was created", which a cron job re-running
//! unchanged input must not make different).

use super::Announcement;
use super::text::{Style, render};
use crate::time::Instant;
use crate::timetable::Timetable;
use chrono::{Offset, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, CalendarDateTime, Component, EventLike};

/// Renders the announcement as a calendar with one event.
pub fn render_ics(a: &Announcement, tt: &Timetable, dtstamp: Instant) -> String {
    let tz = tt.tz();
    let local = |t: Instant| CalendarDateTime::WithTimezone {
        date_time: crate::time::to_local(tz, t).naive_local(),
        tzid: tz.name().to_string(),
    };
    let start = a.event.start_t;
    let end = a.event.end_t.unwrap_or(start + 3600);
    let uid = format!(
        "{}@gethere",
        &blake3::hash(format!("{}|{}", a.venue.key, a.event.start).as_bytes()).to_hex()[..24]
    );
    let location = match &a.venue.address {
        Some(addr) => format!("{}, {addr}", a.venue.name),
        None => a.venue.name.clone(),
    };
    let stamp = Utc
        .timestamp_opt(dtstamp, 0)
        .single()
        .unwrap_or_else(|| Utc.timestamp_opt(0, 0).single().unwrap_or_default());
    let event = icalendar::Event::new()
        .uid(&uid)
        .timestamp(stamp)
        .summary(&a.venue.name)
        .location(&location)
        .description(&render(a, tt, Style::Text))
        .starts(local(start))
        .ends(local(end))
        .done();
    let mut cal = Calendar::new();
    cal.name(&format!("How to get to {}", a.venue.name));
    cal.push(event);
    let text = cal.done().to_string();
    // PRODID and the VTIMEZONE go before the first component.
    let vtz = vtimezone(tz, start);
    match text.find("BEGIN:VEVENT") {
        Some(i) => format!("{}{}{}", &text[..i], vtz, &text[i..]),
        None => text,
    }
}

/// A VTIMEZONE for `tz` listing each offset change from the year before `around` to the year
/// after, plus the offset in force at its start.
pub fn vtimezone(tz: Tz, around: Instant) -> String {
    let year = crate::time::to_local(tz, around).format("%Y").to_string();
    let year: i32 = year.parse().unwrap_or(2000);
    let from = Utc
        .with_ymd_and_hms(year - 1, 1, 1, 0, 0, 0)
        .single()
        .map(|t| t.timestamp())
        .unwrap_or(around - 366 * 86400);
    let to = from + 3 * 366 * 86400;
    let offset = |t: Instant| {
        tz.offset_from_utc_datetime(
            &Utc.timestamp_opt(t, 0)
                .single()
                .unwrap_or_default()
                .naive_utc(),
        )
        .fix()
        .local_minus_utc()
    };
    let fmt_off = |secs: i32| {
        let sign = if secs < 0 { '-' } else { '+' };
        let a = secs.abs();
        format!("{sign}{:02}{:02}", a / 3600, a / 60 % 60)
    };
    let abbr = |t: Instant| crate::time::to_local(tz, t).format("%Z").to_string();
    let mut out = format!("BEGIN:VTIMEZONE\r\nTZID:{}\r\n", tz.name());
    let mut parts = Vec::new();
    // Find each change by hourly steps, then to the second by bisection.
    let mut prev = offset(from);
    let mut t = from;
    while t < to {
        let next = t + 3600;
        let o = offset(next);
        if o != prev {
            let (mut lo, mut hi) = (t, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset(mid) == prev {
                    lo = mid
                } else {
                    hi = mid
                }
            }
            parts.push((hi, prev, o));
            prev = o;
        }
        t = next;
    }
    if parts.is_empty() {
        parts.push((from, prev, prev));
    }
    for (at, off_from, off_to) in parts {
        let kind = if off_to > off_from {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        // DTSTART is the local time just before the change, in the old offset.
        let local = Utc
            .timestamp_opt(at + off_from as i64, 0)
            .single()
            .unwrap_or_default()
            .format("%Y%m%dT%H%M%S");
        out.push_str(&format!(
            "BEGIN:{kind}\r\nDTSTART:{local}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\nTZNAME:{}\r\nEND:{kind}\r\n",
            fmt_off(off_from),
            fmt_off(off_to),
            abbr(at)
        ));
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn los_angeles_2021_has_the_real_transitions() {
        let around = Utc
            .with_ymd_and_hms(2021, 11, 2, 0, 0, 0)
            .unwrap()
            .timestamp();
        let v = vtimezone(chrono_tz::America::Los_Angeles, around);
        assert!(
            v.contains(
                "DTSTART:20211107T020000\r\nTZOFFSETFROM:-0700\r\nTZOFFSETTO:-0800\r\nTZNAME:PST"
            ),
            "{v}"
        );
        assert!(
            v.contains(
                "DTSTART:20210314T020000\r\nTZOFFSETFROM:-0800\r\nTZOFFSETTO:-0700\r\nTZNAME:PDT"
            ),
            "{v}"
        );
    }
}
