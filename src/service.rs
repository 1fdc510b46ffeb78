//! What serves a stop: the lines (route + headsign) boarding there, and the departures in a
//! time range. Shared by `gethere stops` and the announcements. Times are absolute instants,
//! found over every service day whose trips can fall in the range, so the range may cross
//! midnight or a DST change.

use crate::router::day_range;
use crate::time::Instant;
use crate::timetable::{CAN_BOARD, RouteIdx, StopIdx, Timetable, TripIdx, Wheelchair};

/// A line as riders see it at a stop: a route towards a headsign.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Line {
    pub route: RouteIdx,
    pub headsign: String,
}

/// One departure from a stop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Departure {
    pub time: Instant,
    /// The service day (index) the trip runs on; after midnight this is still the day before.
    pub day: u32,
    pub stop: StopIdx,
    pub trip: TripIdx,
    pub line: Line,
}

/// The lines one can board at `stop` (any day), sorted by route name then headsign.
pub fn lines_at(tt: &Timetable, stop: StopIdx) -> Vec<Line> {
    let mut v: Vec<Line> = tt
        .patterns_at(stop)
        .filter_map(|(p, pos)| {
            let pat = tt.pattern(p);
            let last = pos + 1 == pat.num_stops;
            let board = tt.pattern_flags(pat)[pos as usize] & CAN_BOARD != 0;
            (board && !last).then(|| Line {
                route: pat.route,
                headsign: tt
                    .headsign(
                        crate::timetable::TripIdx(pat.trips_start),
                        pat,
                        pos as usize,
                    )
                    .to_string(),
            })
        })
        .collect();
    v.sort_by(|a, b| {
        line_name_cmp(
            &tt.routes[a.route.ix()].display_name(),
            &tt.routes[b.route.ix()].display_name(),
        )
        .then_with(|| a.headsign.cmp(&b.headsign))
    });
    v.dedup();
    v
}

/// The order lines are listed in: numbers by their value, so GoDurham's 2 comes before 10 and
/// 3B after 3 ("1, 2, 3, 3B, …, 10, 10B"), the rest as text; ties by the plain text.
pub fn line_name_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn runs(s: &str) -> impl Iterator<Item = &str> {
        let mut rest = s;
        std::iter::from_fn(move || {
            let first = rest.chars().next()?;
            let digit = first.is_ascii_digit();
            let end = rest
                .find(|c: char| c.is_ascii_digit() != digit)
                .unwrap_or(rest.len());
            let (run, tail) = rest.split_at(end);
            rest = tail;
            Some(run)
        })
    }
    let key = |run: &str| {
        let digits = run.trim_start_matches('0');
        // Numbers: shorter (after leading zeros) is smaller, then digit by digit.
        (digits.len(), digits.to_string())
    };
    let (mut x, mut y) = (runs(a), runs(b));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(p), Some(q)) => {
                let pd = p.starts_with(|c: char| c.is_ascii_digit());
                let qd = q.starts_with(|c: char| c.is_ascii_digit());
                let o = match (pd, qd) {
                    (true, true) => key(p).cmp(&key(q)),
                    _ => p.cmp(q),
                };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// Departures from any of `stops` in `[lo, hi]`, sorted by time, then line.
pub fn departures(
    tt: &Timetable,
    stops: &[StopIdx],
    lo: Instant,
    hi: Instant,
    wheelchair: bool,
) -> Vec<Departure> {
    let Some(days) = day_range(tt, lo, hi) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for &s in stops {
        if wheelchair && tt.stop(s).wheelchair != Wheelchair::Accessible {
            continue;
        }
        for (p, pos) in tt.patterns_at(s) {
            let pat = tt.pattern(p);
            if pos + 1 == pat.num_stops || tt.pattern_flags(pat)[pos as usize] & CAN_BOARD == 0 {
                continue;
            }
            let col = tt.dep_column(pat, pos as usize);
            for d in days.clone() {
                let base = tt.day_base(pat.zone, d);
                let from = col.first_at_least(lo - base);
                for k in from..col.len() {
                    let t = base + col.get(k) as i64;
                    if t > hi {
                        break;
                    }
                    let trip = TripIdx(pat.trips_start + k as u32);
                    let tr = tt.trip_rec(pat, k);
                    if !tt.service_active(tr.service, d)
                        || (wheelchair && tr.wheelchair() != Wheelchair::Accessible)
                    {
                        continue;
                    }
                    out.push(Departure {
                        time: t,
                        day: d as u32,
                        stop: s,
                        trip,
                        line: Line {
                            route: pat.route,
                            headsign: tt.headsign(trip, pat, pos as usize).to_string(),
                        },
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| {
        a.time
            .cmp(&b.time)
            .then_with(|| a.line.cmp(&b.line))
            .then_with(|| a.stop.cmp(&b.stop))
            .then_with(|| a.trip.cmp(&b.trip))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::line_name_cmp;

    #[test]
    fn lines_are_in_number_order() {
        let mut v = vec![
            "10B Chapel Hill Rd",
            "2 E. Main St",
            "1 Northgate",
            "10 Chapel Hill Rd",
            "3B Holloway St",
            "3 Holloway St",
            "NHS Northern High School",
            "MAX Green Line",
            "12 E. Main St",
        ];
        v.sort_by(|a, b| line_name_cmp(a, b));
        assert_eq!(
            v,
            [
                "1 Northgate",
                "2 E. Main St",
                "3 Holloway St",
                "3B Holloway St",
                "10 Chapel Hill Rd",
                "10B Chapel Hill Rd",
                "12 E. Main St",
                "MAX Green Line",
                "NHS Northern High School",
            ]
        );
    }
}
