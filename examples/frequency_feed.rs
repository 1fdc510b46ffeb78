//! An all-frequency GTFS city feed for issue 17 ("frequencies without the blow-up"),
//! generated deterministically from the shared Charlotte CATS feed. The output is not
//! committed: `benches/frequency.sh` builds it and measures it.
//!
//! ```text
//! cargo run --release --example frequency_feed -- [SOURCE.zip] [OUT.zip] [TILES]
//! ```
//!
//! - **Groups.** Trips are grouped by pattern and calendar: same `route_id`, `service_id`,
//!   `direction_id` and the same stop_id sequence (stop_times in `stop_sequence` order). A
//!   group's trips are ordered by their first departure.
//! - **One template trip per group**: the trip with the median first departure (its running
//!   times are the group's midday ones). Only the templates' rows go to trips.txt and
//!   stop_times.txt (every column as in the source; `block_id` and `shape_id` blanked: a
//!   frequency template has no block, and the compiler does not read shapes).
//! - **Headway windows** (frequencies.txt, `exact_times=0`): the group's departures are cut
//!   into fixed time bands — before 06:00, 06–09, 09–15, 15–19, 19–22, from 22:00 (times past
//!   24:00 in the last band). A band with `n` departures, the first at `s`, becomes one row
//!   `start_time = s`, `headway_secs = h` = the median gap between the band's consecutive
//!   departures rounded to whole minutes (at least 60 s; a lone departure takes its gap to the
//!   nearest departure of the group, or 3600 s), `end_time = s + n·h` — so the expansion
//!   (`s + k·h` while `< end_time`) runs exactly `n` trips — cut back to the next band's first
//!   departure if it would overlap it. The expanded service therefore has about as many trips
//!   per band as the source, evenly spaced, each with the template's running times.
//! - **Tiles** (for a Mexico-City-size feed): `TILES` copies (default 1). With more than one,
//!   tile `k` lies on a grid of 8 columns shifted 1.2° of longitude / 0.9° of latitude (about
//!   100 km, so no walking link joins tiles), every id (stop, parent station, route, trip,
//!   service) is prefixed `k:` and stop names get ` (t<k>)`. One tile keeps the source's ids,
//!   so stop ids are Charlotte's.
//! - **Deterministic**: the same source and arguments give a byte-identical zip (fixed file
//!   order, rows in source order, a fixed zip timestamp). A summary (source trips, templates,
//!   windows, expanded trips, stop_times rows) goes to stderr.

use std::collections::HashMap;
use std::io::Write;

#[path = "support/mod.rs"]
mod support;
use support::*;

/// Band starts in seconds after midnight: the last band is open-ended.
const BANDS: [u32; 6] = [0, 6 * 3600, 9 * 3600, 15 * 3600, 19 * 3600, 22 * 3600];

/// Columns holding ids that must be unique per tile.
const ID_COLUMNS: [&str; 5] = [
    "stop_id",
    "parent_station",
    "route_id",
    "trip_id",
    "service_id",
];

