//! The region config: which file describes the region (its feeds, venues, geocoder, street map
//! and realtime sources), how it is found, and where each effective value came from.
//!
//! The file format is the venues file's (see [`crate::venues`]): it grew `[[feeds]]` and kept
//! its name for the old `--venues` spelling, so every venues file is a region config and no
//! second format exists. Discovery, first match wins:
//!
//! 1. `--config FILE`, or `--venues FILE` (the older name; giving both is an error);
//! 2. `GETHERE_CONFIG`, else `GETHERE_VENUES`;
//! 3. the platform config directory (`~/.config/gethere/config.toml` on Linux) when it exists;
//! 4. the built-in file (the bundled `data/venues.toml`, compiled into the binary).
//!
//! A flag beats the environment, which beats the file, which beats the built-in default, value
//! by value: `--feed` replaces the file's `[[feeds]]`, `--streets` its `[streets]`, and so on.
//! `gethere config` prints the outcome with each value's [`Origin`].

use crate::cli::GlobalArgs;
use crate::error::{Error, Result};
use crate::feed::FeedSource;
use crate::venues::Venues;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The environment variable naming the config file.
pub const CONFIG_ENV: &str = "GETHERE_CONFIG";

/// One feed of the region: `[[feeds]]` in the config file, or one `--feed` value.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FeedSpec {
    /// A short name (`[a-z0-9_-]+`) that identifies the feed in ids and messages; `None`:
    /// derived from the source.
    #[serde(default)]
    pub key: Option<String>,
    /// A path (in a config file: relative to the file's directory) or an http(s) URL.
    pub source: String,
}

impl FeedSpec {
    /// Reads one `--feed` (or `GETHERE_FEED`) value: `SOURCE`, or `KEY=SOURCE` when the part
    /// before the first `=` is a valid key. A URL's query (`https://h/gtfs?k=v`) never reads as
    /// a key (the part before `=` has `:` and `/`); a file whose name has `=` in it can be
    /// given as `./a=b.zip`.
    pub fn parse_arg(s: &str) -> FeedSpec {
        let s = s.trim();
        if let Some((k, v)) = s.split_once('=')
            && valid_key(k)
            && !v.trim().is_empty()
        {
            return FeedSpec {
                key: Some(k.to_string()),
                source: v.trim().to_string(),
            };
        }
        FeedSpec {
            key: None,
            source: s.to_string(),
        }
    }

    /// Where the feed comes from.
    pub fn feed_source(&self) -> FeedSource {
        FeedSource::parse(&self.source)
    }
}

/// Whether `k` is a feed key: non-empty, at most 32 of `a-z`, `0-9`, `_`, `-`.
pub fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 32
        && k.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Checks the keys of a feed list: each valid and none twice. The error names the key.
pub fn check_keys(feeds: &[FeedSpec]) -> std::result::Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    for f in feeds {
        let Some(k) = &f.key else { continue };
        if !valid_key(k) {
            return Err(format!(
                "feed key '{k}' is not valid: use up to 32 of a-z, 0-9, '_' and '-'"
            ));
        }
        if !seen.insert(k.as_str()) {
            return Err(format!(
                "two feeds have the key '{k}'; give each feed its own key"
            ));
        }
    }
    Ok(())
}

/// Where an effective value came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// A command-line flag.
    Flag { name: &'static str },
    /// An environment variable.
    Env { name: &'static str },
    /// The region config file.
    ConfigFile { path: String },
    /// The platform's directory (the config file found there, or the cache directory).
    PlatformDefault { path: String },
    /// gethere's own default (the bundled feed, venues and street map; no geocoder).
    BuiltIn,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Flag { name } => write!(f, "{name}"),
            Origin::Env { name } => write!(f, "${name}"),
            Origin::ConfigFile { path } => write!(f, "config file {path}"),
            // The path is the value shown beside it (JSON keeps it here too).
            Origin::PlatformDefault { .. } => write!(f, "platform default"),
            Origin::BuiltIn => write!(f, "built-in default"),
        }
    }
}

/// Where each effective value of the run came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Provenance {
    pub config: Origin,
    pub feeds: Origin,
    pub venues: Origin,
    pub geocoder: Origin,
    pub streets: Origin,
    pub realtime: Origin,
    pub cache_dir: Origin,
}

/// The region config of a run: the file (or the built-in one), the feeds to open, and where
/// every value came from.
#[derive(Clone, Debug)]
pub struct Region {
    /// The config file as read; `path` is `None` for the built-in one.
    pub file: Venues,
    /// Where the platform config file is looked for (whether or not it exists).
    pub platform_file: Option<PathBuf>,
    /// The feeds, in the order given (never empty). Relative paths of a config file are
    /// already joined to its directory.
    pub feeds: Vec<FeedSpec>,
    pub provenance: Provenance,
}

