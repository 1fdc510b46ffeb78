//! Properties comparing the router with the reference search ([`super::oracle`]) on random
//! timetables ([`super::builder`]): each case writes a spec as GTFS, compiles it with the
//! library, asks the router and the oracle the same question and compares the sets of
//! (departure, arrival, transfers); every journey the router returns is also replayed against
//! the spec, so a wrong itinerary is caught even when its times are right.
//!
//! Minimal failing cases found this way are pinned as deterministic tests at the bottom.

use super::builder::{Spec, base_dates, spec};
use super::oracle::{self, Kind, OQuery, Triple, WindowRule};
use gethere::router::{Access, FIRST_HORIZON_SECS, Journey, Leg, Query, QueryKind, plan};
use gethere::timetable::{StopIdx, Timetable};
use proptest::prelude::*;

/// Cases per property. Each case compiles a feed and runs the oracle; the four properties at
/// this count take a few seconds in the test profile. `PROPTEST_CASES` overrides it for a
/// longer hunt (`PROPTEST_CASES=20000 cargo test --test cli router_props`).
const CASES: u32 = 500;

pub fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES)
}

/// The window semantics the properties hold the router to. The router implements range-RAPTOR's
/// reading (a journey in the window that a later one matches is dropped); the task's model and
/// the README say "Pareto set of the journeys in the window". The difference is pinned by
/// [`window_keeps_a_journey_matched_by_a_later_one`]; switch this when it is decided.
const WINDOW_RULE: WindowRule = WindowRule::Unbeaten;

/// Query parameters drawn independently of the spec; `ends` is a permutation of the stops
/// from which origins and targets are taken (disjoint).
#[derive(Clone, Debug)]
pub struct Params {
    ends: Vec<usize>,
    n_origins: usize,
    n_targets: usize,
    access: [u32; 4],
    /// The query time is `offset` seconds from a departure of instance `anchor` (most queries
    /// at random times find nothing); `anchor_origin`/`anchor_target` put that instance's first
    /// and last stop among the origins and targets.
    anchor: usize,
    offset: i32,
    anchor_origin: bool,
    anchor_target: bool,
    anchor_chain: bool,
    window: u32,
    max_transfers: u32,
    min_transfer_secs: u32,
    walk_radius_m: u32,
    walk_speed_mps: f64,
    wheelchair: bool,
    /// `--max-duration`; mostly unbounded.
    max_duration: Option<u32>,
}

fn params(n: usize) -> impl Strategy<Value = Params> {
    (
        (
            Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
            1usize..=2,
            1usize..=2,
            prop::array::uniform4(prop_oneof![2 => Just(0u32), 1 => 0u32..=600]),
        ),
        (
            any::<usize>(),
            prop_oneof![
                2 => -3 * 3600i32..=3600,
                1 => (-180i32..=60).prop_map(|m| m * 60),
            ],
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            1800u32..=3 * 3600,
            0u32..=3,
            prop_oneof![
                1 => Just(0u32),
                1 => Just(60u32),
                1 => (0u32..=10).prop_map(|m| m * 60),
                1 => 0u32..=600,
            ],
            prop_oneof![1 => Just(0u32), 2 => 0u32..=1000, 1 => Just(1000u32)],
            prop::sample::select(vec![1.0f64, 1.2, 1.33, 1.5]),
            prop::bool::weighted(0.25),
            prop_oneof![3 => Just(None), 1 => (1u32..=72).prop_map(|h| Some(h * 3600))],
        ),
    )
        .prop_map(
            |(
                (ends, n_origins, n_targets, access),
                (anchor, offset, anchor_origin, anchor_target, anchor_chain),
                (
                    window,
                    max_transfers,
                    min_transfer_secs,
                    walk_radius_m,
                    walk_speed_mps,
                    wheelchair,
                    max_duration,
                ),
            )| Params {
                ends,
                n_origins,
                n_targets,
                access,
                anchor,
                offset,
                anchor_origin,
                anchor_target,
                anchor_chain,
                window,
                max_transfers,
                min_transfer_secs,
                walk_radius_m,
                walk_speed_mps,
                wheelchair,
                max_duration,
            },
        )
}

/// A spec with query parameters fitting it.
pub fn case() -> impl Strategy<Value = (Spec, Params)> {
    spec().prop_flat_map(|s| {
        let n = s.stops.len();
        (Just(s), params(n))
    })
}

