//! Command-line definitions (clap derive) — nothing else. `app` turns these raw arguments into
//! typed requests once; nothing after that looks at strings.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const ABOUT: &str =
    "How do I get to the meetup by 5:30? Journeys, nearby stops and lines from GTFS timetables.";

const AFTER_HELP: &str = "Examples:
  gethere feed info
  gethere feed check --feed path/to/gtfs.zip
  gethere --feed https://example.org/gtfs.zip feed info

With no --feed, gethere uses $GETHERE_FEED, else the TriMet feed bundled in data/.";

#[derive(Debug, Parser)]
#[command(name = "gethere", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// GTFS feed: a .zip, a directory of .txt files, or an http(s) URL (downloaded and cached).
    #[arg(long, global = true, env = "GETHERE_FEED", value_name = "PATH|URL")]
    pub feed: Option<String>,

    /// Where downloaded feeds and compiled timetables are kept [default: the platform cache
    /// directory, e.g. ~/.cache/gethere].
    #[arg(long, global = true, env = "GETHERE_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Pretend it is this time (YYYY-MM-DDTHH:MM or a date) for anything relative to now, such
    /// as "feed expired" warnings. Makes output reproducible.
    #[arg(long, global = true, value_name = "TIME")]
    pub now: Option<String>,

    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect or validate a feed.
    #[command(subcommand)]
    Feed(FeedCommand),
}

#[derive(Debug, Subcommand)]
pub enum FeedCommand {
    /// Agencies, time zone, counts, the service date range and warnings you must see
    /// (expired, not yet valid, days without service).
    #[command(after_help = "Examples:
  gethere feed info
  gethere feed info --format json
  gethere feed info --feed ../shared/data/godurham/godurham-2023-12.gtfs.zip --now 2024-03-01")]
    Info,
    /// Validate a feed: missing files, dangling references, times running backwards,
    /// malformed values — with file, line and id. Exit 2 when the feed is unusable, 0 when it is
    /// usable (possibly with warnings).
    #[command(after_help = "Examples:
  gethere feed check
  gethere feed check --feed my-feed.zip --format json")]
    Check,
}
