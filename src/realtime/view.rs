//! Realtime facts of a journey leg, for the itinerary view (JSON and text): scheduled times,
//! delay, the alerts that inform the ride, and the scheduled options that were cancelled.

use super::AlertView;
use crate::router::{Journey, Leg};
use crate::time::{Instant, format_iso};
use crate::timetable::{StopIdx, Timetable, TripIdx};
use serde::Serialize;

/// Realtime fields of a leg; all absent when the run has no realtime input.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LegLive {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_departure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_arrival: Option<String>,
    /// Arrival delay at the alighting stop (seconds; negative = early).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_s: Option<i64>,
    /// Whether the times come from a trip update (`false`: the schedule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realtime: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<AlertView>,
    #[serde(skip)]
    pub sched_dep_t: Option<Instant>,
    #[serde(skip)]
    pub sched_arr_t: Option<Instant>,
}

/// The realtime facts of a transit leg (trip `t` on `day`, positions `board..=alight`).
#[allow(clippy::too_many_arguments)]
pub fn leg(
    tt: &Timetable,
    t: TripIdx,
    day: u32,
    from: StopIdx,
    to: StopIdx,
    board: u32,
    alight: u32,
    dep: Instant,
    arr: Instant,
) -> LegLive {
    let Some(o) = tt.realtime.as_deref() else {
        return LegLive::default();
    };
    let tz = tt.tz();
    let alerts: Vec<AlertView> = o
        .alerts
        .iter()
        .filter(|a| a.active_during(dep, arr) && a.about_ride(tt, t, &[from, to]))
        .cloned()
        .collect();
    match o.trip(t) {
        Some(rt) => {
            let base = tt.day_base(tt.pattern_of(t).zone, day as usize);
            let sd = base + rt.sched_dep[board as usize] as i64;
            let sa = base + rt.sched_arr[alight as usize] as i64;
            let added = rt.original.is_none();
            LegLive {
                scheduled_departure: (!added).then(|| format_iso(tz, sd)),
                scheduled_arrival: (!added).then(|| format_iso(tz, sa)),
                delay_s: (!added).then_some(arr - sa),
                realtime: Some(true),
                alerts,
                sched_dep_t: (!added).then_some(sd),
                sched_arr_t: (!added).then_some(sa),
            }
        }
        None => LegLive {
            scheduled_departure: Some(format_iso(tz, dep)),
            scheduled_arrival: Some(format_iso(tz, arr)),
            delay_s: None,
            realtime: Some(false),
            alerts,
            sched_dep_t: None,
            sched_arr_t: None,
        },
    }
}

/// " (scheduled 17:15, +8 min)" for a realtime time that differs from the schedule, " (on
/// time)" for a realtime time that does not, "" otherwise.
pub fn note(tz: chrono_tz::Tz, live: &LegLive, actual: Instant, sched: Option<Instant>) -> String {
    if live.realtime != Some(true) {
        return String::new();
    }
    let Some(s) = sched else {
        return " (added trip)".into();
    };
    let d = actual - s;
    if d.abs() < 60 {
        return " (on time)".into();
    }
    let mins = (d.abs() + 30) / 60;
    let sign = if d > 0 { '+' } else { '-' };
    format!(
        " (scheduled {}, {sign}{mins} min)",
        crate::time::format_hm(tz, s)
    )
}

/// A scheduled option that realtime took away.
#[derive(Clone, Debug, Serialize)]
pub struct CancelledView {
    pub departure: String,
    pub arrival: String,
    pub trip_id: String,
    pub route: String,
    pub from: String,
    /// `cancelled` (the trip does not run) or `skipped` (a stop of the ride is skipped).
    pub reason: &'static str,
    #[serde(skip)]
    pub dep_t: Instant,
    /// When the journey would have left (its first leg, walking included).
    #[serde(skip)]
    pub leave_t: Instant,
}

/// The journeys of the schedule-only answer that realtime removed: a ride on a cancelled trip
/// instance, or boarding/alighting at a stop the realtime trip skips.
pub fn cancelled(sched: &Timetable, live: &Timetable, journeys: &[Journey]) -> Vec<CancelledView> {
    let Some(o) = live.realtime.as_deref() else {
        return Vec::new();
    };
    let tz = sched.tz();
    let mut out = Vec::new();
    for j in journeys {
        for l in &j.legs {
            let Leg::Transit {
                trip,
                day,
                from,
                board_pos,
                alight_pos,
                departure,
                ..
            } = *l
            else {
                continue;
            };
            let skipped = o.trips.values().any(|rt| {
                rt.original == Some(trip)
                    && rt.day == day
                    && (rt.skipped[board_pos as usize] || rt.skipped[alight_pos as usize])
            });
            let reason = if o.is_cancelled(trip, day) {
                "cancelled"
            } else if skipped {
                "skipped"
            } else {
                continue;
            };
            let t = sched.trip(trip);
            out.push(CancelledView {
                departure: format_iso(tz, j.departure),
                arrival: format_iso(tz, j.arrival),
                trip_id: sched.trip_id(trip).to_string(),
                route: sched.routes[t.route.ix()].display_name(),
                from: sched.stops[from.ix()].name.clone(),
                reason,
                dep_t: departure,
                leave_t: j.departure,
            });
            break;
        }
    }
    out
}