/// The oracle query for `p` of `kind`, with a window or not.
pub fn oquery(s: &Spec, p: &Params, kind: Kind, windowed: bool) -> OQuery {
    let mut q = OQuery {
        kind,
        time: 0,
        window: if windowed { p.window } else { 0 },
        origins: Vec::new(),
        targets: Vec::new(),
        max_transfers: p.max_transfers,
        min_transfer_secs: p.min_transfer_secs,
        walk_radius_m: p.walk_radius_m,
        walk_speed_mps: p.walk_speed_mps,
        wheelchair: p.wheelchair,
        horizon: FIRST_HORIZON_SECS,
        max_duration: p.max_duration,
        window_rule: WINDOW_RULE,
    };
    // The anchor: (first stop, last stop, departure, arrival) of one instance, or of a pair of
    // rides that can be chained (so that journeys with a change are asked for often).
    let insts = oracle::instances(s);
    let inst = &insts[p.anchor % insts.len()];
    let n = inst.arr.len();
    let stops = &s.trips[inst.trip].stops;
    let mut anchor = (stops[0], stops[n - 1], inst.dep[0], inst.arr[n - 1]);
    // Half the time, when the spec has rides that stay on board through a continuation, one of
    // those (they are rare among random trips otherwise).
    let mut through_anchor = false;
    if p.anchor.is_multiple_of(2) && !p.anchor_chain {
        let through: Vec<oracle::Ride> = oracle::rides(s, &insts, q.wheelchair)
            .into_iter()
            .filter(|r| r.first_trip != r.last_trip)
            .collect();
        if !through.is_empty() {
            let r = &through[p.anchor / 2 % through.len()];
            anchor = (r.from, r.to, r.dep, r.arr);
            through_anchor = true;
        }
    }
    if p.anchor_chain {
        q.max_transfers = q.max_transfers.max(1);
        let rides = oracle::rides(s, &insts, q.wheelchair);
        let mut chains = Vec::new();
        for a in &rides {
            for b in &rides {
                // A good connection: at most half an hour's wait.
                let ok = oracle::change_secs(s, &q, a.to, b.from, a.last_trip, b.first_trip)
                    .is_some_and(|g| {
                        let slack = b.dep - (a.arr + g as i64);
                        (0..=1800).contains(&slack)
                    });
                // ... that the first trip does not simply continue to.
                let first = &s.trips[insts[a.inst].trip].stops;
                let direct = first[a.board..].contains(&b.to);
                if ok && !direct && b.to != a.from && insts[a.inst].trip != insts[b.inst].trip {
                    chains.push((a.from, b.to, a.dep, b.arr));
                }
            }
        }
        if !chains.is_empty() {
            anchor = chains[p.anchor % chains.len()];
        }
    }
    let mut ends = p.ends.clone();
    let mut put = |stop: usize, at: usize| {
        let k = ends.iter().position(|&e| e == stop).expect("a permutation");
        ends.swap(k, at);
    };
    let pair = p.anchor_chain || through_anchor;
    if p.anchor_origin || pair {
        put(anchor.0, 0);
    }
    if p.anchor_target || pair {
        put(anchor.1, if pair { 1 } else { p.n_origins });
    }
    // Depart-at a little before the anchor leaves, arrive-by a little after it arrives.
    q.time = match kind {
        Kind::DepartAt => anchor.2 + p.offset as i64,
        Kind::ArriveBy => anchor.3 - p.offset as i64,
    };
    // A chain is asked for between its two ends alone: a second origin or target would often
    // offer a direct trip that hides it.
    let (n_origins, n_targets) = match pair {
        true => (1, 1),
        // Three stops leave room for only one target when there are two origins.
        false => (p.n_origins, p.n_targets.min(ends.len() - p.n_origins)),
    };
    q.origins = (0..n_origins).map(|k| (ends[k], p.access[k])).collect();
    q.targets = (0..n_targets)
        .map(|k| (ends[n_origins + k], p.access[2 + k]))
        .collect();
    q
}

fn stop_idx(tt: &Timetable, s: usize) -> StopIdx {
    tt.find_stop_id(&format!("S{s}"))
        .unwrap_or_else(|| panic!("stop S{s} is in the compiled timetable"))
}

/// The platform index of a compiled stop.
fn spec_stop(tt: &Timetable, s: StopIdx) -> Result<usize, String> {
    let id = &tt.stop(s).id;
    id.strip_prefix('S')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("journey uses {id}, which is not a platform"))
}

/// The same question for the router.
pub fn rquery(tt: &Timetable, q: &OQuery) -> Query {
    let access = |&(s, secs): &(usize, u32)| Access {
        stop: stop_idx(tt, s),
        secs,
        metres: secs,
    };
    Query {
        kind: match q.kind {
            Kind::DepartAt => QueryKind::DepartAt,
            Kind::ArriveBy => QueryKind::ArriveBy,
        },
        time: q.time,
        window_secs: q.window,
        origins: q.origins.iter().map(access).collect(),
        targets: q.targets.iter().map(access).collect(),
        max_transfers: q.max_transfers,
        min_transfer_secs: q.min_transfer_secs,
        walk_radius_m: q.walk_radius_m,
        walk_speed_mps: q.walk_speed_mps,
        wheelchair: q.wheelchair,
        max_duration_secs: q.max_duration,
    }
}

pub fn triples(js: &[Journey]) -> Vec<Triple> {
    let mut v: Vec<Triple> = js
        .iter()
        .map(|j| (j.departure, j.arrival, j.transfers()))
        .collect();
    v.sort_unstable();
    v
}

