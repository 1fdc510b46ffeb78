//! `gethere meet`: where should we meet? A people × venues table of journeys arriving by one
//! time, venues ranked by how many people can get there and how long the trips are, and the
//! winner with each person's journey.
//!
//! Every cell is the answer `gethere plan --from PERSON --to VENUE --arrive-by TIME` lists
//! first (the latest departure, shown with the earliest arrival from it), with the same
//! routing options, or "no way" when nothing leaves within `--max-duration` before the time.
//! The table is computed with one backward search per venue for all people
//! ([`crate::router::profile`]); [`Sharing::PerCell`] asks `plan` cell by cell instead, and
//! the tests hold the two equal. With `--window`, each cell is the person's shortest trip
//! arriving in the window among `plan --window`'s answers (asked cell by cell).
//!
//! The result is one [`Meet`] model (the JSON form); text, markdown and HTML render it.

pub mod origins;
pub mod render;

use crate::app::Routing;
use crate::cli::Rank;
use crate::itinerary::{Itinerary, Point, place_point};
use crate::place::Resolved;
use crate::router::{self, Journey, QueryKind, raptor::Counters};
use crate::time::{Instant, format_iso};
use crate::timetable::Timetable;
use serde::Serialize;

/// What a table is asked for.
#[derive(Clone, Copy, Debug)]
pub struct MeetOptions {
    /// Arrive at or before this.
    pub time: Instant,
    /// Arrive in `[time − window, time]`; 0 for "by time".
    pub window_secs: u32,
    /// A journey counts when it leaves at or after `time − window − max`.
    pub max_secs: u32,
    pub routing: Routing,
}

/// How the table is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    /// One `router::plan` per cell: the reference.
    PerCell,
    /// One backward search per venue for everyone (falls back to per cell with a window, and
    /// for a person whose own stops are among the venue's).
    Shared,
}

/// One cell of the table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// The journey.
    Journey(Journey),
    /// The person's place is at the venue's stops: nothing to plan (`plan` refuses the pair).
    Here,
    /// No journey leaves within the bound.
    None,
}

impl Cell {
    /// Door-to-door seconds; 0 when already there.
    pub fn duration(&self) -> Option<i64> {
        match self {
            Cell::Journey(j) => Some(j.arrival - j.departure),
            Cell::Here => Some(0),
            Cell::None => None,
        }
    }
}

/// The cells, `[venue][person]`, and the search counters.
#[derive(Clone, Debug)]
pub struct Table {
    pub cells: Vec<Vec<Cell>>,
    pub counters: Counters,
}

/// The earliest departure a journey may have to count.
fn earliest(o: &MeetOptions) -> Instant {
    o.time - o.window_secs as i64 - o.max_secs as i64
}

/// The cell for one pair from `plan`'s answer: the first itinerary (no window), or the
/// shortest trip arriving in the window (ties: later departure, fewer transfers, `plan`'s
/// order).
pub fn cell_from_plan(o: &MeetOptions, journeys: &[Journey]) -> Cell {
    let pick = if o.window_secs == 0 {
        journeys.first()
    } else {
        journeys
            .iter()
            .enumerate()
            .min_by_key(|(i, j)| {
                (
                    j.arrival - j.departure,
                    std::cmp::Reverse(j.departure),
                    j.transfers(),
                    *i,
                )
            })
            .map(|(_, j)| j)
    };
    match pick {
        Some(j) if j.departure >= earliest(o) => Cell::Journey(j.clone()),
        _ => Cell::None,
    }
}

/// One cell asked of `plan`, as `gethere plan` asks it.
pub fn plan_cell(
    tt: &Timetable,
    o: &MeetOptions,
    person: &Resolved,
    venue: &Resolved,
    counters: &mut Counters,
) -> Cell {
    let Some(q) = o
        .routing
        .query(QueryKind::ArriveBy, o.time, o.window_secs, person, venue)
    else {
        return Cell::Here;
    };
    let p = router::plan(tt, &q);
    counters.add(&p.counters);
    cell_from_plan(o, &p.journeys)
}

/// `f(i)` for every `i < n`, spread over the available cores; results in index order, so
/// they do not depend on the scheduling.
fn par_map<T: Send>(n: usize, f: impl Fn(usize, &mut Counters) -> T + Sync) -> (Vec<T>, Counters) {
    let workers = std::thread::available_parallelism()
        .map(|c| c.get())
        .unwrap_or(1)
        .min(n)
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        let mut counters = Counters::default();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= n {
                break (done, counters);
            }
            done.push((i, f(i, &mut counters)));
        }
    };
    let parts: Vec<(Vec<(usize, T)>, Counters)> = if workers == 1 {
        vec![work()]
    } else {
        std::thread::scope(|sc| {
            let handles: Vec<_> = (0..workers).map(|_| sc.spawn(work)).collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        })
    };
    let mut counters = Counters::default();
    let mut all = Vec::with_capacity(n);
    for (done, c) in parts {
        counters.add(&c);
        all.extend(done);
    }
    all.sort_by_key(|x| x.0);
    (all.into_iter().map(|x| x.1).collect(), counters)
}