/// The platform's config file: `<config dir>/gethere/config.toml` (`~/.config/gethere/…` on
/// Linux, following `XDG_CONFIG_HOME`).
pub fn platform_config_file() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("gethere").join("config.toml"))
}

/// Whether a `GlobalArgs` value came from its environment variable rather than its flag.
fn origin_of(g: &GlobalArgs, id: &str, flag: &'static str, env: &'static str) -> Origin {
    if g.from_env.iter().any(|e| e == id) {
        Origin::Env { name: env }
    } else {
        Origin::Flag { name: flag }
    }
}

fn given(p: &Option<PathBuf>) -> Option<&PathBuf> {
    p.as_ref().filter(|p| !p.as_os_str().is_empty())
}

/// Resolves the region config of a run from the global arguments. `platform_file` is the
/// platform config file to try (normally [`platform_config_file`]); `built_in_feed` is the
/// feed used when nothing names one. Reads the config file (errors: missing or unreadable
/// file, TOML errors with their line, unknown keys, bad or repeated feed keys) but no feed.
pub fn resolve(
    g: &GlobalArgs,
    platform_file: Option<PathBuf>,
    built_in_feed: impl FnOnce() -> Result<PathBuf>,
) -> Result<Region> {
    // 1–4: which file.
    let config_flag = given(&g.config).map(|p| (p, origin_of(g, "config", "--config", CONFIG_ENV)));
    let venues_flag =
        given(&g.venues).map(|p| (p, origin_of(g, "venues", "--venues", "GETHERE_VENUES")));
    let is_flag = |o: &Origin| matches!(o, Origin::Flag { .. });
    let platform_file_looked_at = platform_file.clone();
    let chosen = match (config_flag, venues_flag) {
        (Some((c, co)), Some((v, vo))) if is_flag(&co) && is_flag(&vo) && c != v => {
            return Err(Error::bad_input(
                "--venues",
                &v.display().to_string(),
                "--config and --venues both name the region config file; give one",
            ));
        }
        // A flag beats the environment; between two of a kind, --config/GETHERE_CONFIG.
        (Some((c, co)), Some((v, vo))) => {
            if is_flag(&vo) && !is_flag(&co) {
                Some((v.clone(), vo, "venues file"))
            } else {
                Some((c.clone(), co, "config file"))
            }
        }
        (Some((c, co)), None) => Some((c.clone(), co, "config file")),
        (None, Some((v, vo))) => Some((v.clone(), vo, "venues file")),
        (None, None) => platform_file.filter(|p| p.is_file()).map(|p| {
            let o = Origin::PlatformDefault {
                path: p.display().to_string(),
            };
            (p, o, "config file")
        }),
    };
    let (file, config_origin) = match chosen {
        Some((path, origin, what)) => (load_file(&path, what)?, origin),
        None => (
            Venues::parse(crate::venues::BUNDLED_VENUES_TEXT).map_err(|why| Error::BadInput {
                what: "config file",
                input: "(built-in)".into(),
                why,
            })?,
            Origin::BuiltIn,
        ),
    };
    let from_file = || match &file.path {
        Some(p) => Origin::ConfigFile {
            path: p.display().to_string(),
        },
        None => Origin::BuiltIn,
    };

    // Feeds: --feed / GETHERE_FEED, else the file's [[feeds]], else the bundled feed. The
    // built-in file's [[feeds]] name that same bundled feed by a path relative to data/, which
    // an installed binary does not have: it is opened from the copy in the binary instead.
    let cli_feeds: Vec<FeedSpec> = g
        .feed
        .iter()
        .filter(|f| !f.trim().is_empty())
        .map(|f| FeedSpec::parse_arg(f))
        .collect();
    let (feeds, feeds_origin) = if !cli_feeds.is_empty() {
        let origin = origin_of(g, "feed", "--feed", "GETHERE_FEED");
        check_keys(&cli_feeds).map_err(|why| Error::ConfigFile {
            what: "feeds of",
            location: origin.to_string(),
            why,
        })?;
        (cli_feeds, origin)
    } else if file.path.is_some() && !file.feeds.is_empty() {
        (file.feeds.clone(), from_file())
    } else {
        let key = file.feeds.first().and_then(|f| f.key.clone());
        let path = built_in_feed()?;
        (
            vec![FeedSpec {
                key: if file.path.is_none() { key } else { None },
                source: path.display().to_string(),
            }],
            Origin::BuiltIn,
        )
    };

    let pick = |cli: bool, id: &str, flag: &'static str, env: &'static str, in_file: bool| {
        if cli {
            origin_of(g, id, flag, env)
        } else if in_file {
            from_file()
        } else {
            Origin::BuiltIn
        }
    };
    let nonempty = |s: &Option<String>| s.as_ref().is_some_and(|s| !s.trim().is_empty());
    let provenance = Provenance {
        config: config_origin,
        feeds: feeds_origin,
        venues: from_file(),
        geocoder: pick(
            nonempty(&g.geocoder),
            "geocoder",
            "--geocoder",
            "GETHERE_GEOCODER",
            file.geocoder.is_some(),
        ),
        streets: pick(
            nonempty(&g.streets),
            "streets",
            "--streets",
            "GETHERE_STREETS",
            file.streets.is_some(),
        ),
        realtime: pick(
            g.realtime.iter().any(|s| !s.trim().is_empty()),
            "realtime",
            "--realtime",
            "GETHERE_REALTIME",
            file.realtime
                .as_ref()
                .is_some_and(|r| !r.sources.is_empty()),
        ),
        cache_dir: match given(&g.cache_dir) {
            Some(_) => origin_of(g, "cache_dir", "--cache-dir", "GETHERE_CACHE_DIR"),
            None => Origin::PlatformDefault {
                path: crate::timetable::cache::default_cache_dir()
                    .display()
                    .to_string(),
            },
        },
    };
    Ok(Region {
        file,
        platform_file: platform_file_looked_at,
        feeds,
        provenance,
    })
}

