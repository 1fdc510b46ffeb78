//! The coarse cell graph: a lower bound on the time between any two stops, for goal-directed
//! pruning of the search (`router::lower`).
//!
//! Every stop gets a *cell* (a square of a grid over the stops' coordinates; stops without
//! coordinates share one extra cell). Between two different cells there is an edge whose
//! weight is no more than the time of any way the router moves a rider from a stop of the
//! one to a stop of the other:
//! - **rides**: for every pattern hop (consecutive stops i → i+1) the minimum over its trips
//!   (a frequency pattern's runs share its offsets) of `arr[i+1] − dep[i]`, clamped at 0. A
//!   ride from i to j takes the sum of its hops and of its dwells `dep − arr` at the stops in
//!   between; only when no dwell of the pattern is negative is that sum at least the sum of the
//!   hops' minima, so a pattern with a stop whose departure is before its arrival gets 0 on all
//!   its hops. Stop times are seconds of one service day's "noon minus 12h" for the whole trip,
//!   so a difference of two of them is elapsed real time, across midnight, DST nights and days
//!   (the router reads every event as `day_base + time`).
//! - **staying on board** (`rules::continuations`): 0 from a trip's last stop to its
//!   continuation's first stop. A valid continuation departs no earlier than the trip arrives
//!   (`meets`), in the same feed (so the same zone and day base): the seated time is ≥ 0.
//! - **transfers.txt** rows between stops, route- and trip-specific rules: 0 (whatever their
//!   type; a forbidden one is never used, so an edge for it only weakens the bound).
//! - **walking links** (compiled straight-line ones and street-map ones laid over at load
//!   time): a walk is only taken when its metres are within the query's radius, and a link's
//!   metres are at least the straight line between its stops (compiled: the haversine rounded
//!   up; streets: the snapped street route, never shorter as the crow flies but measured in a
//!   local projection, so 2% are allowed for). Per cell pair the graph stores the least
//!   `floor(0.98 × haversine)` over stop pairs at most [`WALK_REACH_M`] apart; a query makes it
//!   an edge only when that is within its walk radius, weighing it as the router weighs a link
//!   of that many metres at its speed (`Timetable::link_walk_secs`, monotone in metres).
//!
//! For a bound on *rides* the patterns are also kept as sequences of cells (consecutive equal
//! cells merged, equal sequences once) with the continuations between their ends: boarding
//! costs a ride, riding on, alighting, staying on board and one change cost none
//! (`router::lower`).
//!
//! Changes within a stop, and everything within a cell, count 0. The access and egress walks
//! of a query are the Dijkstra's initial values (`router::lower`), not edges. The bound is
//! exact for any assignment of stops to cells; the cell size only decides how tight it is
//! and how large the graph gets (see [`choose_size`]).

use super::flat::Store;
use super::{StopIdx, Timetable, TripIdx};
use serde::{Deserialize, Serialize};

/// How far apart (straight line) two stops may be for a walking link the router could use:
/// links are at most [`super::compile::MAX_WALK_LINK_M`] metres, and a link's metres are at
/// least 98% of the straight line, so 1,021 m would do; a little more is harmless.
pub const WALK_REACH_M: f64 = super::compile::MAX_WALK_LINK_M as f64 * 1.05;

/// The least work (stops relaxed and marked) after which a search computes its bounds unless
/// its ends are far apart. Measured: on Charlotte (80 cells) pruning from the start cost 2.4%
/// more instructions over the search bench's 600 plans and saved nothing in time; on the
/// country feed, in-tile plans relax ~4 k (depart-at 08:00) to ~30 k stops (arrive-by 17:30)
/// and paid 2–4 ms for bounds that pruned nothing when this was 20,000.
pub const MIN_WORK: u64 = 50_000;

/// The share of the straight line a walking link of any kind is at least.
const WALK_SLACK: f64 = 0.98;

/// Cells should hold about this many served stops on average (at least this, less than four
/// times it: the size doubles until they do).
pub const TARGET_STOPS_PER_CELL: usize = 16;