/// Replays a router journey against the spec: every ride is a real trip instance with these
/// times, boarding and alighting are allowed, each change is allowed and long enough, and the
/// journey's departure and arrival follow from its first and last ride.
pub fn check_journey(s: &Spec, tt: &Timetable, q: &OQuery, j: &Journey) -> Result<(), String> {
    struct R {
        to: usize,
        arr: i64,
        trip: usize,
        date: chrono::NaiveDate,
    }
    let mut rides: Vec<R> = Vec::new();
    let mut rides_boarded = 0usize;
    let stays = |n: usize| {
        matches!(
            j.legs.get(n),
            Some(Leg::Transit {
                stay_on_board: true,
                ..
            })
        )
    };
    // Walks seen since the last ride (or the start): (from, to, departure, arrival).
    let mut walks: Vec<(Option<usize>, Option<usize>, i64, i64)> = Vec::new();
    for (n, leg) in j.legs.iter().enumerate() {
        match *leg {
            Leg::Transit {
                trip,
                day,
                from,
                to,
                board_pos,
                alight_pos,
                departure,
                arrival,
                stay_on_board,
            } => {
                let id = tt.trip_id(trip);
                let t: usize = id
                    .strip_prefix('T')
                    .and_then(|x| x.parse().ok())
                    .ok_or_else(|| format!("leg {n}: unknown trip {id}"))?;
                let ts = &s.trips[t];
                let date = tt.date_of(day as usize);
                if !s.services[ts.service].active.contains(&date) {
                    return Err(format!("leg {n}: trip {id} does not run on {date}"));
                }
                let (b, a) = (board_pos as usize, alight_pos as usize);
                if b >= a || a >= ts.stops.len() {
                    return Err(format!("leg {n}: positions {b} → {a} on trip {id}"));
                }
                let continues = stays(n + 1);
                if continues && a + 1 != ts.stops.len() {
                    return Err(format!(
                        "leg {n}: trip {id} is stayed on after position {a}, not its last stop"
                    ));
                }
                if stay_on_board {
                    let p = rides
                        .last()
                        .ok_or_else(|| format!("leg {n}: stays on board after nothing"))?;
                    if !walks.is_empty() || p.date != date {
                        return Err(format!(
                            "leg {n}: stays on board after a walk or on another day"
                        ));
                    }
                    if oracle::continuation(s, p.trip, date) != Some(t) {
                        return Err(format!(
                            "leg {n}: trip T{} does not continue as {id} on {date}",
                            p.trip
                        ));
                    }
                    if b != 0 || (q.wheelchair && ts.wheelchair != 1) {
                        return Err(format!("leg {n}: in-seat continuation entered at {b}"));
                    }
                }
                let (fs, ts_) = (spec_stop(tt, from)?, spec_stop(tt, to)?);
                if ts.stops[b] != fs || ts.stops[a] != ts_ {
                    return Err(format!(
                        "leg {n}: trip {id} calls at S{} and S{}, the leg says S{fs} → S{ts_}",
                        ts.stops[b], ts.stops[a]
                    ));
                }
                let zero = oracle::day_start(date);
                let run = oracle::runs(s, t).into_iter().find(|(ra, rd)| {
                    zero + rd[b] as i64 == departure && zero + ra[a] as i64 == arrival
                });
                if run.is_none() {
                    return Err(format!(
                        "leg {n}: trip {id} on {date} has no run departing {departure} from position {b} and arriving {arrival} at {a}"
                    ));
                }
                if !stay_on_board && !oracle::can_board(s, t, b, q.wheelchair) {
                    return Err(format!(
                        "leg {n}: boarding trip {id} at position {b} is not allowed"
                    ));
                }
                if !continues && !oracle::can_alight(s, t, a, q.wheelchair) {
                    return Err(format!(
                        "leg {n}: alighting from trip {id} at position {a} is not allowed"
                    ));
                }
                if stay_on_board {
                    // Checked above: no change.
                } else if let Some(p) = rides.last() {
                    let g = oracle::change_secs(s, q, p.to, fs, p.trip, t).ok_or_else(|| {
                        format!("leg {n}: changing from S{} to S{fs} is not allowed", p.to)
                    })?;
                    if departure < p.arr + g as i64 {
                        return Err(format!(
                            "leg {n}: change S{} → S{fs} needs {g} s, has {}",
                            p.to,
                            departure - p.arr
                        ));
                    }
                    match walks.as_slice() {
                        [] => {}
                        [(Some(wf), Some(wt), wd, wa)]
                            if *wf == p.to && *wt == fs && *wd >= p.arr && *wa <= departure => {}
                        other => return Err(format!("leg {n}: odd walks before it: {other:?}")),
                    }
                } else {
                    let acc = q.origins.iter().find(|o| o.0 == fs).ok_or_else(|| {
                        format!("journey starts at S{fs}, which is not an origin")
                    })?;
                    if j.departure != departure - acc.1 as i64 {
                        return Err(format!(
                            "journey departure {} is not the first ride's {departure} minus access {}",
                            j.departure, acc.1
                        ));
                    }
                    match walks.as_slice() {
                        [] if acc.1 == 0 => {}
                        [(None, Some(wt), wd, wa)]
                            if *wt == fs && *wd == j.departure && *wa == departure => {}
                        other => return Err(format!("odd access walks: {other:?}")),
                    }
                }
                walks.clear();
                if stay_on_board {
                    rides.pop();
                }
                rides_boarded += usize::from(!stay_on_board);
                rides.push(R {
                    to: ts_,
                    arr: arrival,
                    trip: t,
                    date,
                });
            }
            Leg::Walk {
                from,
                to,
                departure,
                arrival,
                ..
            } => {
                let f = from.map(|x| spec_stop(tt, x)).transpose()?;
                let t = to.map(|x| spec_stop(tt, x)).transpose()?;
                if arrival < departure {
                    return Err(format!("leg {n}: walk arrives before it leaves"));
                }
                walks.push((f, t, departure, arrival));
            }
        }
    }
    let Some(last) = rides.last() else {
        return Err("journey has no ride".into());
    };
    if rides_boarded > q.max_transfers as usize + 1 {
        return Err(format!("{rides_boarded} rides, more than allowed"));
    }
    let egr = q
        .targets
        .iter()
        .find(|t| t.0 == last.to)
        .ok_or_else(|| format!("journey ends at S{}, which is not a target", last.to))?;
    if j.arrival != last.arr + egr.1 as i64 {
        return Err(format!(
            "journey arrival {} is not the last ride's {} plus egress {}",
            j.arrival, last.arr, egr.1
        ));
    }
    match walks.as_slice() {
        [] if egr.1 == 0 => {}
        [(Some(wf), None, wd, wa)] if *wf == last.to && *wd == last.arr && *wa == j.arrival => {}
        other => return Err(format!("odd egress walks: {other:?}")),
    }
    Ok(())
}