/// Computes the table.
///
/// Shared (no window): first one backward search per venue gives every person's latest
/// departure ([`router::profile::latest_departures`]); then, per person, the earliest
/// arrivals from those departures, one forward search per distinct departure
/// ([`router::profile::earliest_arrivals`]). Pairs whose stops overlap, and every pair with a
/// window, are asked of `plan` one by one.
pub fn table(
    tt: &Timetable,
    venues: &[Resolved],
    people: &[Resolved],
    o: &MeetOptions,
    sharing: Sharing,
) -> Table {
    let shared = sharing == Sharing::Shared && o.window_secs == 0;
    let max = (o.time - earliest(o)).clamp(0, u32::MAX as i64) as u32;
    // Per venue: cells asked of plan, and latest departures for the others.
    type Row = (Vec<Option<Cell>>, Vec<Option<router::profile::Latest>>);
    let (rows, mut counters): (Vec<Row>, Counters) = par_map(venues.len(), |vi, counters| {
        let v = &venues[vi];
        let mut cells: Vec<Option<Cell>> = vec![None; people.len()];
        let mut latest = vec![None; people.len()];
        let apart = |i: usize| {
            !people[i]
                .access
                .iter()
                .any(|a| v.access.iter().any(|b| a.stop == b.stop))
        };
        let (together, apart): (Vec<usize>, Vec<usize>) =
            (0..people.len()).partition(|&i| !(shared && apart(i)));
        for i in together {
            cells[i] = Some(plan_cell(tt, o, &people[i], v, counters));
        }
        if let Some(&first) = apart.first()
            && let Some(q) = o
                .routing
                .query(QueryKind::ArriveBy, o.time, 0, &people[first], v)
        {
            let acc: Vec<&[router::Access]> =
                apart.iter().map(|&i| people[i].access.as_slice()).collect();
            let ls = router::profile::latest_departures(tt, &q, &acc, max, counters);
            for (&i, l) in apart.iter().zip(ls) {
                match l {
                    Some(l) => latest[i] = Some(l),
                    None => cells[i] = Some(Cell::None),
                }
            }
        }
        (cells, latest)
    });
    // Per person: the earliest arrivals from those departures.
    let (arrivals, c2) = par_map(people.len(), |pi, counters| {
        let dests: Vec<(&[router::Access], &router::profile::Latest)> = rows
            .iter()
            .zip(venues)
            .filter_map(|((_, latest), v)| Some((v.access.as_slice(), latest[pi].as_ref()?)))
            .collect();
        if dests.is_empty() {
            return Vec::new();
        }
        let q = router::Query {
            kind: QueryKind::ArriveBy,
            time: o.time,
            window_secs: 0,
            origins: people[pi].access.clone(),
            targets: Vec::new(),
            max_transfers: o.routing.max_transfers,
            min_transfer_secs: o.routing.min_transfer_secs,
            walk_radius_m: o.routing.walk_radius_m,
            walk_speed_mps: o.routing.walk_speed_mps,
            wheelchair: o.routing.wheelchair,
            max_duration_secs: o.routing.max_duration_secs,
        };
        router::profile::earliest_arrivals(tt, &q, &dests, counters)
    });
    counters.add(&c2);
    // Each person's arrivals are for the venues with a latest departure, in venue order.
    let asked: Vec<Vec<bool>> = rows
        .iter()
        .map(|(_, latest)| latest.iter().map(Option::is_some).collect())
        .collect();
    let mut cells: Vec<Vec<Cell>> = rows
        .into_iter()
        .map(|(c, _)| c.into_iter().map(|c| c.unwrap_or(Cell::None)).collect())
        .collect();
    for (pi, js) in arrivals.into_iter().enumerate() {
        let mut js = js.into_iter();
        for (vi, row) in cells.iter_mut().enumerate() {
            if asked[vi][pi]
                && let Some(j) = js.next()
            {
                row[pi] = Cell::Journey(j);
            }
        }
    }
    Table { cells, counters }
}

/// A person as shown: their label and starting point.
#[derive(Clone, Debug, Serialize)]
pub struct PersonView {
    pub label: String,
    pub from: Point,
}