/// The most cells a graph has (a cell number is two bytes): 65,536 cells of 16 stops would be
/// a million stops; a larger network gets larger cells.
pub const MAX_CELLS: usize = 1 << 16;

/// The cell graph (see the module docs). Empty (`of_stop` empty) when not built: then no
/// search is pruned by it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Cells {
    /// The grid's cell size in metres (0: not built).
    pub size_m: u32,
    /// Number of cells.
    pub count: u32,
    /// The work (stops relaxed and marked) after which a search takes its lower bounds
    /// (`router::lower::LazyLower`): 0 for a graph built with an explicit cell size (tests:
    /// bounds from the first round), else the graph's states but at least [`MIN_WORK`].
    pub min_work: u64,
    /// The cell of each stop, in two bytes: [`choose_size`] keeps the cells below
    /// [`MAX_CELLS`], and a graph that would have more (a cell size given too small) is not
    /// built.
    #[serde(skip)]
    pub of_stop: Store<u16>,
    /// Edges out of each cell (CSR over cells): target cell, lower bound in seconds.
    #[serde(skip)]
    pub out_start: Store<u32>,
    #[serde(skip)]
    pub out_to: Store<u32>,
    #[serde(skip)]
    pub out_secs: Store<u32>,
    /// The same edges into each cell: source cell, seconds.
    #[serde(skip)]
    pub in_start: Store<u32>,
    #[serde(skip)]
    pub in_from: Store<u32>,
    #[serde(skip)]
    pub in_secs: Store<u32>,
    /// Changes by transfers.txt and specific rules between cells (0 s, 0 rides), CSR over
    /// cells, both ways.
    #[serde(skip)]
    pub chg_start: Store<u32>,
    #[serde(skip)]
    pub chg_to: Store<u32>,
    #[serde(skip)]
    pub chg_in_start: Store<u32>,
    #[serde(skip)]
    pub chg_in_from: Store<u32>,
    /// The patterns as sequences of cells (consecutive equal cells merged, equal sequences
    /// stored once), one after another with [`SEP`] between them: a *node* is a position in
    /// this array. For the rides bound ([`Cells`] docs).
    #[serde(skip)]
    pub seq_cells: Store<u32>,
    /// The first node of each pattern's sequence (its last is before the next [`SEP`]).
    #[serde(skip)]
    pub pattern_seq: Store<u32>,
    /// The nodes in each cell (CSR over cells).
    #[serde(skip)]
    pub cell_nodes_start: Store<u32>,
    #[serde(skip)]
    pub cell_nodes: Store<u32>,
    /// Staying on board: (last node of a trip's sequence, first node of its continuation's),
    /// flat pairs sorted by the first, and the same sorted by the second.
    #[serde(skip)]
    pub cont_nodes: Store<u32>,
    #[serde(skip)]
    pub cont_nodes_rev: Store<u32>,
    /// Walking between cells (symmetric, CSR over cells): the other cell, and the least
    /// `floor(0.98 × straight-line metres)` between their stops.
    #[serde(skip)]
    pub walk_start: Store<u32>,
    #[serde(skip)]
    pub walk_to: Store<u32>,
    #[serde(skip)]
    pub walk_m: Store<u32>,
}

impl Cells {
    /// Whether there is a graph to prune by (more than one cell).
    pub fn is_usable(&self) -> bool {
        self.count > 1 && !self.of_stop.is_empty()
    }

    /// The cell of stop `s` (`None` on a cache whose sections do not fit).
    #[inline(always)]
    pub fn cell(&self, s: StopIdx) -> Option<u32> {
        self.of_stop.get(s.ix()).map(|&c| c as u32)
    }