/// The bundled street map's graph (central Portland, around the specs' centre), built once.
fn street_graph() -> &'static gethere::walk::StreetGraph {
    static G: std::sync::OnceLock<gethere::walk::StreetGraph> = std::sync::OnceLock::new();
    G.get_or_init(|| {
        gethere::walk::build_graph(gethere::walk::BUNDLED_MAP, "bundled map")
            .expect("the bundled map builds")
    })
}

/// Lays walking links along the bundled street map over `tt` and records them in the spec,
/// which the oracle then walks (the links' distances are checked against a reference Dijkstra
/// in `walk_props`; here the router is checked with them).
pub fn with_streets(s: &Spec, tt: &mut Timetable) -> Spec {
    let links = gethere::walk::links::compute(street_graph(), tt);
    let platform = |x: StopIdx| tt.stop(x).id.strip_prefix('S')?.parse::<usize>().ok();
    let mut sl = super::builder::StreetLinks::default();
    for x in 0..tt.stops.len() as u32 {
        let Some(a) = platform(StopIdx(x)) else {
            continue;
        };
        for (map, list) in [
            (&mut sl.any, links.any.from(StopIdx(x))),
            (&mut sl.step_free, links.step_free.from(StopIdx(x))),
        ] {
            for &(y, m) in list {
                if let Some(b) = platform(y) {
                    map.insert((a, b), m);
                }
            }
        }
    }
    gethere::walk::apply_links(tt, links);
    let mut s = s.clone();
    s.street_links = Some(sl);
    s
}

/// Asks the router and the oracle `q`, checks each router journey, and compares the answers;
/// with walking links along the bundled street map when `streets`.
fn compare_on(s: &Spec, q: &OQuery, streets: bool) -> Result<(), TestCaseError> {
    let (dir, mut tt) = s.compile().map_err(TestCaseError::fail)?;
    let street_spec;
    let s = if streets {
        street_spec = with_streets(s, &mut tt);
        &street_spec
    } else {
        s
    };
    let got = plan(&tt, &rquery(&tt, q)).journeys;
    for j in &got {
        check_journey(s, &tt, q, j)
            .map_err(|e| TestCaseError::fail(format!("invalid journey {j:?}: {e}")))?;
    }
    // The horizon (a day, doubled while nothing is found, up to --max-duration) is part of the
    // definition the oracle implements, so no case is skipped.
    let want = oracle::answer(s, q);
    prop_assert_eq!(triples(&got), want, "feed written to {:?}", dir.path());
    Ok(())
}