/// One cell as shown.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum CellView {
    Reached {
        person: String,
        from: Point,
        departure: String,
        arrival: String,
        duration_s: i64,
        transfers: u32,
        /// True when the person is already at the venue's stops.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        here: bool,
        #[serde(skip)]
        dep_t: Instant,
    },
    None {
        person: String,
        from: Point,
        none: bool,
    },
}

impl CellView {
    /// The minutes shown for this cell: between its departure and arrival as clock times show
    /// them ([`crate::itinerary::shown_minutes`]), so the table agrees with the journeys below it.
    pub fn shown_minutes(&self) -> Option<i64> {
        match self {
            CellView::Reached {
                duration_s, dep_t, ..
            } => Some(crate::itinerary::shown_minutes(*dep_t, dep_t + duration_s)),
            CellView::None { .. } => None,
        }
    }

    pub fn duration_s(&self) -> Option<i64> {
        match self {
            CellView::Reached { duration_s, .. } => Some(*duration_s),
            CellView::None { .. } => None,
        }
    }
}

/// A venue's row: how many people reach it, the measures over those who do, every cell.
#[derive(Clone, Debug, Serialize)]
pub struct VenueRow {
    pub venue: Point,
    /// The venue key, when the venue is one from the venues file.
    pub key: Option<String>,
    pub reachable: usize,
    pub worst_s: Option<i64>,
    pub mean_s: Option<i64>,
    pub median_s: Option<i64>,
    pub cells: Vec<CellView>,
    /// Each person's journey, for the winner only (`null` when no way or already there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journeys: Option<Vec<Option<Itinerary>>>,
}

/// The whole `meet` answer: venues in ranked order, cells in the people's order.
#[derive(Clone, Debug, Serialize)]
pub struct Meet {
    pub arrive_by: String,
    pub timezone: String,
    pub window_s: u32,
    pub max_duration_s: u32,
    pub rank: Rank,
    pub max_transfers: u32,
    pub min_transfer_time_s: u32,
    pub walk_radius_m: u32,
    pub walk_speed_mps: f64,
    pub wheelchair: bool,
    pub people: Vec<PersonView>,
    pub venues: Vec<VenueRow>,
    #[serde(skip)]
    pub(crate) time: Instant,
}

impl Meet {
    /// The winning venue: the first ranked, when anyone reaches it.
    pub fn winner(&self) -> Option<&VenueRow> {
        self.venues.first().filter(|v| v.reachable > 0)
    }
}

/// Ranking key parts over the reachable durations: (worst, sum, 2 × median).
type Measures = (i64, i64, i64);

fn measures(d: &[i64]) -> Option<Measures> {
    if d.is_empty() {
        return None;
    }
    let mut s = d.to_vec();
    s.sort_unstable();
    let n = s.len();
    let median2 = if n % 2 == 1 {
        2 * s[n / 2]
    } else {
        s[n / 2 - 1] + s[n / 2]
    };
    Some((s[n - 1], s.iter().sum(), median2))
}

/// Venue order: more people reaching it first; then the measure (smaller first), ties by the
/// mean, then the order the venues were given. Venues nobody reaches keep their order, last.
pub fn ranking(durations: &[Vec<Option<i64>>], rank: Rank) -> Vec<usize> {
    let keys: Vec<(usize, Option<Measures>)> = durations
        .iter()
        .map(|row| {
            let d: Vec<i64> = row.iter().flatten().copied().collect();
            (d.len(), measures(&d))
        })
        .collect();
    let mut order: Vec<usize> = (0..durations.len()).collect();
    order.sort_by(|&a, &b| {
        let (na, ma) = keys[a];
        let (nb, mb) = keys[b];
        nb.cmp(&na)
            .then_with(|| match (ma, mb) {
                (Some(x), Some(y)) => {
                    // Means compared as sums: both rows reach the same number of people.
                    let primary = match rank {
                        Rank::Worst => x.0.cmp(&y.0),
                        Rank::Mean => x.1.cmp(&y.1),
                        Rank::Median => x.2.cmp(&y.2),
                    };
                    primary.then(x.1.cmp(&y.1))
                }
                _ => std::cmp::Ordering::Equal,
            })
            .then(a.cmp(&b))
    });
    order
}