    fn csr<'a>(start: &[u32], a: &'a [u32], b: &'a [u32], c: u32) -> (&'a [u32], &'a [u32]) {
        let (Some(&x), Some(&y)) = (start.get(c as usize), start.get(c as usize + 1)) else {
            return (&[], &[]);
        };
        let r = x as usize..(y as usize).min(a.len()).min(b.len()).max(x as usize);
        match (a.get(r.clone()), b.get(r)) {
            (Some(a), Some(b)) => (a, b),
            _ => (&[], &[]),
        }
    }

    /// Edges out of cell `c`: (target cells, seconds).
    pub fn out_of(&self, c: u32) -> (&[u32], &[u32]) {
        Self::csr(&self.out_start, &self.out_to, &self.out_secs, c)
    }

    /// Edges into cell `c`: (source cells, seconds).
    pub fn into(&self, c: u32) -> (&[u32], &[u32]) {
        Self::csr(&self.in_start, &self.in_from, &self.in_secs, c)
    }

    /// Change edges of cell `c`: out of it (`forward`) or into it.
    pub fn changes(&self, c: u32, forward: bool) -> &[u32] {
        let (start, list) = if forward {
            (&self.chg_start, &self.chg_to)
        } else {
            (&self.chg_in_start, &self.chg_in_from)
        };
        Self::csr(start, list, list, c).0
    }

    /// The sequence nodes in cell `c`.
    pub fn nodes_in(&self, c: u32) -> &[u32] {
        Self::csr(
            &self.cell_nodes_start,
            &self.cell_nodes,
            &self.cell_nodes,
            c,
        )
        .0
    }

    /// The nodes a rider at node `n` stays on board into (`forward`: `n` is a sequence's last
    /// node, these are continuations' first nodes) or from (backward).
    pub fn cont_of(&self, n: u32, forward: bool) -> impl Iterator<Item = u32> + '_ {
        let list: &[u32] = if forward {
            &self.cont_nodes
        } else {
            &self.cont_nodes_rev
        };
        let (key, other) = if forward { (0, 1) } else { (1, 0) };
        let pairs = list.len() / 2;
        let first = partition(pairs, |i| list[2 * i + key] < n);
        (first..pairs)
            .take_while(move |&i| list[2 * i + key] == n)
            .map(move |i| list[2 * i + other])
    }

    /// Walking pairs of cell `c`: (other cells, metres as stored).
    pub fn walks_of(&self, c: u32) -> (&[u32], &[u32]) {
        Self::csr(&self.walk_start, &self.walk_to, &self.walk_m, c)
    }
}

/// Separates the sequences in [`Cells::seq_cells`].
pub const SEP: u32 = u32::MAX;

