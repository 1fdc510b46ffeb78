//! The `--origins` file of `gethere meet`: who is coming from where, as CSV with a header
//! row. Two shapes: `label,place` (PLACE as anywhere else: venue key, stop name, `stop:ID`,
//! `LAT,LON`, address) or `label,lat,lon`. Labels may be blank (people then show as
//! "person N"). Every problem names the line and the column.

use crate::error::{Error, Result};
use crate::place::Place;
use std::path::Path;

/// One person as written: a label (possibly blank) and where they start.
#[derive(Clone, Debug, PartialEq)]
pub struct Origin {
    pub label: String,
    pub place: Place,
}

enum Shape {
    Place {
        label: usize,
        place: usize,
    },
    Coord {
        label: usize,
        lat: usize,
        lon: usize,
    },
}

/// Reads an origins file.
pub fn read(path: &Path) -> Result<Vec<Origin>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
    parse(&text, &path.display().to_string())
}

/// Parses origins CSV; `name` is how errors refer to the file.
pub fn parse(text: &str, name: &str) -> Result<Vec<Origin>> {
    let err = |line: u64, column: &str, why: String| Error::OriginsFile {
        path: name.to_string(),
        line,
        column: column.to_string(),
        why,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rd
        .headers()
        .map_err(|e| err(1, "-", format!("unreadable header row: {e}")))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let shape = match (col("label"), col("place"), col("lat"), col("lon")) {
        (Some(label), Some(place), None, None) => Shape::Place { label, place },
        (Some(label), None, Some(lat), Some(lon)) => Shape::Coord { label, lat, lon },
        _ => {
            return Err(err(
                1,
                "-",
                format!(
                    "the header row is '{}'; expected 'label,place' or 'label,lat,lon'",
                    headers.join(",")
                ),
            ));
        }
    };
    if let Some((i, h)) = headers
        .iter()
        .enumerate()
        .find(|(_, h)| !matches!(h.as_str(), "label" | "place" | "lat" | "lon"))
    {
        return Err(err(
            1,
            &(i + 1).to_string(),
            format!("unknown column '{h}'; the columns are label and place, or label, lat and lon"),
        ));
    }
    let mut out = Vec::new();
    for rec in rd.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            err(line, "-", format!("unreadable row: {e}"))
        })?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(|f| f.is_empty()) {
            continue;
        }
        if rec.len() != headers.len() {
            return Err(err(
                line,
                "-",
                format!("{} fields, the header has {}", rec.len(), headers.len()),
            ));
        }
        let field = |i: usize| rec.get(i).unwrap_or("");
        let colname = |i: usize| format!("{} ({})", i + 1, headers[i]);
        let (label, place) = match shape {
            Shape::Place { label, place } => {
                let p = Place::parse(field(place)).map_err(|e| match e {
                    Error::BadInput { why, .. } => {
                        err(line, &colname(place), format!("'{}': {why}", field(place)))
                    }
                    e => e,
                })?;
                (field(label), p)
            }
            Shape::Coord { label, lat, lon } => {
                let num = |i: usize, range: f64| -> Result<f64> {
                    match field(i).parse::<f64>() {
                        Ok(x) if x.is_finite() && x.abs() <= range => Ok(x),
                        _ => Err(err(
                            line,
                            &colname(i),
                            format!(
                                "'{}' is not a {} in decimal degrees (within ±{range})",
                                field(i),
                                headers[i]
                            ),
                        )),
                    }
                };
                let (la, lo) = (num(lat, 90.0)?, num(lon, 180.0)?);
                (field(label), Place::Coord { lat: la, lon: lo })
            }
        };
        out.push(Origin {
            label: label.to_string(),
            place,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_shapes_and_blank_labels() {
        let a = parse(
            "label,place\nAda,stop:8370\n,\"45.5,-122.6\"\n\nBo, new-relic \n",
            "o.csv",
        )
        .unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].label, "Ada");
        assert_eq!(a[1].label, "");
        assert_eq!(
            a[1].place,
            Place::Coord {
                lat: 45.5,
                lon: -122.6
            }
        );
        assert_eq!(a[2].place, Place::Text("new-relic".into()));
        let b = parse("\u{feff}Label,Lat,Lon\r\nx,45.5,-122.6\r\n", "o.csv").unwrap();
        assert_eq!(
            b[0].place,
            Place::Coord {
                lat: 45.5,
                lon: -122.6
            }
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("label,lat,lon\na,45.5,-122.6\nb,45.5,west\n", "o.csv")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "o.csv, line 3, column 3 (lon): 'west' is not a lon in decimal degrees (within ±180)"
        );
        let e = parse("label,place\na,\n", "o.csv").unwrap_err().to_string();
        assert!(e.starts_with("o.csv, line 2, column 2 (place): ''"), "{e}");
        let e = parse("name,where\n", "o.csv").unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("label,place"), "{e}");
        let e = parse("label,place\na,b,c\n", "o.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("3 fields"), "{e}");
    }
}
