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
        .iter()
        .filter_map(|&(p, pos)| {
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
        tt.routes[a.route.ix()]
            .display_name()
            .cmp(&tt.routes[b.route.ix()].display_name())
            .then_with(|| a.headsign.cmp(&b.headsign))
    });
    v.dedup();
    v
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
        for &(p, pos) in tt.patterns_at(s) {
            let pat = tt.pattern(p);
            if pos + 1 == pat.num_stops || tt.pattern_flags(pat)[pos as usize] & CAN_BOARD == 0 {
                continue;
            }
            let col = tt.dep_column(pat, pos as usize);
            for d in days.clone() {
                let base = tt.day_start[d];
                let from = col.partition_point(|&x| base + (x as i64) < lo);
                for (k, &x) in col.iter().enumerate().skip(from) {
                    let t = base + x as i64;
                    if t > hi {
                        break;
                    }
                    let trip = TripIdx(pat.trips_start + k as u32);
                    let tr = tt.trip(trip);
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