/// The first `i` in `0..n` for which `below(i)` is false (`below` true then false).
fn partition(n: usize, below: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if below(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The local metres of the grid: x east, y north (an equirectangular projection around the
/// stops' mean latitude; any assignment of stops to cells gives an exact bound, so its
/// distortion over a country only changes which stops share a cell).
fn grid_points(tt: &Timetable) -> (Vec<Option<[f64; 2]>>, Vec<bool>) {
    let n = tt.stops.len();
    let served: Vec<bool> = (0..n)
        .map(|s| !tt.patterns_at(StopIdx(s as u32)).is_empty())
        .collect();
    let finite = |i: usize| tt.stops.lat(i).is_finite() && tt.stops.lon(i).is_finite();
    let proj = crate::walk::Projection::around_mean(
        (0..n)
            .filter(|&i| served[i] && finite(i))
            .map(|i| tt.stops.lat(i)),
    );
    let xy = (0..n)
        .map(|i| finite(i).then(|| proj.xy(tt.stops.lat(i), tt.stops.lon(i))))
        .collect();
    (xy, served)
}

fn key(p: [f64; 2], size: f64) -> (i64, i64) {
    ((p[0] / size).floor() as i64, (p[1] / size).floor() as i64)
}

/// The cell size: 250 m doubled until the served stops average at least
/// [`TARGET_STOPS_PER_CELL`] per non-empty cell and are fewer than [`MAX_CELLS`] (at most
/// 256 km). A few dozen stops a cell keep the graph a small fraction of the stops (the
/// per-query Dijkstra runs over it) while a city still has tens to hundreds of cells;
/// deterministic, from the coordinates only.
fn choose_size(xy: &[Option<[f64; 2]>], served: &[bool]) -> u32 {
    let pts: Vec<[f64; 2]> = xy
        .iter()
        .zip(served)
        .filter_map(|(p, &s)| if s { *p } else { None })
        .collect();
    let mut size = 250u32;
    while size < 256_000 {
        let mut keys: Vec<(i64, i64)> = pts.iter().map(|&p| key(p, size as f64)).collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.is_empty()
            || (pts.len() >= TARGET_STOPS_PER_CELL * keys.len() && keys.len() < MAX_CELLS)
        {
            break;
        }
        size *= 2;
    }
    size
}

/// Builds the cell graph of `tt` with cells of `size_m` metres (see the module docs); `None`:
/// the size [`choose_size`] picks. Tests give a small size so that every stop of a small feed
/// has a cell of its own.
pub fn build(tt: &Timetable, size_m: Option<u32>) -> Cells {
    let explicit = size_m.is_some();
    let (xy, served) = grid_points(tt);
    let size_m = size_m.unwrap_or_else(|| choose_size(&xy, &served)).max(1);
    let size = size_m as f64;
    let n = tt.stops.len();
    let mut keys: Vec<(i64, i64)> = xy.iter().flatten().map(|&p| key(p, size)).collect();
    keys.sort_unstable();
    keys.dedup();
    let extra = keys.len() as u32; // stops without coordinates
    let of_stop: Vec<u32> = xy
        .iter()
        .map(|p| match p {
            Some(p) => keys
                .binary_search(&key(*p, size))
                .map_or(extra, |i| i as u32),
            None => extra,
        })
        .collect();
    let count = extra + u32::from(xy.iter().any(|p| p.is_none()));
    if count as usize > MAX_CELLS {
        return Cells::default();
    }
    let cell = |s: StopIdx| of_stop[s.ix()];

    // (from cell, to cell, seconds)
    let mut edges: Vec<(u32, u32, u32)> = Vec::new();
    let edge = |a: StopIdx, b: StopIdx, secs: u32, edges: &mut Vec<(u32, u32, u32)>| {
        let (x, y) = (cell(a), cell(b));
        if x != y {
            edges.push((x, y, secs));
        }
    };
    for p in tt.patterns.iter() {
        let stops = tt.pattern_stops(p);
        let ns = stops.len();
        let nt = if p.is_frequency() {
            1
        } else {
            p.num_trips as usize
        };
        if ns < 2 || nt == 0 {
            continue;
        }
        let time = |k: usize, pos: usize, dep: bool| tt.stop_time(p, k, pos, dep) as i64;
        let dwell_ok =
            (0..ns).all(|pos| (0..nt).all(|k| time(k, pos, true) >= time(k, pos, false)));
        for i in 0..ns - 1 {
            if cell(stops[i]) == cell(stops[i + 1]) {
                continue;
            }
            let secs = if dwell_ok {
                (0..nt)
                    .map(|k| time(k, i + 1, false) - time(k, i, true))
                    .min()
                    .unwrap_or(0)
                    .clamp(0, u32::MAX as i64) as u32
            } else {
                0
            };
            edge(stops[i], stops[i + 1], secs, &mut edges);
        }
    }
    let mut changes: Vec<(u32, u32, u32)> = Vec::new();
    for a in 0..n {
        let a = StopIdx(a as u32);
        for &(b, _) in tt.transfers_from(a) {
            edge(a, b, 0, &mut changes);
        }
        for r in tt.specific_from(a) {
            edge(r.from_stop, r.to_stop, 0, &mut changes);
        }
    }
    changes.sort_unstable();
    changes.dedup();
    // Patterns as cell sequences, equal ones once.
    let mut seq_cells: Vec<u32> = Vec::new();
    let mut seq_of_pattern: Vec<(u32, u32)> = Vec::with_capacity(tt.patterns.len());
    let mut seen: std::collections::HashMap<Vec<u32>, (u32, u32)> = Default::default();
    for p in tt.patterns.iter() {
        let mut seq: Vec<u32> = tt.pattern_stops(p).iter().map(|&s| cell(s)).collect();
        seq.dedup();
        let at = *seen.entry(seq.clone()).or_insert_with(|| {
            if !seq_cells.is_empty() {
                seq_cells.push(SEP);
            }
            let first = seq_cells.len() as u32;
            seq_cells.extend_from_slice(&seq);
            (first, seq_cells.len() as u32 - 1)
        });
        seq_of_pattern.push(at);
    }
    let mut by_cell: Vec<(u32, u32)> = seq_cells
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c != SEP)
        .map(|(i, &c)| (c, i as u32))
        .collect();
    by_cell.sort_unstable();
    let (cell_nodes_start, cell_nodes, _) = csr(count, by_cell.into_iter().map(|(c, i)| (c, i, 0)));
    let mut cont_pairs: Vec<(u32, u32)> = Vec::new();
    if !tt.rules.cont_start.is_empty() {
        for t in 0..tt.num_trip_ids() {
            let t = TripIdx(t as u32);
            if !tt.has_continuations(t) {
                continue;
            }
            let (a, b) = (
                tt.rules.cont_start[t.ix()] as usize,
                tt.rules.cont_start[t.ix() + 1] as usize,
            );
            let p = &tt.patterns[tt.pattern_index_of(t).ix()];
            let Some(&last) = tt.pattern_stops(p).last() else {
                continue;
            };
            let from = seq_of_pattern[tt.pattern_index_of(t).ix()].1;
            for &(c, valid) in &tt.rules.cont[a..b] {
                if valid != 0 {
                    let qi = tt.pattern_index_of(c);
                    let q = &tt.patterns[qi.ix()];
                    if let Some(&first) = tt.pattern_stops(q).first() {
                        edge(last, first, 0, &mut edges);
                        cont_pairs.push((from, seq_of_pattern[qi.ix()].0));
                    }
                }
            }
        }
    }
    edges.sort_unstable();
    edges.dedup_by(|x, y| x.0 == y.0 && x.1 == y.1); // keeps the first: the least seconds
    let (out_start, out_to, out_secs) = csr(count, edges.iter().map(|&(a, b, s)| (a, b, s)));
    let mut rev: Vec<(u32, u32, u32)> = edges.iter().map(|&(a, b, s)| (b, a, s)).collect();
    rev.sort_unstable();
    let (in_start, in_from, in_secs) = csr(count, rev.into_iter());

    cont_pairs.sort_unstable();
    cont_pairs.dedup();
    let cont_nodes: Vec<u32> = cont_pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    cont_pairs.sort_unstable_by_key(|&(a, b)| (b, a));
    let cont_nodes_rev: Vec<u32> = cont_pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    let (chg_start, chg_to, _) = csr(count, changes.iter().copied());
    let mut rev: Vec<(u32, u32, u32)> = changes.iter().map(|&(a, b, s)| (b, a, s)).collect();
    rev.sort_unstable();
    let (chg_in_start, chg_in_from, _) = csr(count, rev.into_iter());

    let walks = walk_pairs(tt, &served, &of_stop);
    let (walk_start, walk_to, walk_m) = csr(count, walks.into_iter());
    let states = count as u64 + seq_cells.len() as u64 / 4;
    Cells {
        size_m,
        count,
        min_work: if explicit { 0 } else { states.max(MIN_WORK) },
        of_stop: of_stop
            .iter()
            .map(|&c| c as u16)
            .collect::<Vec<u16>>()
            .into(),
        out_start: out_start.into(),
        out_to: out_to.into(),
        out_secs: out_secs.into(),
        in_start: in_start.into(),
        in_from: in_from.into(),
        in_secs: in_secs.into(),
        chg_start: chg_start.into(),
        chg_to: chg_to.into(),
        chg_in_start: chg_in_start.into(),
        chg_in_from: chg_in_from.into(),
        seq_cells: seq_cells.into(),
        pattern_seq: seq_of_pattern
            .iter()
            .map(|&(first, _)| first)
            .collect::<Vec<u32>>()
            .into(),
        cell_nodes_start: cell_nodes_start.into(),
        cell_nodes: cell_nodes.into(),
        cont_nodes: cont_nodes.into(),
        cont_nodes_rev: cont_nodes_rev.into(),
        walk_start: walk_start.into(),
        walk_to: walk_to.into(),
        walk_m: walk_m.into(),
    }
}

/// CSR over `count` cells of (cell, other, value) triples sorted by cell.
fn csr(count: u32, items: impl Iterator<Item = (u32, u32, u32)>) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; count as usize + 1];
    let (mut to, mut val) = (Vec::new(), Vec::new());
    for (a, b, v) in items {
        start[a as usize + 1] += 1;
        to.push(b);
        val.push(v);
    }
    for i in 0..count as usize {
        start[i + 1] += start[i];
    }
    (start, to, val)
}

