//! Reading the GTFS Fares v2 files, which gtfs-structures does not read (or reads only in part),
//! with the csv crate into small serde structs.
//!
//! Bounded and strict like the rest of loading: a zip has already passed
//! [`crate::feed::load::check_zip`] (bounded expansion, no truncation) before this runs, and a
//! file in a directory is read through a limit; a row that does not parse makes the whole file
//! an error naming file and line (the fare tables are then not used at all: a partly read fare
//! table would price journeys wrongly, and a wrong price is worse than "fare unknown").

use serde::Deserialize;
use std::io::Read;
use std::path::Path;

/// `fare_media.txt`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct FareMediaRow {
    pub fare_media_id: String,
    #[serde(default)]
    pub fare_media_name: Option<String>,
    #[serde(default)]
    pub fare_media_type: Option<u8>,
}

/// `fare_products.txt`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct FareProductRow {
    pub fare_product_id: String,
    #[serde(default)]
    pub fare_product_name: Option<String>,
    #[serde(default)]
    pub rider_category_id: Option<String>,
    #[serde(default)]
    pub fare_media_id: Option<String>,
    pub amount: String,
    pub currency: String,
}

/// `rider_categories.txt`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct RiderCategoryRow {
    pub rider_category_id: String,
    #[serde(default)]
    pub rider_category_name: Option<String>,
    #[serde(default)]
    pub is_default_fare_category: Option<u8>,
    #[serde(default)]
    pub eligibility_url: Option<String>,
}

/// `fare_leg_rules.txt`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct FareLegRuleRow {
    #[serde(default)]
    pub leg_group_id: Option<String>,
    #[serde(default)]
    pub network_id: Option<String>,
    #[serde(default)]
    pub from_area_id: Option<String>,
    #[serde(default)]
    pub to_area_id: Option<String>,
    #[serde(default)]
    pub from_timeframe_group_id: Option<String>,
    #[serde(default)]
    pub to_timeframe_group_id: Option<String>,
    pub fare_product_id: String,
    #[serde(default)]
    pub rule_priority: Option<i32>,
}

/// `fare_transfer_rules.txt`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct FareTransferRuleRow {
    #[serde(default)]
    pub from_leg_group_id: Option<String>,
    #[serde(default)]
    pub to_leg_group_id: Option<String>,
    #[serde(default)]
    pub transfer_count: Option<i32>,
    #[serde(default)]
    pub duration_limit: Option<i64>,
    #[serde(default)]
    pub duration_limit_type: Option<u8>,
    pub fare_transfer_type: u8,
    #[serde(default)]
    pub fare_product_id: Option<String>,
}

/// `timeframes.txt`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct TimeframeRow {
    pub timeframe_group_id: String,
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
    pub service_id: String,
}

/// `areas.txt`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct AreaRow {
    pub area_id: String,
    #[serde(default)]
    pub area_name: Option<String>,
}

/// `stop_areas.txt`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct StopAreaRow {
    pub area_id: String,
    pub stop_id: String,
}

/// `networks.txt`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct NetworkRow {
    pub network_id: String,
    #[serde(default)]
    pub network_name: Option<String>,
}

/// `route_networks.txt`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct RouteNetworkRow {
    pub network_id: String,
    pub route_id: String,
}

/// The `network_id` column of `routes.txt` (the other columns are read by gtfs-structures).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct RouteNetworkColumn {
    pub route_id: String,
    #[serde(default)]
    pub network_id: Option<String>,
}

/// The Fares v2 files of a feed, as read. `None`: the file is absent. Each file is all or
/// nothing: see the module doc.
#[derive(Clone, Debug, Default)]
pub struct V2Files {
    pub fare_media: Option<Vec<FareMediaRow>>,
    pub fare_products: Option<Vec<FareProductRow>>,
    pub rider_categories: Option<Vec<RiderCategoryRow>>,
    pub fare_leg_rules: Option<Vec<FareLegRuleRow>>,
    pub fare_transfer_rules: Option<Vec<FareTransferRuleRow>>,
    pub timeframes: Option<Vec<TimeframeRow>>,
    pub areas: Option<Vec<AreaRow>>,
    pub stop_areas: Option<Vec<StopAreaRow>>,
    pub networks: Option<Vec<NetworkRow>>,
    pub route_networks: Option<Vec<RouteNetworkRow>>,
    /// routes.txt's network_id column (rows without one are left out).
    pub route_network_column: Vec<RouteNetworkColumn>,
    /// Files that could not be read: `file:line: reason`. Any of these turns Fares v2 off.
    pub errors: Vec<String>,
}

impl V2Files {
    /// Does the feed describe fares with Fares v2 (the files that price a leg are there)?
    pub fn present(&self) -> bool {
        self.fare_leg_rules.as_ref().is_some_and(|r| !r.is_empty())
            && self.fare_products.as_ref().is_some_and(|r| !r.is_empty())
    }
}