/// Reads a config file named by a flag, the environment or the platform directory. Relative
/// feed and realtime file paths are joined to the file's directory here, once.
fn load_file(path: &Path, what: &'static str) -> Result<Venues> {
    let action = if what == "venues file" {
        "reading venues file"
    } else {
        "reading config file"
    };
    let text = std::fs::read_to_string(path).map_err(|e| Error::ConfigFile {
        what: action,
        location: path.display().to_string(),
        why: if e.kind() == std::io::ErrorKind::NotFound {
            "no such file".into()
        } else {
            e.to_string()
        },
    })?;
    let mut v = Venues::parse_located(&text).map_err(|(line, why)| Error::ConfigFile {
        what,
        location: match line {
            Some(l) => format!("{}:{l}", path.display()),
            None => path.display().to_string(),
        },
        why,
    })?;
    let dir = path.parent().unwrap_or(Path::new(""));
    for f in &mut v.feeds {
        if let FeedSource::Path(p) = f.feed_source()
            && p.is_relative()
        {
            f.source = dir.join(p).display().to_string();
        }
    }
    // Realtime snapshot files too, like the street map (which `app::open_streets` joins).
    for s in v.realtime.iter_mut().flat_map(|r| r.sources.iter_mut()) {
        if let crate::realtime::Source::File(p) = crate::realtime::Source::parse(s)
            && p.is_relative()
        {
            *s = dir.join(p).display().to_string();
        }
    }
    v.path = Some(path.to_path_buf());
    Ok(v)
}

/// The effective configuration, as `gethere config` prints it.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub config_file: Option<String>,
    pub config_from: Origin,
    /// Where a config file in the platform directory would be found.
    pub platform_config_file: Option<String>,
    pub feeds: Vec<FeedReport>,
    pub feeds_from: Origin,
    pub venues: Vec<String>,
    pub venues_from: Origin,
    /// `None`: addresses are not looked up.
    pub geocoder: Option<String>,
    pub geocoder_from: Origin,
    /// `None`: the bundled central-Portland extract, for feeds with stops in its area.
    pub streets: Option<String>,
    pub streets_from: Origin,
    pub realtime: Vec<String>,
    pub realtime_from: Origin,
    pub cache_dir: String,
    pub cache_dir_from: Origin,
}

#[derive(Clone, Debug, Serialize)]
pub struct FeedReport {
    pub key: Option<String>,
    pub source: String,
    /// For a path: whether it exists (a URL: `None`, nothing is downloaded).
    pub exists: Option<bool>,
}

