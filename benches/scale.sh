#!/bin/sh
# Scale figures for issue 17: generates the country-size feed (not committed; about 170 MB,
# 15.5 million stop times, deterministic) and prints the figures of benches/scale.rs for the
# bundled TriMet feed, Charlotte CATS and that feed.
#   benches/scale.sh [TILES]      (default 50 tiles of Charlotte)
set -eu
cd "$(dirname "$0")/.."
out="${GETHERE_COUNTRY_FEED:-target/country.gtfs.zip}"
if [ ! -f "$out" ]; then
    cargo run --release --example country_feed -- \
        ../shared/data/charlotte-cats-2018/charlotte-cats-2018.gtfs.zip "$out" "${1:-50}"
fi
GETHERE_COUNTRY_FEED="$out" cargo bench --bench scale