/// A third of the cases walk along the bundled street map (the specs lie in central Portland).
fn streets(p: &Params) -> bool {
    (p.anchor / 7).is_multiple_of(3)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Property 1 (and 4): depart-at answers equal the oracle's; every journey is valid.
    #[test]
    fn depart_at_matches_oracle((s, p) in case()) {
        compare_on(&s, &oquery(&s, &p, Kind::DepartAt, false), streets(&p))?;
    }

    /// Property 2 (and 4): arrive-by answers equal the oracle's; every journey is valid.
    #[test]
    fn arrive_by_matches_oracle((s, p) in case()) {
        compare_on(&s, &oquery(&s, &p, Kind::ArriveBy, false), streets(&p))?;
    }

    /// Property 3 (and 4): window queries of 30 min to 3 h, both kinds, equal the oracle's
    /// Pareto sets.
    #[test]
    fn windows_match_oracle((s, p) in case(), arrive_by in any::<bool>()) {
        let kind = if arrive_by { Kind::ArriveBy } else { Kind::DepartAt };
        compare_on(&s, &oquery(&s, &p, kind, true), streets(&p))?;
    }

    /// Property 5: arrive-by is never worse than depart-at: leaving at an arrive-by answer's
    /// departure, depart-at arrives no later.
    #[test]
    fn arrive_by_never_worse_than_depart_at((s, p) in case()) {
        let (_dir, tt) = s.compile().map_err(TestCaseError::fail)?;
        // Unbounded, so that the depart-at search may reach as far as the journey does.
        let ab = OQuery { max_duration: None, ..oquery(&s, &p, Kind::ArriveBy, false) };
        let journeys = plan(&tt, &rquery(&tt, &ab)).journeys;
        for j in journeys {
            let mut da = ab.clone();
            da.kind = Kind::DepartAt;
            da.time = j.departure;
            let best = plan(&tt, &rquery(&tt, &da)).journeys.iter().map(|x| x.arrival).min();
            prop_assert!(
                best.is_some_and(|b| b <= j.arrival),
                "arrive-by gave {:?}; depart-at from {} gave arrival {:?}",
                (j.departure, j.arrival, j.transfers()), j.departure, best
            );
        }
    }
}

#[test]
fn base_dates_cover_both_dst_changes() {
    let [fall, spring, _] = base_dates();
    assert!(fall <= chrono::NaiveDate::from_ymd_opt(2021, 11, 7).expect("date"));
    assert!(spring <= chrono::NaiveDate::from_ymd_opt(2021, 3, 14).expect("date"));
}

// --- pinned cases ----------------------------------------------------------------------------

/// The router's answer to an oracle query, as sorted triples, after checking each journey.
pub fn router_triples(s: &Spec, q: &OQuery) -> Vec<Triple> {
    let (_dir, tt) = s.compile().expect("the spec compiles");
    let js = plan(&tt, &rquery(&tt, q)).journeys;
    for j in &js {
        if let Err(e) = check_journey(s, &tt, q, j) {
            panic!("invalid journey {j:?}: {e}");
        }
    }
    triples(&js)
}

/// Two trips a → b: X leaves 07:10 and arrives 08:00, Y leaves 07:40 and arrives 08:00 too.
fn window_spec() -> (Spec, usize, usize) {
    let base = base_dates()[2];
    let mut s = Spec::empty(base);
    let (a, b) = (s.stop(0.0, 0.0), s.stop(0.0, 3000.0));
    let v = s.service(&[base]);
    let m = |h: u32, min: u32| h * 3600 + min * 60;
    s.trip(v, &[(a, m(7, 10), m(7, 10)), (b, m(8, 0), m(8, 0))]);
    s.trip(v, &[(a, m(7, 40), m(7, 40)), (b, m(8, 0), m(8, 0))]);
    (s, a, b)
}

fn window_query(s: &Spec, kind: Kind, a: usize, b: usize, rule: WindowRule) -> OQuery {
    let zero = oracle::day_start(s.base_date);
    OQuery {
        kind,
        time: zero + 7 * 3600,
        window: 1800,
        origins: vec![(a, 0)],
        targets: vec![(b, 0)],
        max_transfers: 0,
        min_transfer_secs: 0,
        walk_radius_m: 0,
        walk_speed_mps: 1.0,
        wheelchair: false,
        horizon: FIRST_HORIZON_SECS,
        max_duration: None,
        window_rule: rule,
    }
}

/// Window semantics (decided; README): a journey leaving in the window is reported only if no
/// journey leaving later — inside or after the window — arrives as early with no more
/// transfers. Depart-at 07:00 with a 30 min window: X leaves 07:10 and arrives 08:00, but Y,
/// leaving 07:40 (after the window), arrives at 08:00 too, so nothing in the window is worth
/// suggesting; `gethere plan` then says when the next journey leaves. The in-window-only
/// reading would answer X (and, on real feeds, journeys such as "ride one stop the wrong way
/// and wait six hours").
#[test]
fn window_drops_a_journey_beaten_by_a_later_one() {
    let (s, a, b) = window_spec();
    let zero = oracle::day_start(s.base_date);
    let q = window_query(&s, Kind::DepartAt, a, b, WindowRule::Unbeaten);
    assert_eq!(oracle::answer(&s, &q), vec![]);
    assert_eq!(router_triples(&s, &q), vec![]);
    let q = window_query(&s, Kind::DepartAt, a, b, WindowRule::InWindow);
    assert_eq!(
        oracle::answer(&s, &q),
        vec![(zero + 7 * 3600 + 600, zero + 8 * 3600, 0)]
    );
}

