//! A country-size GTFS feed for scale benchmarks (issue 17), generated deterministically from
//! the shared Charlotte CATS feed. The output is not committed: `benches/scale.sh` builds it.
//!
//! ```text
//! cargo run --release --example country_feed -- [SOURCE.zip] [OUT.zip] [TILES]
//! ```
//!
//! - **Tiles.** The source feed is copied `TILES` times (default 50: 50 × 310,101 = 15.5
//!   million stop times). Tile `k` lies on a grid of 8 columns, shifted by 1.2° of longitude
//!   per column and 0.9° of latitude per row (about 100 km: no walking link joins two tiles),
//!   and every id (stop, parent station, route, trip, service, block) is prefixed `k:`. Names
//!   get the tile's number so that stop-name lookups stay unambiguous (`… (t7)`). shapes.txt
//!   is left out (the compiler does not read it).
//! - **Intercity rail** joins the tiles as a country's network would: each tile gets a rail
//!   station 150 m from its busiest stop; one line runs along every grid row and one along
//!   every grid column, both ways, every hour from 05:00 to 22:00 (the last departures reach
//!   the far end after midnight, written as 24:00+), 50 minutes between neighbouring tiles
//!   with a 2-minute stop. It runs every day of the source's service range (calendar.txt).
//! - **Deterministic**: the same source and arguments give a byte-identical zip (files in a
//!   fixed order, rows in source order, a fixed zip timestamp).
//!
//! One agency (the source's), so the feed has one time zone as GTFS requires.

use std::collections::HashMap;
use std::io::Write;

#[path = "support/mod.rs"]
mod support;
use support::*;

/// Columns holding ids that must be unique per tile.
const ID_COLUMNS: [&str; 6] = [
    "stop_id",
    "parent_station",
    "route_id",
    "trip_id",
    "service_id",
    "block_id",
];

fn main() -> Res<()> {
    let (src, out, tiles) = args("target/country.gtfs.zip", 50)?;
    let Source {
        agency,
        stops,
        routes,
        trips,
        stop_times,
        calendar_dates,
    } = Source::read(&src)?;

    // The busiest stop of the source (most stop_times rows; ties → smallest id) hosts each
    // tile's rail station; the source's date range is the rail service's.
    let hub = busiest_stop(&stop_times)?;
    let (hub_lat, hub_lon) = stop_position(&stops, &hub)?;
    let (first, last) = date_range(&calendar_dates)?;

    let (mut z, opts) = zip_out(&out, 1)?;

    z.start_file("agency.txt", opts)?;
    z.write_all(&agency)?;

    let rows = |k: usize| tile_offset(k).0;
    let cols = |k: usize| tile_offset(k).1;
    z.start_file("stops.txt", opts)?;
    tile_csv(
        &stops,
        tiles,
        &mut z,
        &ID_COLUMNS,
        &tile_id,
        |_| true,
        |k, name, v| match name {
            "stop_lat" => shift(v, rows(k)),
            "stop_lon" => shift(v, cols(k)),
            "stop_name" => Some(format!("{} (t{k})", v.trim())),
            _ => None,
        },
    )?;
    for k in 0..tiles {
        writeln!(
            z,
            "{k}:rail,,Central Rail Station (t{k}),,{:.6},{:.6},,,0,",
            hub_lat + rows(k) + 0.00135,
            hub_lon + cols(k)
        )?;
    }

    z.start_file("routes.txt", opts)?;
    tile_csv(
        &routes,
        tiles,
        &mut z,
        &ID_COLUMNS,
        &tile_id,
        |_| true,
        |_, _, _| None,
    )?;
    let lines = rail_lines(tiles);
    for (i, _) in lines.iter().enumerate() {
        // route_id,route_short_name,route_long_name,route_desc,route_type,…: the source's header.
        writeln!(z, "{}", rail_route_row(&routes, i)?)?;
    }

    z.start_file("trips.txt", opts)?;
    tile_csv(
        &trips,
        tiles,
        &mut z,
        &ID_COLUMNS,
        &tile_id,
        |_| true,
        |_, name, _| (name == "shape_id").then(String::new),
    )?;
    let rail_trips = rail_trip_list(&lines);
    for t in &rail_trips {
        writeln!(z, "{}", rail_trip_row(&trips, t)?)?;
    }

    z.start_file("stop_times.txt", opts)?;
    tile_csv(
        &stop_times,
        tiles,
        &mut z,
        &ID_COLUMNS,
        &tile_id,
        |_| true,
        |_, _, _| None,
    )?;
    for t in &rail_trips {
        for (pos, &tile) in t.tiles.iter().enumerate() {
            let arr = t.start + pos as u32 * 52 * 60;
            let dep = if pos == 0 { arr } else { arr + 120 };
            writeln!(
                z,
                "{},{},{},{tile}:rail,{},0,0,1",
                t.id,
                hms(arr),
                hms(dep),
                pos + 1
            )?;
        }
    }

    z.start_file("calendar_dates.txt", opts)?;
    tile_csv(
        &calendar_dates,
        tiles,
        &mut z,
        &ID_COLUMNS,
        &tile_id,
        |_| true,
        |_, _, _| None,
    )?;
    z.start_file("calendar.txt", opts)?;
    writeln!(
        z,
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date"
    )?;
    writeln!(z, "rail,1,1,1,1,1,1,1,{first},{last}")?;
    z.finish()?.flush()?;
    Ok(())
}