/// Builds the model: ranks the venues and renders every cell and the winner's journeys.
pub fn build(
    tt: &Timetable,
    venues: &[Resolved],
    people: &[(String, Resolved)],
    o: &MeetOptions,
    rank: Rank,
    table: &Table,
    streets: Option<&crate::walk::Streets>,
) -> Meet {
    let tz = tt.tz();
    let pviews: Vec<PersonView> = people
        .iter()
        .map(|(label, p)| PersonView {
            label: label.clone(),
            from: place_point(p, tt),
        })
        .collect();
    let durations: Vec<Vec<Option<i64>>> = table
        .cells
        .iter()
        .map(|row| row.iter().map(Cell::duration).collect())
        .collect();
    let order = ranking(&durations, rank);
    let rows = order
        .iter()
        .enumerate()
        .map(|(pos, &vi)| {
            let v = &venues[vi];
            let row = &table.cells[vi];
            let cells: Vec<CellView> = row
                .iter()
                .zip(&pviews)
                .map(|(c, p)| match c {
                    Cell::Journey(j) => CellView::Reached {
                        person: p.label.clone(),
                        from: p.from.clone(),
                        departure: format_iso(tz, j.departure),
                        arrival: format_iso(tz, j.arrival),
                        duration_s: j.arrival - j.departure,
                        transfers: j.transfers(),
                        here: false,
                        dep_t: j.departure,
                    },
                    Cell::Here => CellView::Reached {
                        person: p.label.clone(),
                        from: p.from.clone(),
                        departure: format_iso(tz, o.time),
                        arrival: format_iso(tz, o.time),
                        duration_s: 0,
                        transfers: 0,
                        here: true,
                        dep_t: o.time,
                    },
                    Cell::None => CellView::None {
                        person: p.label.clone(),
                        from: p.from.clone(),
                        none: true,
                    },
                })
                .collect();
            let d: Vec<i64> = durations[vi].iter().flatten().copied().collect();
            let m = measures(&d);
            let n = d.len() as i64;
            let journeys = (pos == 0 && !d.is_empty()).then(|| {
                row.iter()
                    .zip(people)
                    .map(|(c, (_, p))| match c {
                        Cell::Journey(j) => {
                            let q = o.routing.query(
                                QueryKind::ArriveBy,
                                o.time,
                                o.window_secs,
                                p,
                                v,
                            )?;
                            let mut view =
                                crate::itinerary::view(tt, &q, p, v, std::slice::from_ref(j));
                            // Walk legs along the streets, exactly as `plan` shows them.
                            if let Some(s) = streets {
                                view.describe_walks(
                                    s,
                                    p,
                                    v,
                                    o.routing.walk_speed_mps,
                                    o.routing.wheelchair,
                                );
                            }
                            // Priced for the feed's default rider, as `plan` prices them.
                            if let Ok(rider) = tt.fares.rider(None) {
                                view.price(tt, std::slice::from_ref(j), &rider);
                            }
                            view.itineraries.pop()
                        }
                        _ => None,
                    })
                    .collect()
            });
            VenueRow {
                venue: place_point(v, tt),
                key: v.venue.clone(),
                reachable: d.len(),
                worst_s: m.map(|m| m.0),
                // Rounded to the nearest second, halves up.
                mean_s: m.map(|m| (2 * m.1 + n) / (2 * n)),
                median_s: m.map(|m| (m.2 + 1) / 2),
                cells,
                journeys,
            }
        })
        .collect();
    Meet {
        arrive_by: format_iso(tz, o.time),
        timezone: tt.timezone.clone(),
        window_s: o.window_secs,
        max_duration_s: o.max_secs,
        rank,
        max_transfers: o.routing.max_transfers,
        min_transfer_time_s: o.routing.min_transfer_secs,
        walk_radius_m: o.routing.walk_radius_m,
        walk_speed_mps: o.routing.walk_speed_mps,
        wheelchair: o.routing.wheelchair,
        people: pviews,
        venues: rows,
        time: o.time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_by_reach_then_measure_then_mean_then_order() {
        let d = vec![
            vec![Some(600), Some(1200), None],       // 2 people
            vec![Some(900), Some(900), Some(1800)],  // 3, worst 1800, sum 3600
            vec![Some(300), Some(1800), Some(1500)], // 3, worst 1800, sum 3600: tie → order
            vec![Some(1700), Some(1700), Some(100)], // 3, worst 1700
            vec![None, None, None],
        ];
        assert_eq!(ranking(&d, Rank::Worst), vec![3, 1, 2, 0, 4]);
        assert_eq!(ranking(&d, Rank::Mean), vec![3, 1, 2, 0, 4]);
        // Medians: 900, 1500, 1700.
        assert_eq!(ranking(&d, Rank::Median), vec![1, 2, 3, 0, 4]);
        let tie = vec![vec![Some(600), Some(1200)], vec![Some(1200), Some(1000)]];
        // Same worst (1200): the smaller mean wins.
        assert_eq!(ranking(&tie, Rank::Worst), vec![0, 1]);
    }

    #[test]
    fn median_of_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(measures(&[100, 400, 200, 300]), Some((400, 1000, 500)));
        assert_eq!(measures(&[7]), Some((7, 7, 14)));
        assert_eq!(measures(&[]), None);
    }
}
