#!/bin/sh
# Frequency figures for issue 17 ("frequencies without the blow-up"): generates all-frequency
# city feeds from Charlotte CATS with examples/frequency_feed.rs (not committed; deterministic)
# and prints, per feed, with the release binary:
#   - compile time and peak RSS (`gethere feed info` on an empty cache directory),
#   - cache size against the feed's own stop_times.txt (uncompressed and compressed in the zip),
#     and the bytes of each cache section (examples/cache_sections.rs),
#   - whole warm `gethere plan` processes, stop to stop, arrive-by 17:30 (RUNS pairs, default
#     21): wall time median/p90/min/max, the `--stats` load_ms and search_ms medians, and peak
#     RSS (GNU time -v, "Maximum resident set size") median/max;
#   and the same for a control feed: that feed without frequencies.txt (each template trip runs
#   once), which bounds what a compact frequency form could save.
#   benches/frequency.sh [TILES ...]     (default: 1 6 30 tiles of Charlotte)
# Environment: GETHERE_FREQ_DIR (feeds and caches; default /tmp/freq), GETHERE_FREQ_RUNS.
set -eu
cd "$(dirname "$0")/.."
dir="${GETHERE_FREQ_DIR:-/tmp/freq}"
runs="${GETHERE_FREQ_RUNS:-21}"
src=../shared/data/charlotte-cats-2018/charlotte-cats-2018.gtfs.zip
date=2018-10-10
[ $# -gt 0 ] || set -- 1 6 30
mkdir -p "$dir"
cargo build --release --quiet --bin gethere --example frequency_feed --example cache_sections
bin=target/release/gethere
gen=target/release/examples/frequency_feed

# Appends to FILE the wall milliseconds of one command (perl starts outside the timed part);
# the command may exit 0 or 1 (no journey).
ms() {
    perl -MTime::HiRes=time -e 'open(my $f, ">>", shift) or die; $t = time;
        system(@ARGV); $c = $? >> 8; $c == 0 || $c == 1 or exit 3;
        printf $f "%.2f\n", (time - $t) * 1000' -- "$@"
}
# "median p90 min max" of the numbers on stdin.
stats() {
    sort -n | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "n/a"; exit }
        printf "median %s, p90 %s, min %s, max %s (n=%d)\n",
            v[int((NR + 1) / 2)], v[int((NR * 9 + 9) / 10)], v[1], v[NR], NR }'
}
# Uncompressed and compressed bytes of one member of a zip.
member() {
    unzip -v "$1" "$2" | awk -v m="$2" '$NF == m { print $1, $3 }'
}

# measure LABEL FEED: every figure for one feed (pairs from "$dir/pairs.txt").
measure() {
    label=$1
    feed=$2
    cache="$dir/cache"
    echo "== $label: $feed"
    rm -rf "$cache"
    mkdir -p "$cache"
    /usr/bin/time -f '%e %M' -o "$dir/compile.time" \
        "$bin" --feed "$feed" --cache-dir "$cache" feed info >"$dir/info.txt"
    read -r secs kb <"$dir/compile.time"
    echo "  compile (feed info, cold cache dir): ${secs} s, peak RSS $((kb / 1024)) MB"
    grep -E '^(counts|compiled):' "$dir/info.txt" | sed 's/^/    /' || true
    cache_bytes=$(find "$cache" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
    sizes=$(member "$feed" stop_times.txt)
    st_raw=${sizes% *}
    st_zip=${sizes#* }
    zip_bytes=$(stat -c %s "$feed")
    echo "  cache: $cache_bytes B; stop_times.txt: $st_raw B uncompressed, $st_zip B in the zip (whole zip $zip_bytes B)"
    awk -v c="$cache_bytes" -v r="$st_raw" -v z="$st_zip" 'BEGIN {
        printf "  cache / stop_times.txt = %.2fx uncompressed, %.1fx zipped\n", c / r, c / z }'
    target/release/examples/cache_sections "$cache" | tail -n +2 | sed 's/^/  /'

    : >"$dir/wall.txt"
    : >"$dir/rss.txt"
    : >"$dir/stats.txt"
    answered=0
    while read -r a b; do
        set -- --feed "$feed" --cache-dir "$cache" plan --from "stop:$a" --to "stop:$b" \
            --arrive-by "${date}T17:30" --stats
        ms "$dir/wall.txt" "$bin" "$@" >/dev/null 2>"$dir/stderr.txt"
        grep -h '"search_ms"' "$dir/stderr.txt" >>"$dir/stats.txt" || true
        /usr/bin/time -v "$bin" "$@" >"$dir/out.txt" 2>"$dir/stderr.txt" || true
        awk -F': ' '/Maximum resident set size/ { printf "%.1f\n", $2 / 1024 }' \
            "$dir/stderr.txt" >>"$dir/rss.txt"
        grep -q -i 'no journey' "$dir/out.txt" "$dir/stderr.txt" || answered=$((answered + 1))
    done <"$dir/pairs.txt"
    echo "  warm plan process wall ms: $(stats <"$dir/wall.txt"); $answered answered"
    echo "    --stats load_ms: $(sed 's/.*"load_ms":\([0-9.]*\).*/\1/' "$dir/stats.txt" | stats)"
    echo "    --stats search_ms: $(sed 's/.*"search_ms":\([0-9.]*\).*/\1/' "$dir/stats.txt" | stats)"
    echo "  warm plan peak RSS MB: $(stats <"$dir/rss.txt")"
    rm -rf "$cache"
}

for tiles in "$@"; do
    feed="$dir/frequency-$tiles.gtfs.zip"
    [ -f "$feed" ] || "$gen" "$src" "$feed" "$tiles"
    # Stop pairs: the served stops of tile 0 in first-seen order, stop i with stop i + n/2.
    unzip -p "$feed" stop_times.txt | awk -F, -v tiles="$tiles" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == "stop_id") c = i; next }
        tiles > 1 && index($c, "0:") != 1 { next }
        !seen[$c]++ { s[n++] = $c }
        END { for (i = 0; i < n; i++) print s[i], s[(i + int(n / 2)) % n] }' |
        awk -v runs="$runs" 'NR % 7 == 1 && k < runs { print; k++ }' >"$dir/pairs.txt"
    measure "all-frequency Charlotte, $tiles tile(s)" "$feed"
    # The control: the same feed without frequencies.txt, so each template runs once. Same
    # stops, patterns and walking links, 1/20 of the trips: the floor of the compact (template
    # + headway windows) form, less its window table.
    control="$dir/templates-$tiles.gtfs.zip"
    if [ ! -f "$control" ]; then
        cp "$feed" "$control"
        zip -q -d "$control" frequencies.txt
    fi
    measure "control: the same $tiles tile(s) without frequencies.txt (templates only)" "$control"
done