fn busiest_stop(stop_times: &[u8]) -> Res<String> {
    let mut r = csv::Reader::from_reader(strip_bom(stop_times));
    let c = column(r.headers()?, "stop_id")?;
    let mut n: HashMap<String, usize> = HashMap::new();
    for rec in r.records() {
        *n.entry(rec?[c].trim().to_string()).or_default() += 1;
    }
    n.into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(s, _)| s)
        .ok_or_else(|| "source has no stop_times".into())
}

fn stop_position(stops: &[u8], id: &str) -> Res<(f64, f64)> {
    let mut r = csv::Reader::from_reader(strip_bom(stops));
    let h = r.headers()?.clone();
    let (ci, la, lo) = (
        column(&h, "stop_id")?,
        column(&h, "stop_lat")?,
        column(&h, "stop_lon")?,
    );
    for rec in r.records() {
        let rec = rec?;
        if rec[ci].trim() == id {
            return Ok((rec[la].trim().parse()?, rec[lo].trim().parse()?));
        }
    }
    Err(format!("stop {id} not in stops.txt").into())
}

fn date_range(calendar_dates: &[u8]) -> Res<(String, String)> {
    let mut r = csv::Reader::from_reader(strip_bom(calendar_dates));
    let c = column(r.headers()?, "date")?;
    let mut dates: Vec<String> = Vec::new();
    for rec in r.records() {
        dates.push(rec?[c].trim().to_string());
    }
    dates.sort();
    match (dates.first(), dates.last()) {
        (Some(a), Some(b)) => Ok((a.clone(), b.clone())),
        _ => Err("source has no calendar_dates".into()),
    }
}

/// The tiles each rail line passes, west to east / south to north: grid rows, then columns.
fn rail_lines(tiles: usize) -> Vec<Vec<usize>> {
    let rows = tiles.div_ceil(COLUMNS);
    let mut lines = Vec::new();
    for r in 0..rows {
        let l: Vec<usize> = (0..COLUMNS)
            .map(|c| r * COLUMNS + c)
            .filter(|&k| k < tiles)
            .collect();
        if l.len() > 1 {
            lines.push(l);
        }
    }
    for c in 0..COLUMNS {
        let l: Vec<usize> = (0..rows)
            .map(|r| r * COLUMNS + c)
            .filter(|&k| k < tiles)
            .collect();
        if l.len() > 1 {
            lines.push(l);
        }
    }
    lines
}

struct RailTrip {
    id: String,
    line: usize,
    direction: u8,
    tiles: Vec<usize>,
    start: u32,
}

fn rail_trip_list(lines: &[Vec<usize>]) -> Vec<RailTrip> {
    let mut v = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        for direction in 0..2u8 {
            let mut tiles = l.clone();
            if direction == 1 {
                tiles.reverse();
            }
            for h in 5..=22u32 {
                v.push(RailTrip {
                    id: format!("rail{i}-{direction}-{h:02}"),
                    line: i,
                    direction,
                    tiles: tiles.clone(),
                    start: h * 3600,
                });
            }
        }
    }
    v
}

/// A routes.txt row for rail line `i` in the source's column order.
fn rail_route_row(routes: &[u8], i: usize) -> Res<String> {
    let mut r = csv::Reader::from_reader(strip_bom(routes));
    let h = r.headers()?.clone();
    let row: Vec<String> = h
        .iter()
        .map(|c| match c.trim() {
            "route_id" => format!("rail{i}"),
            "route_short_name" => format!("R{i}"),
            "route_long_name" => format!("Intercity R{i}"),
            "route_type" => "2".into(),
            _ => String::new(),
        })
        .collect();
    Ok(row.join(","))
}

/// A trips.txt row for a rail trip in the source's column order.
fn rail_trip_row(trips: &[u8], t: &RailTrip) -> Res<String> {
    let mut r = csv::Reader::from_reader(strip_bom(trips));
    let h = r.headers()?.clone();
    let last = *t.tiles.last().unwrap_or(&0);
    let row: Vec<String> = h
        .iter()
        .map(|c| match c.trim() {
            "route_id" => format!("rail{}", t.line),
            "service_id" => "rail".into(),
            "trip_id" => t.id.clone(),
            "trip_headsign" => format!("Central Rail Station (t{last})"),
            "direction_id" => t.direction.to_string(),
            _ => String::new(),
        })
        .collect();
    Ok(row.join(","))
}