/// The arrive-by mirror: window 07:30–08:00 by arrival; W leaves 07:00 and arrives 07:50, but
/// Z leaves at 07:00 too and arrives at 07:20 (before the window): W is not worth suggesting.
#[test]
fn arrive_by_window_drops_a_journey_beaten_by_an_earlier_arrival() {
    let base = base_dates()[2];
    let mut s = Spec::empty(base);
    let (a, b) = (s.stop(0.0, 0.0), s.stop(0.0, 3000.0));
    let v = s.service(&[base]);
    let m = |h: u32, min: u32| h * 3600 + min * 60;
    s.trip(v, &[(a, m(7, 0), m(7, 0)), (b, m(7, 20), m(7, 20))]);
    s.trip(v, &[(a, m(7, 0), m(7, 0)), (b, m(7, 50), m(7, 50))]);
    let zero = oracle::day_start(base);
    let mut q = window_query(&s, Kind::ArriveBy, a, b, WindowRule::Unbeaten);
    q.time = zero + 8 * 3600;
    assert_eq!(oracle::answer(&s, &q), vec![]);
    assert_eq!(router_triples(&s, &q), vec![]);
}

/// Fixed router bug (journeys of about 24 h): depart-at 00:00 to b, with a 10 min walk from b. Trips
/// a → b leave 00:01:40 and 00:05:00 and both arrive 23:59:59. The answer arrives 00:09:59
/// next day and should leave at 00:05:00 (the latest departure arriving as early); the router
/// says 00:01:40. Its backward "latest departure" pass starts from the arrival *including*
/// the walk and only looks 24 h back from there, so it cannot see boardings before 00:10:00;
/// it then falls back to the forward pass's journey, which boarded the first trip.
#[test]
fn depart_at_leaves_as_late_as_possible_on_a_24h_journey() {
    let base = base_dates()[2];
    let mut s = Spec::empty(base);
    let (a, b) = (s.stop(0.0, 0.0), s.stop(0.0, 3000.0));
    let v = s.service(&[base]);
    s.trip(v, &[(a, 100, 100), (b, 86399, 86399)]);
    s.trip(v, &[(a, 300, 300), (b, 86399, 86399)]);
    let zero = oracle::day_start(base);
    let mut q = window_query(&s, Kind::DepartAt, a, b, WindowRule::InWindow);
    q.time = zero;
    q.window = 0;
    q.targets = vec![(b, 600)];
    let want = vec![(zero + 300, zero + 86399 + 600, 0)];
    assert_eq!(oracle::answer(&s, &q), want);
    assert_eq!(router_triples(&s, &q), want);
}

/// The arrive-by mirror: arrive by 23:59:59 at b from a, with a 10 min walk to a. Trips a → b
/// both leave 00:01:40; one arrives 23:56:40, the other 23:59:59. The answer leaves 23:51:40
/// the evening before and should arrive 23:56:40 (the earliest arrival leaving that late);
/// the router says 23:59:59: its forward "earliest arrival" pass looks only 24 h on from the
/// departure *including* the walk, sees neither trip arrive, and falls back to the backward
/// pass's journey.
#[test]
fn arrive_by_arrives_as_early_as_possible_on_a_24h_journey() {
    let base = base_dates()[2];
    let mut s = Spec::empty(base);
    let (a, b) = (s.stop(0.0, 0.0), s.stop(0.0, 3000.0));
    let v = s.service(&[base]);
    s.trip(v, &[(a, 100, 100), (b, 86200, 86200)]);
    s.trip(v, &[(a, 100, 100), (b, 86399, 86399)]);
    let zero = oracle::day_start(base);
    let mut q = window_query(&s, Kind::ArriveBy, a, b, WindowRule::InWindow);
    q.time = zero + 86399;
    q.window = 0;
    q.origins = vec![(a, 600)];
    let want = vec![(zero + 100 - 600, zero + 86200, 0)];
    assert_eq!(oracle::answer(&s, &q), want);
    assert_eq!(router_triples(&s, &q), want);
}

/// b → c → d, two trips of one pattern that tie at c: the early one (b 08:00, c 08:10,
/// d 08:20) and the late one (b 08:05, c 08:10, d 08:30).
fn tie_spec() -> (Spec, [usize; 3]) {
    let base = base_dates()[2];
    let mut s = Spec::empty(base);
    let (b, c, d) = (s.stop(0.0, 0.0), s.stop(0.0, 3000.0), s.stop(0.0, 6000.0));
    let v = s.service(&[base]);
    let m = |h: u32, min: u32| h * 3600 + min * 60;
    s.trip(
        v,
        &[
            (b, m(8, 0), m(8, 0)),
            (c, m(8, 10), m(8, 10)),
            (d, m(8, 20), m(8, 20)),
        ],
    );
    s.trip(
        v,
        &[
            (b, m(8, 5), m(8, 5)),
            (c, m(8, 10), m(8, 10)),
            (d, m(8, 30), m(8, 30)),
        ],
    );
    (s, [b, c, d])
}