/// Per ordered pair of different cells with served stops at most [`WALK_REACH_M`] apart (by
/// haversine): the least `floor(0.98 × metres)`, both directions, sorted. Candidates come from
/// rows of latitude and, within a row, a longitude window wide enough at the row's
/// highest latitude (and across ±180°).
fn walk_pairs(tt: &Timetable, served: &[bool], of_stop: &[u32]) -> Vec<(u32, u32, u32)> {
    let dlat = WALK_REACH_M / 110_000.0; // degrees: ≥ WALK_REACH_M anywhere
    let mut pts: Vec<(i64, f64, f64, u32)> = (0..tt.stops.len())
        .filter(|&i| served[i])
        .filter_map(|i| {
            let (lat, lon) = (tt.stops.lat(i), tt.stops.lon(i));
            (lat.is_finite() && lon.is_finite())
                .then(|| ((lat / dlat).floor() as i64, lon, lat, i as u32))
        })
        .collect();
    pts.sort_unstable_by(|a, b| {
        (a.0, a.1, a.3)
            .partial_cmp(&(b.0, b.1, b.3))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut best: std::collections::HashMap<(u32, u32), u32> = std::collections::HashMap::new();
    for &(row, lon, lat, i) in &pts {
        let ci = of_stop[i as usize];
        let far = (lat.abs() + 2.0 * dlat).min(89.9);
        let w = WALK_REACH_M / (111_000.0 * far.to_radians().cos().max(1e-3));
        let mut windows = vec![(lon - w, lon + w)];
        if lon - w < -180.0 {
            windows.push((lon - w + 360.0, 180.0));
        }
        if lon + w > 180.0 {
            windows.push((-180.0, lon + w - 360.0));
        }
        for r in row - 1..=row + 1 {
            let lo = pts.partition_point(|p| p.0 < r);
            let hi = pts.partition_point(|p| p.0 <= r);
            let line = &pts[lo..hi];
            for &(a, b) in &windows {
                let from = line.partition_point(|p| p.1 < a);
                for &(_, lon2, lat2, j) in &line[from..] {
                    if lon2 > b {
                        break;
                    }
                    let cj = of_stop[j as usize];
                    if cj == ci {
                        continue;
                    }
                    let d = crate::walk::distance_m(lat, lon, lat2, lon2);
                    if d <= WALK_REACH_M {
                        let m = (d * WALK_SLACK).floor() as u32;
                        let e = best.entry((ci, cj)).or_insert(m);
                        *e = (*e).min(m);
                    }
                }
            }
        }
    }
    let mut out: Vec<(u32, u32, u32)> = best.into_iter().map(|((a, b), m)| (a, b, m)).collect();
    out.sort_unstable();
    out
}