fn main() -> Res<()> {
    let (src, out, tiles) = args("target/frequency.gtfs.zip", 1)?;
    let Source {
        agency,
        stops,
        routes,
        trips,
        stop_times,
        calendar_dates,
    } = Source::read(&src)?;

    let plan = frequency_plan(&trips, &stop_times)?;
    eprintln!(
        "source: {} trips, {} stop_times rows; per tile: {} template trips ({} stop_times rows), {} frequency windows expanding to {} trips",
        plan.source_trips,
        plan.source_rows,
        plan.windows.len(),
        plan.template_rows,
        plan.windows.values().map(Vec::len).sum::<usize>(),
        plan.expanded_trips
    );

    let (mut z, opts) = zip_out(&out, 6)?;

    let prefix = |k: usize, v: &str| {
        if tiles > 1 {
            format!("{k}:{v}")
        } else {
            v.to_string()
        }
    };
    let rows = |k: usize| tile_offset(k).0;
    let cols = |k: usize| tile_offset(k).1;

    z.start_file("agency.txt", opts)?;
    z.write_all(&agency)?;
    z.start_file("stops.txt", opts)?;
    tile_csv(
        &stops,
        tiles,
        &mut z,
        &ID_COLUMNS,
        &prefix,
        |_| true,
        |k, name, v| match (name, tiles > 1) {
            ("stop_lat", true) => shift(v, rows(k)),
            ("stop_lon", true) => shift(v, cols(k)),
            ("stop_name", true) => Some(format!("{} (t{k})", v.trim())),
            _ => None,
        },
    )?;
    z.start_file("routes.txt", opts)?;
    tile_csv(
        &routes,
        tiles,
        &mut z,
        &ID_COLUMNS,
        &prefix,
        |_| true,
        |_, _, _| None,
    )?;
    z.start_file("calendar_dates.txt", opts)?;
    tile_csv(
        &calendar_dates,
        tiles,
        &mut z,
        &ID_COLUMNS,
        &prefix,
        |_| true,
        |_, _, _| None,
    )?;

    let is_template = |trip: Option<&str>| trip.is_some_and(|t| plan.windows.contains_key(t));
    z.start_file("trips.txt", opts)?;
    tile_csv(
        &trips,
        tiles,
        &mut z,
        &ID_COLUMNS,
        &prefix,
        |r| is_template(r.get("trip_id")),
        |_, name, _| matches!(name, "block_id" | "shape_id").then(String::new),
    )?;
    z.start_file("stop_times.txt", opts)?;
    tile_csv(
        &stop_times,
        tiles,
        &mut z,
        &ID_COLUMNS,
        &prefix,
        |r| is_template(r.get("trip_id")),
        |_, _, _| None,
    )?;

    // Templates in trips.txt order, then windows in time order.
    z.start_file("frequencies.txt", opts)?;
    writeln!(z, "trip_id,start_time,end_time,headway_secs,exact_times")?;
    for k in 0..tiles {
        for t in &plan.template_order {
            for w in &plan.windows[t] {
                writeln!(
                    z,
                    "{},{},{},{},0",
                    prefix(k, t),
                    hms(w.start),
                    hms(w.end),
                    w.headway
                )?;
            }
        }
    }
    z.finish()?.flush()?;
    Ok(())
}

struct Window {
    start: u32,
    end: u32,
    headway: u32,
}

struct FrequencyPlan {
    /// Template trip_id → its headway windows.
    windows: HashMap<String, Vec<Window>>,
    /// Template trip_ids in trips.txt order.
    template_order: Vec<String>,
    source_trips: usize,
    source_rows: usize,
    template_rows: usize,
    expanded_trips: usize,
}