/// Alerts about stop `s` (or its station) or about a line serving it, active during
/// `[at, at + window]` (any time when `at` is not given).
pub fn stop_alerts(tt: &Timetable, s: StopIdx, at: Option<Instant>, window: u32) -> Vec<AlertView> {
    let Some(o) = tt.realtime.as_deref() else {
        return Vec::new();
    };
    let routes: Vec<crate::timetable::RouteIdx> = {
        let mut v: Vec<_> = tt
            .patterns_at(s)
            .map(|(p, _)| tt.pattern(p).route)
            .collect();
        v.sort();
        v.dedup();
        v
    };
    o.alerts
        .iter()
        .filter(|a| match at {
            Some(t) => a.active_during(t, t + window as i64),
            None => true,
        })
        .filter(|a| a.about_stop(tt, s) || routes.iter().any(|&r| a.about_route(tt, r)))
        .cloned()
        .collect()
}

/// Alerts for an announcement: about its nearby stops, their lines, or a leg of its journeys,
/// and active from two hours before the event to its end (or three hours after its start).
pub fn announce_alerts(
    tt: &Timetable,
    stops: &[crate::announce::StopView],
    lines: &[crate::announce::LineView],
    journeys: &[crate::announce::OriginView],
    start: Instant,
    end: Option<Instant>,
) -> Vec<AlertView> {
    let Some(o) = tt.realtime.as_deref() else {
        return Vec::new();
    };
    let (from, to) = (start - 2 * 3600, end.unwrap_or(start + 3 * 3600));
    let stop_idx: Vec<StopIdx> = stops
        .iter()
        .flat_map(|s| s.stop_ids.iter())
        .filter_map(|id| tt.find_stop_id(id))
        .collect();
    let routes: Vec<crate::timetable::RouteIdx> = lines
        .iter()
        .filter_map(|l| tt.routes.iter().position(|r| r.id == l.route_id))
        .map(|i| crate::timetable::RouteIdx(i as u32))
        .collect();
    let mut out: Vec<AlertView> = o
        .alerts
        .iter()
        .filter(|a| a.active_during(from, to))
        .filter(|a| {
            stop_idx.iter().any(|&s| a.about_stop(tt, s))
                || routes.iter().any(|&r| a.about_route(tt, r))
        })
        .cloned()
        .collect();
    for j in journeys {
        for opt in &j.options {
            for l in &opt.itinerary.legs {
                for a in &l.live.alerts {
                    if !out.iter().any(|x| x.id == a.id && x.header == a.header) {
                        out.push(a.clone());
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.header.cmp(&b.header)));
    out
}

/// Realtime fields of a departure in `stops`; absent without realtime input.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DepartureLive {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_s: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realtime: Option<bool>,
    #[serde(skip)]
    pub sched_t: Option<Instant>,
}

/// The realtime facts of trip `t` departing `stop` at `time` on service day `day`.
pub fn departure(
    tt: &Timetable,
    t: TripIdx,
    day: u32,
    stop: StopIdx,
    time: Instant,
) -> DepartureLive {
    let Some(o) = tt.realtime.as_deref() else {
        return DepartureLive::default();
    };
    let Some(rt) = o.trip(t) else {
        return DepartureLive {
            realtime: Some(false),
            ..Default::default()
        };
    };
    let p = tt.pattern_of(t);
    let base = tt.day_base(p.zone, day as usize);
    let k = (t.0 - p.trips_start) as usize;
    let pos = tt
        .pattern_stops(p)
        .iter()
        .enumerate()
        .position(|(i, &s)| s == stop && base + tt.dep_at(p, k, i) as i64 == time);
    let sched = match (pos, rt.original) {
        (Some(i), Some(_)) => Some(base + rt.sched_dep[i] as i64),
        _ => None,
    };
    DepartureLive {
        scheduled: sched.map(|s| format_iso(tt.tz(), s)),
        delay_s: sched.map(|s| time - s),
        realtime: Some(true),
        sched_t: sched,
    }
}
