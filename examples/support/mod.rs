#![allow(dead_code)] // each generator uses part of it
//! Shared by the feed generators (`country_feed`, `frequency_feed`): reading the source zip,
//! laying copies of a network out on a grid ("tiles"), and writing CSV tables tile by tile.

use std::fs::File;
use std::io::{Read, Write};

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Tiles per grid row, and the offset between neighbouring tiles in degrees (about 100 km).
pub const COLUMNS: usize = 8;
pub const DLON: f64 = 1.2;
pub const DLAT: f64 = 0.9;

/// Tile `k`'s offset from tile 0 as (degrees north, degrees east).
pub fn tile_offset(k: usize) -> (f64, f64) {
    ((k / COLUMNS) as f64 * DLAT, (k % COLUMNS) as f64 * DLON)
}

/// The source feed's zip.
pub fn open_source(src: &str) -> Res<zip::ZipArchive<std::io::BufReader<File>>> {
    Ok(zip::ZipArchive::new(std::io::BufReader::new(File::open(
        src,
    )?))?)
}

/// One member of the source zip, whole.
pub fn member(z: &mut zip::ZipArchive<std::io::BufReader<File>>, name: &str) -> Res<Vec<u8>> {
    let mut v = Vec::new();
    z.by_name(name)?.read_to_end(&mut v)?;
    Ok(v)
}

/// The id of a row copied into tile `k`: `k:id`.
pub fn tile_id(k: usize, id: &str) -> String {
    format!("{k}:{id}")
}

/// Writes the header of `csv` once, then the rows `keep` accepts once per tile: values in
/// `id_columns` become `prefix(tile, id)`, and those `edit(tile, column, value)` returns are
/// replaced.
pub fn tile_csv(
    csv: &[u8],
    tiles: usize,
    out: &mut impl Write,
    id_columns: &[&str],
    prefix: &impl Fn(usize, &str) -> String,
    keep: impl Fn(&Named) -> bool,
    edit: impl Fn(usize, &str, &str) -> Option<String>,
) -> Res<()> {
    let mut r = csv::ReaderBuilder::new().from_reader(strip_bom(csv));
    let header: Vec<String> = r.headers()?.iter().map(|h| h.trim().to_string()).collect();
    let records: Vec<csv::StringRecord> = r
        .records()
        .filter(|rec| {
            rec.as_ref().map_or(true, |rec| {
                keep(&Named {
                    header: &header,
                    rec,
                })
            })
        })
        .collect::<Result<_, _>>()?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(&header)?;
    for k in 0..tiles {
        for rec in &records {
            let row: Vec<String> = rec
                .iter()
                .zip(&header)
                .map(|(v, h)| {
                    if let Some(x) = edit(k, h, v) {
                        x
                    } else if id_columns.contains(&h.as_str()) && !v.trim().is_empty() {
                        prefix(k, v.trim())
                    } else {
                        v.to_string()
                    }
                })
                .collect();
            w.write_record(&row)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// A CSV record read by column name.
pub struct Named<'a> {
    header: &'a [String],
    rec: &'a csv::StringRecord,
}

impl Named<'_> {
    pub fn get(&self, name: &str) -> Option<&str> {
        let i = self.header.iter().position(|h| h == name)?;
        self.rec.get(i).map(str::trim)
    }
}

pub fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

/// A coordinate moved by `by` degrees (six decimals).
pub fn shift(v: &str, by: f64) -> Option<String> {
    v.trim()
        .parse::<f64>()
        .ok()
        .map(|x| format!("{:.6}", x + by))
}

/// `HH:MM:SS` (hours may exceed 24) → seconds.
pub fn parse_time(v: &str) -> Option<u32> {
    let mut it = v.trim().split(':');
    let (h, m, s) = (it.next()?, it.next()?, it.next()?);
    Some(h.parse::<u32>().ok()? * 3600 + m.parse::<u32>().ok()? * 60 + s.parse::<u32>().ok()?)
}

/// Seconds → `HH:MM:SS`.
pub fn hms(s: u32) -> String {
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The index of column `name`.
pub fn column(header: &csv::StringRecord, name: &str) -> Res<usize> {
    header
        .iter()
        .position(|h| h.trim() == name)
        .ok_or_else(|| format!("source has no {name} column").into())
}

/// The generators' arguments `[SOURCE.zip [OUT.zip [TILES]]]`: (source, output, tiles ≥ 1).
pub fn args(default_out: &str, default_tiles: usize) -> Res<(String, String, usize)> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let src = args.first().map_or(
        "../shared/data/charlotte-cats-2018/charlotte-cats-2018.gtfs.zip",
        String::as_str,
    );
    let out = args.get(1).map_or(default_out, String::as_str);
    let tiles: usize = match args.get(2) {
        Some(t) => t.parse()?,
        None => default_tiles,
    };
    if tiles == 0 {
        return Err("TILES must be at least 1".into());
    }
    Ok((src.to_string(), out.to_string(), tiles))
}

/// The source feed's files the generators tile.
pub struct Source {
    pub agency: Vec<u8>,
    pub stops: Vec<u8>,
    pub routes: Vec<u8>,
    pub trips: Vec<u8>,
    pub stop_times: Vec<u8>,
    pub calendar_dates: Vec<u8>,
}

impl Source {
    pub fn read(src: &str) -> Res<Source> {
        let mut zin = open_source(src)?;
        let mut read = |name: &str| member(&mut zin, name);
        Ok(Source {
            agency: read("agency.txt")?,
            stops: read("stops.txt")?,
            routes: read("routes.txt")?,
            trips: read("trips.txt")?,
            stop_times: read("stop_times.txt")?,
            calendar_dates: read("calendar_dates.txt")?,
        })
    }
}

/// A deterministic zip at `out` (a fixed timestamp on every member) and the options to write
/// its members with, deflated at `level`.
pub fn zip_out(
    out: &str,
    level: i64,
) -> Res<(
    zip::ZipWriter<std::io::BufWriter<File>>,
    zip::write::SimpleFileOptions,
)> {
    let z = zip::ZipWriter::new(std::io::BufWriter::new(File::create(out)?));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(level))
        .last_modified_time(zip::DateTime::default());
    Ok((z, opts))
}