/// Groups the source's trips by (route, service, direction, stop sequence) and picks each
/// group's template and headway windows (see the module documentation).
fn frequency_plan(trips: &[u8], stop_times: &[u8]) -> Res<FrequencyPlan> {
    // trip_id → (route_id, service_id, direction_id), in trips.txt order.
    let mut r = csv::Reader::from_reader(strip_bom(trips));
    let h = r.headers()?.clone();
    let (ti, ri, si) = (
        column(&h, "trip_id")?,
        column(&h, "route_id")?,
        column(&h, "service_id")?,
    );
    let di = h.iter().position(|c| c.trim() == "direction_id");
    let mut order: Vec<String> = Vec::new();
    let mut meta: HashMap<String, (String, String, String)> = HashMap::new();
    for rec in r.records() {
        let rec = rec?;
        let id = rec[ti].trim().to_string();
        let d = di.map_or("", |c| rec.get(c).unwrap_or("").trim());
        meta.insert(
            id.clone(),
            (
                rec[ri].trim().to_string(),
                rec[si].trim().to_string(),
                d.to_string(),
            ),
        );
        order.push(id);
    }

    // trip_id → [(stop_sequence, stop_id, departure)].
    let mut r = csv::Reader::from_reader(strip_bom(stop_times));
    let h = r.headers()?.clone();
    let (ti, si, qi, ai, di) = (
        column(&h, "trip_id")?,
        column(&h, "stop_id")?,
        column(&h, "stop_sequence")?,
        column(&h, "arrival_time")?,
        column(&h, "departure_time")?,
    );
    type Row = (u32, String, Option<u32>);
    let mut rows: HashMap<String, Vec<Row>> = HashMap::new();
    let mut source_rows = 0usize;
    for rec in r.records() {
        let rec = rec?;
        source_rows += 1;
        let dep = parse_time(&rec[di]).or_else(|| parse_time(&rec[ai]));
        rows.entry(rec[ti].trim().to_string()).or_default().push((
            rec[qi].trim().parse()?,
            rec[si].trim().to_string(),
            dep,
        ));
    }

    // Group key → [(first departure, trip_id)], groups in first-seen (trips.txt) order.
    type Key = (String, String, String, Vec<String>);
    let mut groups: HashMap<Key, Vec<(u32, String)>> = HashMap::new();
    let mut group_order: Vec<Key> = Vec::new();
    for id in &order {
        let Some(rs) = rows.get_mut(id) else { continue };
        rs.sort_by_key(|r| r.0);
        let Some(first) = rs.first().and_then(|r| r.2) else {
            continue;
        };
        let (route, service, dir) = meta[id].clone();
        let key = (
            route,
            service,
            dir,
            rs.iter().map(|r| r.1.clone()).collect(),
        );
        let g = groups.entry(key.clone()).or_default();
        if g.is_empty() {
            group_order.push(key);
        }
        g.push((first, id.clone()));
    }

    let mut windows = HashMap::new();
    let mut template_rows = 0usize;
    let mut expanded_trips = 0usize;
    for key in &group_order {
        let g = groups.get_mut(key).expect("grouped");
        g.sort();
        let template = g[g.len() / 2].1.clone();
        template_rows += key.3.len();
        let deps: Vec<u32> = g.iter().map(|x| x.0).collect();
        let ws = headway_windows(&deps);
        expanded_trips += ws
            .iter()
            .map(|w| (w.end - w.start).div_ceil(w.headway) as usize)
            .sum::<usize>();
        windows.insert(template, ws);
    }
    let template_order = order
        .iter()
        .filter(|t| windows.contains_key(*t))
        .cloned()
        .collect();
    Ok(FrequencyPlan {
        windows,
        template_order,
        source_trips: order.len(),
        source_rows,
        template_rows,
        expanded_trips,
    })
}

/// The headway windows for one group's sorted first departures.
fn headway_windows(deps: &[u32]) -> Vec<Window> {
    let band = |t: u32| BANDS.iter().rposition(|&b| t >= b).unwrap_or(0);
    let mut out: Vec<Window> = Vec::new();
    let mut i = 0;
    while i < deps.len() {
        let b = band(deps[i]);
        let mut j = i;
        while j < deps.len() && band(deps[j]) == b {
            j += 1;
        }
        let n = j - i;
        let headway = if n >= 2 {
            let mut gaps: Vec<u32> = deps[i..j].windows(2).map(|w| w[1] - w[0]).collect();
            gaps.sort_unstable();
            gaps[gaps.len() / 2]
        } else {
            let prev = (i > 0).then(|| deps[i] - deps[i - 1]);
            let next = deps.get(j).map(|&d| d - deps[i]);
            match (prev, next) {
                (Some(p), Some(q)) => p.min(q),
                (Some(p), None) => p,
                (None, Some(q)) => q,
                (None, None) => 3600,
            }
        };
        let headway = (headway + 30) / 60 * 60;
        let headway = headway.max(60);
        let start = deps[i];
        let mut end = start + n as u32 * headway;
        if let Some(&next) = deps.get(j) {
            end = end.min(next.max(start + 1));
        }
        out.push(Window {
            start,
            end,
            headway,
        });
        i = j;
    }
    out
}