/// Fixed router bug: a trip that ties with the current one at a stop is never switched to, even when
/// it is better further on. Depart-at 08:00 from b (3 min walk) or c (10 min walk) to d:
/// the rider can catch the late trip at b (08:05) or either trip at c (08:10); the early trip
/// from c reaches d at 08:20. The router boards the late trip at b and, at c, keeps it because
/// the early trip's departure there is not *strictly* earlier: it answers 08:02 → 08:30.
#[test]
fn depart_at_switches_to_a_tied_trip_that_arrives_earlier() {
    let (s, [b, c, d]) = tie_spec();
    let zero = oracle::day_start(s.base_date);
    let mut q = window_query(&s, Kind::DepartAt, b, d, WindowRule::InWindow);
    q.time = zero + 8 * 3600;
    q.window = 0;
    q.origins = vec![(b, 180), (c, 600)];
    let want = vec![(zero + 8 * 3600, zero + 8 * 3600 + 1200, 0)];
    assert_eq!(oracle::answer(&s, &q), want);
    assert_eq!(router_triples(&s, &q), want);
}

/// The arrive-by mirror (found by `arrive_by_matches_oracle`): b → c → d with an early trip
/// (b 07:50, c 08:10, d 08:15) and a late one (b 08:00, c 08:10, d 08:25). Arrive by 08:20 at
/// d, or at c followed by a 10 min walk. The late trip from b to c leaves latest (08:00, in at
/// 08:20 after the walk); the router boards the early trip backwards at d and keeps it at c
/// where the two tie, answering 07:50 → 08:15.
#[test]
fn arrive_by_switches_to_a_tied_trip_that_leaves_later() {
    let base = base_dates()[2];
    let mut s = Spec::empty(base);
    let (b, c, d) = (s.stop(0.0, 0.0), s.stop(0.0, 3000.0), s.stop(0.0, 6000.0));
    let v = s.service(&[base]);
    let m = |h: u32, min: u32| h * 3600 + min * 60;
    s.trip(
        v,
        &[
            (b, m(7, 50), m(7, 50)),
            (c, m(8, 10), m(8, 10)),
            (d, m(8, 15), m(8, 15)),
        ],
    );
    s.trip(
        v,
        &[
            (b, m(8, 0), m(8, 0)),
            (c, m(8, 10), m(8, 10)),
            (d, m(8, 25), m(8, 25)),
        ],
    );
    let zero = oracle::day_start(base);
    let mut q = window_query(&s, Kind::ArriveBy, b, d, WindowRule::InWindow);
    q.time = zero + m(8, 20) as i64;
    q.window = 0;
    q.targets = vec![(d, 0), (c, 600)];
    let want = vec![(zero + m(8, 0) as i64, zero + m(8, 20) as i64, 0)];
    assert_eq!(oracle::answer(&s, &q), want);
    assert_eq!(router_triples(&s, &q), want);
}

/// Journeys of two and three days through the spring-forward night, with a direct train and a
/// faster one with a change: trip X a → c leaves 16:40 and arrives 90:00 (three days on); trip
/// Y a → b leaves 16:50 and arrives 62:55, trip Z b → c leaves 21:30 the day Y arrives and
/// arrives 36:00. Depart-at finds nothing within a day, nor two; within four days it finds
/// the change (arriving first) and the direct train (no change, later): both are in the
/// answer. With --max-duration 60 h nothing is found; both kinds and a window agree with the
/// oracle.
#[test]
fn multi_day_journeys_through_a_dst_night() {
    let base = base_dates()[1];
    let mut s = Spec::empty(base);
    let (a, b, c) = (
        s.stop(0.0, 0.0),
        s.stop(0.0, 3000.0),
        s.stop(3000.0, 3000.0),
    );
    let day = |k: u64| base + chrono::Days::new(k);
    let v = s.service(&[day(1), day(2), day(3), day(4)]);
    let m = |h: u32, min: u32| h * 3600 + min * 60;
    s.trip(v, &[(a, m(16, 40), m(16, 40)), (c, m(90, 0), m(90, 0))]);
    s.trip(v, &[(a, m(16, 50), m(16, 50)), (b, m(62, 55), m(62, 55))]);
    s.trip(v, &[(b, m(21, 30), m(21, 30)), (c, m(36, 0), m(36, 0))]);
    let d1 = oracle::day_start(day(1));
    let d3 = oracle::day_start(day(3));
    let mut q = window_query(&s, Kind::DepartAt, a, c, WindowRule::Unbeaten);
    q.time = d1 + m(16, 0) as i64;
    q.window = 0;
    q.max_transfers = 1;
    q.min_transfer_secs = 60;
    let want = vec![
        (d1 + m(16, 40) as i64, d1 + m(90, 0) as i64, 0),
        (d1 + m(16, 50) as i64, d3 + m(36, 0) as i64, 1),
    ];
    // The change crosses the spring-forward night of 14 March 2021.
    assert_eq!(
        day(1),
        chrono::NaiveDate::from_ymd_opt(2021, 3, 13).expect("date")
    );
    assert!(want[1].1 - want[1].0 > 2 * 86400 && want[0].1 - want[0].0 > 3 * 86400);
    assert!(want[1].1 < want[0].1);
    assert_eq!(oracle::answer(&s, &q), want);
    assert_eq!(router_triples(&s, &q), want);
    // Arrive-by at the direct train's arrival.
    let mut ab = q.clone();
    ab.kind = Kind::ArriveBy;
    ab.time = d1 + m(90, 0) as i64;
    assert_eq!(oracle::answer(&s, &ab), router_triples(&s, &ab));
    assert!(!router_triples(&s, &ab).is_empty());
    let mut w = ab.clone();
    w.window = 3600;
    assert_eq!(oracle::answer(&s, &w), router_triples(&s, &w));
    // Bounded: 60 h is not enough for either.
    q.max_duration = Some(60 * 3600);
    assert_eq!(oracle::answer(&s, &q), vec![]);
    assert_eq!(router_triples(&s, &q), vec![]);
}