/// Reads the Fares v2 files of the feed at `path` (zip or directory). Never fails: what cannot
/// be read is in [`V2Files::errors`].
pub fn read_v2(path: &Path) -> V2Files {
    let mut src = Source::open(path);
    let mut v = V2Files::default();
    v.fare_media = src.table("fare_media.txt", &mut v.errors);
    v.fare_products = src.table("fare_products.txt", &mut v.errors);
    v.rider_categories = src.table("rider_categories.txt", &mut v.errors);
    v.fare_leg_rules = src.table("fare_leg_rules.txt", &mut v.errors);
    v.fare_transfer_rules = src.table("fare_transfer_rules.txt", &mut v.errors);
    v.timeframes = src.table("timeframes.txt", &mut v.errors);
    v.areas = src.table("areas.txt", &mut v.errors);
    v.stop_areas = src.table("stop_areas.txt", &mut v.errors);
    v.networks = src.table("networks.txt", &mut v.errors);
    v.route_networks = src.table("route_networks.txt", &mut v.errors);
    if v.present() {
        // Only worth reading routes.txt again when there are v2 rules to match networks with.
        let mut errs = Vec::new();
        let rows: Option<Vec<RouteNetworkColumn>> = src.table("routes.txt", &mut errs);
        v.route_network_column = rows
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.network_id.is_some())
            .collect();
        v.errors.extend(errs);
    }
    v
}

/// Where the files come from.
enum Source {
    Dir(std::path::PathBuf),
    Zip(Option<zip::ZipArchive<std::io::BufReader<std::fs::File>>>),
}

impl Source {
    fn open(path: &Path) -> Source {
        if path.is_dir() {
            return Source::Dir(path.to_path_buf());
        }
        let zip = std::fs::File::open(path)
            .ok()
            .and_then(|f| zip::ZipArchive::new(std::io::BufReader::new(f)).ok());
        Source::Zip(zip)
    }

    /// The bytes of `name`, read through the feed size bound; `Ok(None)` when absent.
    fn bytes(&mut self, name: &str) -> Result<Option<Vec<u8>>, String> {
        let limit: u64 = std::env::var("GETHERE_MAX_FEED_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(crate::feed::load::DEFAULT_MAX_FEED_BYTES);
        let mut out = Vec::new();
        match self {
            Source::Dir(d) => {
                let p = d.join(name);
                if !p.is_file() {
                    return Ok(None);
                }
                let f = std::fs::File::open(&p).map_err(|e| format!("{name}: {e}"))?;
                f.take(limit + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("{name}: {e}"))?;
            }
            Source::Zip(None) => return Ok(None),
            Source::Zip(Some(z)) => {
                let Some(i) = (0..z.len()).find(|&i| {
                    z.name_for_index(i)
                        .is_some_and(|n| n == name || n.ends_with(&format!("/{name}")))
                }) else {
                    return Ok(None);
                };
                let entry = z.by_index(i).map_err(|e| format!("{name}: {e}"))?;
                entry
                    .take(limit + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("{name}: {e}"))?;
            }
        }
        if out.len() as u64 > limit {
            return Err(format!("{name} is larger than the {limit}-byte feed limit"));
        }
        Ok(Some(out))
    }

    fn table<T: serde::de::DeserializeOwned>(
        &mut self,
        name: &str,
        errors: &mut Vec<String>,
    ) -> Option<Vec<T>> {
        let bytes = match self.bytes(name) {
            Ok(Some(b)) => b,
            Ok(None) => return None,
            Err(e) => {
                errors.push(e);
                return None;
            }
        };
        match parse_csv(name, &bytes) {
            Ok(rows) => Some(rows),
            Err(e) => {
                errors.push(e);
                None
            }
        }
    }
}

/// Parses one CSV file into rows: header names are trimmed, a UTF-8 BOM is ignored, empty
/// fields are `None`, unknown columns are ignored. The first bad row fails the file.
pub fn parse_csv<T: serde::de::DeserializeOwned>(
    name: &str,
    bytes: &[u8],
) -> Result<Vec<T>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Vec::new());
    }
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(bytes);
    let headers = rdr
        .headers()
        .map_err(|e| format!("{name}: header: {e}"))?
        .clone();
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            format!("{name}:{line}: {e}")
        })?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(|f| f.is_empty()) {
            continue;
        }
        let row: T = rec.deserialize(Some(&headers)).map_err(|e| {
            let what = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => {
                    let field = err
                        .field()
                        .and_then(|f| headers.get(f as usize))
                        .map(|h| format!("{h}: "))
                        .unwrap_or_default();
                    format!("{field}{}", err.kind())
                }
                _ => e.to_string(),
            };
            format!("{name}:{line}: {what}")
        })?;
        out.push(row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_are_none_and_missing_columns_default() {
        let rows: Vec<FareLegRuleRow> = parse_csv(
            "fare_leg_rules.txt",
            b"\xEF\xBB\xBFleg_group_id, network_id ,fare_product_id\nA,,P\n",
        )
        .unwrap();
        assert_eq!(rows[0].leg_group_id.as_deref(), Some("A"));
        assert_eq!(rows[0].network_id, None);
        assert_eq!(rows[0].rule_priority, None);
    }

    #[test]
    fn a_bad_row_names_file_line_and_column() {
        let e = parse_csv::<FareTransferRuleRow>(
            "fare_transfer_rules.txt",
            b"from_leg_group_id,to_leg_group_id,fare_transfer_type,transfer_count\nA,A,0,1\nA,A,x,1\n",
        )
        .unwrap_err();
        assert!(
            e.starts_with("fare_transfer_rules.txt:3: fare_transfer_type"),
            "{e}"
        );
    }
}