/// The effective configuration of a run. `streets`, `geocoder` and `realtime` are the values
/// from the command line or environment (`None`/empty: the file's, else the default).
pub fn report(
    region: &Region,
    geocoder: Option<&str>,
    streets: Option<&str>,
    realtime: &[String],
    cache_dir: &Path,
) -> Report {
    let f = &region.file;
    let p = &region.provenance;
    let streets = streets.map(str::to_string).or_else(|| {
        f.streets.as_ref().map(|s| match FeedSource::parse(&s.map) {
            // Relative to the file, as `open_streets` reads it.
            FeedSource::Path(m) if m.is_relative() && s.map != "none" => f
                .path
                .as_ref()
                .and_then(|fp| fp.parent())
                .map(|d| d.join(&m).display().to_string())
                .unwrap_or_else(|| s.map.clone()),
            _ => s.map.clone(),
        })
    });
    let realtime = if realtime.iter().any(|s| !s.trim().is_empty()) {
        realtime
            .iter()
            .filter(|s| !s.trim().is_empty())
            .cloned()
            .collect()
    } else {
        f.realtime
            .as_ref()
            .map(|r| r.sources.clone())
            .unwrap_or_default()
    };
    Report {
        config_file: f.path.as_ref().map(|p| p.display().to_string()),
        config_from: p.config.clone(),
        platform_config_file: region
            .platform_file
            .as_ref()
            .map(|p| p.display().to_string()),
        feeds: region
            .feeds
            .iter()
            .map(|s| FeedReport {
                key: s.key.clone(),
                source: s.source.clone(),
                exists: match s.feed_source() {
                    FeedSource::Path(p) => Some(p.exists()),
                    FeedSource::Url(_) => None,
                },
            })
            .collect(),
        feeds_from: p.feeds.clone(),
        venues: f.venues.keys().cloned().collect(),
        venues_from: p.venues.clone(),
        geocoder: geocoder
            .map(str::to_string)
            .or_else(|| f.geocoder.as_ref().map(|g| g.url.clone())),
        geocoder_from: p.geocoder.clone(),
        streets,
        streets_from: p.streets.clone(),
        realtime,
        realtime_from: p.realtime.clone(),
        cache_dir: cache_dir.display().to_string(),
        cache_dir_from: p.cache_dir.clone(),
    }
}

/// `gethere config` as text: one value per line, its origin in brackets.
pub fn render_text(r: &Report) -> String {
    let mut o = String::new();
    let line = |o: &mut String, name: &str, value: &str, from: &Origin| {
        o.push_str(&format!("{name:<10} {value}  [{from}]\n"));
    };
    let built_in = match &r.platform_config_file {
        Some(p) => format!("(built-in: data/venues.toml; no {p})"),
        None => "(built-in: data/venues.toml)".into(),
    };
    line(
        &mut o,
        "config",
        r.config_file.as_deref().unwrap_or(&built_in),
        &r.config_from,
    );
    for f in &r.feeds {
        let missing = if f.exists == Some(false) {
            " (no such file)"
        } else {
            ""
        };
        let value = match &f.key {
            Some(k) => format!("{k} = {}{missing}", f.source),
            None => format!("{}{missing}", f.source),
        };
        line(&mut o, "feed", &value, &r.feeds_from);
    }
    let venues = if r.venues.is_empty() {
        "none".to_string()
    } else {
        format!("{} ({})", r.venues.len(), r.venues.join(", "))
    };
    line(&mut o, "venues", &venues, &r.venues_from);
    line(
        &mut o,
        "geocoder",
        r.geocoder
            .as_deref()
            .unwrap_or("none (addresses are not looked up)"),
        &r.geocoder_from,
    );
    let streets = match r.streets.as_deref() {
        None => "the bundled central-Portland extract, for feeds in its area",
        Some("none") => "none (straight-line walking)",
        Some(s) => s,
    };
    line(&mut o, "streets", streets, &r.streets_from);
    if r.realtime.is_empty() {
        line(&mut o, "realtime", "none", &r.realtime_from);
    }
    for s in &r.realtime {
        line(&mut o, "realtime", s, &r.realtime_from);
    }
    line(&mut o, "cache dir", &r.cache_dir, &r.cache_dir_from);
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_args_take_a_key_only_before_a_plain_source() {
        let p = |s: &str| {
            let f = FeedSpec::parse_arg(s);
            (f.key, f.source)
        };
        assert_eq!(
            p("durham=godurham.zip"),
            (Some("durham".into()), "godurham.zip".into())
        );
        assert_eq!(p("godurham.zip"), (None, "godurham.zip".into()));
        // A URL's query is not a key.
        assert_eq!(
            p("https://h.example/gtfs.zip?key=abc"),
            (None, "https://h.example/gtfs.zip?key=abc".into())
        );
        assert_eq!(
            p("cats=https://h.example/gtfs.zip?key=abc"),
            (
                Some("cats".into()),
                "https://h.example/gtfs.zip?key=abc".into()
            )
        );
        // Not a key (capitals, a path): the whole value is the source.
        assert_eq!(p("Durham=x.zip"), (None, "Durham=x.zip".into()));
        assert_eq!(p("./a=b.zip"), (None, "./a=b.zip".into()));
        assert_eq!(p("a="), (None, "a=".into()));
    }

    #[test]
    fn keys_are_checked() {
        let f = |k: &str| FeedSpec {
            key: Some(k.into()),
            source: "x.zip".into(),
        };
        assert!(check_keys(&[f("a"), f("b")]).is_ok());
        let e = check_keys(&[f("a"), f("a")]).unwrap_err();
        assert!(e.contains("two feeds have the key 'a'"), "{e}");
        let e = check_keys(&[f("Big")]).unwrap_err();
        assert!(e.contains("'Big' is not valid"), "{e}");
    }
}