/// No journey of any length: a → b runs, nothing reaches c. After the first day finds nothing,
/// the router proves that no day would do (`router::reach`) instead of searching every day of
/// the feed: one search, and the answer says the whole service was covered.
#[test]
fn unreachable_target_stops_the_horizon_at_once() {
    let base = base_dates()[2];
    let mut s = Spec::empty(base);
    let (a, b, c) = (
        s.stop(0.0, 0.0),
        s.stop(0.0, 3000.0),
        s.stop(3000.0, 3000.0),
    );
    let days: Vec<_> = (0..5).map(|k| base + chrono::Days::new(k)).collect();
    let v = s.service(&days);
    s.trip(v, &[(a, 8 * 3600, 8 * 3600), (b, 9 * 3600, 9 * 3600)]);
    // c is served, but only by a trip from b that never lets anyone off there.
    s.trip(v, &[(c, 10 * 3600, 10 * 3600), (b, 11 * 3600, 11 * 3600)]);
    let mut q = window_query(&s, Kind::DepartAt, a, c, WindowRule::Unbeaten);
    q.window = 0;
    q.time = oracle::day_start(base) + 7 * 3600;
    assert_eq!(oracle::answer(&s, &q), vec![]);
    let (_dir, tt) = s.compile().expect("the spec compiles");
    let p = plan(&tt, &rquery(&tt, &q));
    assert!(p.journeys.is_empty());
    assert!(p.horizon.whole_feed, "{:?}", p.horizon);
    assert_eq!(p.counters.iterations, 1, "{:?}", p.counters);
    // Reachable (a → b) over the same days: found in the first horizon.
    q.targets = vec![(b, 0)];
    let p = plan(&tt, &rquery(&tt, &q));
    assert_eq!(p.journeys.len(), 1);
    assert_eq!(p.horizon.secs, FIRST_HORIZON_SECS);
}

/// A feed whose arrivals all equal their departures is compiled without an arrival column
/// (most bus feeds); one dwell anywhere keeps it. Either way every stop time reads back as
/// written.
#[test]
fn arrivals_equal_to_departures_are_stored_once() {
    for dwell in [0, 60] {
        let mut s = Spec::empty(base_dates()[0]);
        let (a, b, c) = (s.stop(0.0, 0.0), s.stop(0.0, 800.0), s.stop(0.0, 1600.0));
        let sv = s.service(&base_dates());
        s.trip(
            sv,
            &[
                (a, 8 * 3600, 8 * 3600),
                (b, 8 * 3600 + 300, 8 * 3600 + 300 + dwell),
                (c, 8 * 3600 + 700, 8 * 3600 + 700),
            ],
        );
        s.trip(
            sv,
            &[
                (a, 9 * 3600, 9 * 3600),
                (b, 9 * 3600 + 300, 9 * 3600 + 300),
                (c, 9 * 3600 + 700, 9 * 3600 + 700),
            ],
        );
        let (_dir, tt) = s.compile().unwrap();
        assert_eq!(tt.arr.is_empty(), dwell == 0, "dwell {dwell}");
        let p = &tt.patterns[0];
        let dep_b: Vec<u32> = (0..2).map(|k| tt.dep_at(p, k, 1)).collect();
        let arr_b: Vec<u32> = (0..2).map(|k| tt.arr_at(p, k, 1)).collect();
        assert_eq!(arr_b, [8 * 3600 + 300, 9 * 3600 + 300]);
        assert_eq!(dep_b, [8 * 3600 + 300 + dwell, 9 * 3600 + 300]);
        assert_eq!(tt.arr_column(p, 1).to_vec(), arr_b);
    }
}
