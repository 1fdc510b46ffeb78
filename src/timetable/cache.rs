//! The compiled timetable on disk: so that a query process starts in milliseconds instead of
//! re-parsing CSV, and — since the file is memory-mapped, not decoded — in the same few
//! milliseconds for a city and for a country.
//!
//! File layout (native byte order; the header records it):
//!
//! ```text
//! 0    magic "GETHERE\0" | format version u32 | byte-order mark u32 (0x01020304)
//! 16   layout hash, 32 bytes (blake3 of every flat field's name, type size, alignment, offsets)
//! 48   feed content hash, 64 hex bytes
//! 112  small part length u64 | section count u32 | reserved u32
//! 128  header checksum, 32 bytes: blake3 of bytes 0..128, the section table and the small part
//! 160  section table: (offset u64, byte length u64) per flat field, in `flat_fields!` order
//!      small part = postcard(Timetable without its flat fields)
//!      sections, each at an offset that is a multiple of 8; the file ends where the last ends
//! ```
//!
//! The *flat* fields ([`super::Store`]s: trips, patterns, stop times, indices; see
//! [`flat_fields`]) are borrowed from the mapping, so opening costs the same for 40 thousand
//! and 40 million stop times and a query touches only the pages it reads. Everything else
//! (stops, routes, fares, rules' small tables, warnings) is the postcard *small part*.
//!
//! **What is checked on open, and why not a hash of everything.** Hashing the whole file would
//! read every page (150 MB for 15 million stop times: ~100 ms), which is what mapping avoids.
//! So opening checks, in time independent of the number of stop times: the magic, format
//! version, byte order, layout hash (a binary that lays a type out differently rebuilds) and
//! feed hash; the blake3 checksum of header, section table and small part; that every section
//! lies inside the file, is aligned and holds whole elements, and that the file is exactly as
//! long as the table says (a truncated file fails here). Then every section whose values are
//! *indices* into another is validated (patterns, pattern stops, stop → pattern index, walking
//! links' offsets, trips' routes and services, continuations, label slots, stops' string
//! indices and id index, service days): that pass is linear in trips and pattern stops, not in
//! stop times (5.7 ms on a 15-million-stop-time country, and it faults in those pages), so it
//! runs once per cache file: a memo under `<cache>/checked/`, named by the opened file's
//! identity (inode, device, size, modification and change times) and header checksum, says
//! that this very file passed ([`open_cache`]). Cache files are never written in place (see
//! below) and any write moves the change time, so the memo cannot outlive the checked bytes
//! except by damage below the file system; a damaged index then panics on a bounds check, it
//! never reads outside the mapping. The stop times themselves, string bytes and walking
//! links' bytes are not checked: any bits there are a valid `u32` or read as "" (strings are checked as UTF-8 when
//! read; a damaged walking link list ends early), so damage there can give a wrong time or a
//! missing walk, never a panic or undefined behaviour. Anything that fails means "rebuild",
//! with the reason in the message.
//!
//! The file name is keyed by the feed's content hash, the format version and the crate
//! version, so a changed feed or a new gethere never reads a stale timetable. Writes go to a
//! temporary file in the same directory and are renamed into place, so two processes compiling
//! the same feed at once both succeed and leave one valid file, and a mapped file is never
//! changed underneath a reader (a replaced file keeps its old inode until unmapped).
//!
//! The cache lives in the cache directory rather than beside the feed: a feed's directory may be
//! read-only (a shared data folder, a package), and identical feeds share one compiled copy.

use super::{Pod, Store, Timetable};
use crate::error::{Error, Result};
use crate::feed::load::{content_hash, read_raw};
use memmap2::Mmap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

const MAGIC: &[u8; 8] = b"GETHERE\0";
/// Bump when the layout of [`Timetable`] or its meaning changes.
pub const FORMAT_VERSION: u32 = 11;
const HEADER_LEN: usize = 160;
const BYTE_ORDER: u32 = 0x0102_0304;

/// The flat fields of [`Timetable`], in file order: `$m!(field.path, …)`. A field listed here
/// must be `#[serde(skip)]` (the small part leaves it out) and a [`Store`] of a [`Pod`] type.
/// The round-trip test below compares every field after a write and read, so a field left out
/// of both lists is caught.
macro_rules! flat_fields {
    ($m:ident) => {
        $m!(
            day_start,
            service_bits,
            trips,
            trip_strings.ends,
            trip_strings.bytes,
            patterns,
            pattern_stops,
            pattern_flags,
            pattern_headsigns,
            arr,
            dep,
            freq_windows,
            freq_dep,
            freq_arr,
            stop_patterns.start,
            stop_patterns.words,
            transfers_start,
            transfers_to_start,
            walk_start,
            walk,
            rules.pattern_from_slot,
            rules.pattern_to_slot,
            rules.cont_start,
            rules.cont,
            rules.prev_start,
            rules.prev,
            stop_seqs.first,
            stop_seqs.list,
            shapes.ids.ends,
            shapes.ids.bytes,
            shapes.start,
            shapes.coords,
            shapes.pattern_shape,
            stops.ids.ends,
            stops.ids.bytes,
            stops.by_id,
            stops.lats_e7,
            stops.lons_e7,
            stops.lats,
            stops.lons,
            stops.parents,
            stops.child_stops,
            stops.strings.ends,
            stops.strings.bytes,
            stops.names,
            stops.extra_stops,
            stops.extras,
            stops.kinds,
            stops.wheelchair,
            cells.of_stop,
            cells.out_start,
            cells.out_to,
            cells.out_secs,
            cells.in_start,
            cells.in_from,
            cells.in_secs,
            cells.chg_start,
            cells.chg_to,
            cells.chg_in_start,
            cells.chg_in_from,
            cells.seq_cells,
            cells.pattern_seq,
            cells.cell_nodes_start,
            cells.cell_nodes,
            cells.cont_nodes,
            cells.cont_nodes_rev,
            cells.walk_start,
            cells.walk_to,
            cells.walk_m
        )
    };
}

fn layout_of<T: Pod, F: for<'a> Fn(&'a Timetable) -> &'a Store<T>>(_: F) -> String {
    T::layout()
}

/// Names and layouts of the flat fields, hashed into the header.
fn layout_hash() -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    macro_rules! each {
        ($($($f:ident).+),*) => {$(
            h.update(stringify!($($f).+).as_bytes());
            h.update(layout_of(|t: &Timetable| &t.$($f).+).as_bytes());
            h.update(b";");
        )*};
    }
    flat_fields!(each);
    h.update(std::env::consts::ARCH.as_bytes());
    *h.finalize().as_bytes()
}

fn section_count() -> usize {
    let mut n = 0;
    macro_rules! each {
        ($($($f:ident).+),*) => {$( let _ = stringify!($($f).+); n += 1; )*};
    }
    flat_fields!(each);
    n
}

/// The bytes of each part of a cache file, for size reports (`examples/cache_sections.rs`):
/// `header` (with the section table), `small part`, then every flat section by field name, in
/// file order (alignment padding, at most 7 bytes a section, is not counted). Reads only the
/// header and section table; a file that is not a cache of this format is an error.
pub fn section_sizes(path: &Path) -> std::io::Result<Vec<(&'static str, u64)>> {
    use std::io::Read;
    let bad = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string());
    let mut f = std::fs::File::open(path)?;
    let mut head = vec![0u8; HEADER_LEN];
    f.read_exact(&mut head)?;
    if &head[..8] != MAGIC || head[8..12] != FORMAT_VERSION.to_ne_bytes() {
        return Err(bad("not a gethere timetable of this format version"));
    }
    let n = section_count();
    let u64_at = |b: &[u8], i: usize| u64::from_ne_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
    if head[120..124] != (n as u32).to_ne_bytes() {
        return Err(bad("wrong number of sections"));
    }
    let mut table = vec![0u8; 16 * n];
    f.read_exact(&mut table)?;
    let mut names: Vec<&'static str> = Vec::with_capacity(n);
    macro_rules! each {
        ($($($f:ident).+),*) => {$( names.push(stringify!($($f).+)); )*};
    }
    flat_fields!(each);
    let mut out = vec![
        ("header", (HEADER_LEN + 16 * n) as u64),
        ("small part", u64_at(&head, 112)),
    ];
    out.extend(
        names
            .into_iter()
            .enumerate()
            .map(|(i, name)| (name, u64_at(&table, 16 * i + 8))),
    );
    Ok(out)
}

/// Where the time of a load went, for `--stats` and benchmarks.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct LoadStats {
    /// `true` if the timetable came from the cache, `false` if it was compiled now.
    pub from_cache: bool,
    /// `true` if the cache's index sections were validated in this load, `false` if a memo
    /// said this very file passed before (or it was compiled now).
    pub checked: bool,
    pub hash_ms: f64,
    pub read_ms: f64,
    pub compile_ms: f64,
    pub cache_path: PathBuf,
    /// Why the cache was not used, if it existed but was rejected.
    pub cache_rejected: Option<String>,
}

/// The default cache directory: `GETHERE_CACHE_DIR`, else the platform cache dir
/// (`~/.cache/gethere` on Linux), else `.gethere-cache` in the working directory.
pub fn default_cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("GETHERE_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    dirs::cache_dir()
        .map(|d| d.join("gethere"))
        .unwrap_or_else(|| PathBuf::from(".gethere-cache"))
}

/// The cache file for a feed with this content hash.
pub fn cache_path(cache_dir: &Path, content_hash: &str) -> PathBuf {
    let short = &content_hash[..content_hash.len().min(32)];
    cache_dir.join("timetables").join(format!(
        "{short}-f{FORMAT_VERSION}-v{}.timetable",
        env!("CARGO_PKG_VERSION")
    ))
}

/// Loads the compiled timetable for the feed at `feed_path`, compiling and caching it when
/// there is no valid cached copy. A cache that cannot be written is reported in
/// `LoadStats::cache_rejected` but does not fail the load.
pub fn load_or_compile(feed_path: &Path, cache_dir: &Path) -> Result<(Timetable, LoadStats)> {
    let mut stats = LoadStats::default();
    let t0 = Instant::now();
    if !feed_path.exists() {
        return Err(Error::FeedUnusable {
            feed: feed_path.display().to_string(),
            reason: "no such file or directory".into(),
        });
    }
    let hash = feed_hash(feed_path, cache_dir)?;
    stats.hash_ms = ms(t0);
    let path = cache_path(cache_dir, &hash);
    stats.cache_path = path.clone();

    let t1 = Instant::now();
    match open_cache(&path, &hash, Some(&cache_dir.join("checked"))) {
        Ok((tt, checked)) => {
            stats.from_cache = true;
            stats.checked = checked;
            stats.read_ms = ms(t1);
            return Ok((tt, stats));
        }
        Err(CacheMiss::Absent) => {}
        Err(CacheMiss::Invalid(why)) => stats.cache_rejected = Some(why),
    }

    let t2 = Instant::now();
    let spinner = crate::progress::Spinner::start(format!("compiling {}", feed_path.display()));
    let raw = read_raw(feed_path);
    let tt = raw.and_then(|raw| {
        crate::fares::compile_feed(
            &raw,
            feed_path,
            &feed_path.display().to_string(),
            hash.clone(),
        )
    });
    spinner.finish();
    let tt = tt?;
    stats.compile_ms = ms(t2);
    if let Err(e) = write_cache(&path, &tt) {
        stats.cache_rejected = Some(e.to_string());
    }
    Ok((tt, stats))
}

/// One feed of a region to load: its key and where it is on disk.
#[derive(Clone, Debug)]
pub struct RegionFeed {
    pub key: String,
    pub path: PathBuf,
}

/// Loads the compiled timetable of several feeds as one region (see
/// [`super::compile::compile_region`]), cached under the hash of all their content hashes
/// with their keys, in any order. One feed is exactly [`load_or_compile`]. A region compiled
/// with a feed left out (`skip_broken`) is not cached: the next run tries that feed again.
pub fn load_or_compile_region(
    feeds: &[RegionFeed],
    cache_dir: &Path,
    skip_broken: bool,
) -> Result<(Timetable, LoadStats)> {
    if let [one] = feeds {
        let (mut tt, stats) = load_or_compile(&one.path, cache_dir)?;
        if let Some(f) = tt.feeds.first_mut() {
            f.key = one.key.clone();
        }
        return Ok((tt, stats));
    }
    let mut stats = LoadStats::default();
    let t0 = Instant::now();
    let mut hashes: Vec<Option<String>> = Vec::with_capacity(feeds.len());
    let mut notes: Vec<String> = Vec::new();
    for f in feeds {
        let h = if f.path.exists() {
            feed_hash(&f.path, cache_dir)
        } else {
            Err(Error::FeedUnusable {
                feed: f.path.display().to_string(),
                reason: "no such file or directory".into(),
            })
        };
        match h {
            Ok(h) => hashes.push(Some(h)),
            Err(e) if skip_broken => {
                notes.push(format!(
                    "feed {} left out (--skip-broken-feeds): {e}",
                    f.key
                ));
                hashes.push(None);
            }
            Err(e) => return Err(e),
        }
    }
    stats.hash_ms = ms(t0);
    let all_ok = hashes.iter().all(Option::is_some);
    let key = super::compile::region_hash(
        feeds
            .iter()
            .zip(&hashes)
            .filter_map(|(f, h)| Some((f.key.as_str(), h.as_deref()?))),
    );
    let path = cache_path(cache_dir, &key);
    stats.cache_path = path.clone();
    let t1 = Instant::now();
    if all_ok {
        match open_cache(&path, &key, Some(&cache_dir.join("checked"))) {
            Ok((mut tt, checked)) => {
                stats.from_cache = true;
                stats.checked = checked;
                stats.read_ms = ms(t1);
                tt.meta.warnings.extend(notes);
                return Ok((tt, stats));
            }
            Err(CacheMiss::Absent) => {}
            Err(CacheMiss::Invalid(why)) => stats.cache_rejected = Some(why),
        }
    }
    let t2 = Instant::now();
    let names: Vec<String> = feeds.iter().map(|f| f.path.display().to_string()).collect();
    let spinner = crate::progress::Spinner::start(format!("compiling {} feeds", feeds.len()));
    let mut raws = Vec::with_capacity(feeds.len());
    for ((f, h), name) in feeds.iter().zip(&hashes).zip(&names) {
        let Some(h) = h else { continue };
        match read_raw(&f.path) {
            Ok(raw) => raws.push((f, h.clone(), name, raw)),
            Err(e) if skip_broken => notes.push(format!(
                "feed {} left out (--skip-broken-feeds): {e}",
                f.key
            )),
            Err(e) => {
                spinner.finish();
                return Err(e);
            }
        }
    }
    let inputs: Vec<super::compile::FeedInput> = raws
        .iter()
        .map(|(f, h, name, raw)| super::compile::FeedInput {
            key: f.key.clone(),
            name: (*name).clone(),
            raw,
            content_hash: h.clone(),
        })
        .collect();
    let tt = if inputs.is_empty() {
        Err(Error::FeedUnusable {
            feed: names.join(", "),
            reason: format!("no feed could be used: {}", notes.join("; ")),
        })
    } else {
        super::compile::compile_region(&inputs, skip_broken).map(|mut tt| {
            let used: Vec<(&crate::feed::load::RawFeed, &Path)> = tt
                .feeds
                .iter()
                .filter_map(|f| {
                    raws.iter()
                        .find(|(g, ..)| g.key == f.key)
                        .map(|(g, _, _, raw)| (raw, g.path.as_path()))
                })
                .collect();
            crate::fares::compile_region_fares(&mut tt, &used);
            tt
        })
    };
    spinner.finish();
    let mut tt = tt?;
    let complete = all_ok && notes.is_empty() && tt.feeds.len() == feeds.len();
    tt.meta.warnings.extend(notes);
    stats.compile_ms = ms(t2);
    if complete && let Err(e) = write_cache(&path, &tt) {
        stats.cache_rejected = Some(e.to_string());
    }
    Ok((tt, stats))
}

/// The feed's content hash, remembered under `<cache>/feed-hashes/` per file identity: path,
/// size, modification *and change* time, inode and device of the feed (of each `.txt` of a
/// directory feed). Hashing a country-size zip reads 170 MB (about 200 ms) on every run; the
/// identity is one `stat`. The change time (ctime) moves on every write to the file and cannot
/// be set back by tools that restore modification times, so a feed changed in place gets a new
/// identity and is hashed again. Without a file identity (not Unix) the feed is hashed.
fn feed_hash(feed_path: &Path, cache_dir: &Path) -> Result<String> {
    let Some(id) = file_identity(feed_path) else {
        return content_hash(feed_path);
    };
    let key = blake3::hash(id.as_bytes()).to_hex();
    let memo = cache_dir.join("feed-hashes").join(&key[..32]);
    if let Ok(h) = std::fs::read_to_string(&memo)
        && h.len() == 64
        && h.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Ok(h);
    }
    let h = content_hash(feed_path)?;
    // A memo that cannot be written only costs the next run a hash.
    let _ = crate::fsutil::write_atomic(&memo, h.as_bytes());
    Ok(h)
}

#[cfg(unix)]
fn file_identity(path: &Path) -> Option<String> {
    let path = std::fs::canonicalize(path).ok()?;
    let one = |p: &Path| -> Option<String> {
        let m = std::fs::metadata(p).ok()?;
        Some(format!("{}\0{}\n", p.display(), metadata_identity(&m)))
    };
    if path.is_dir() {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&path)
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt") && p.is_file())
            .collect();
        names.sort();
        let mut s = one(&path)?;
        for p in names {
            s.push_str(&one(&p)?);
        }
        Some(s)
    } else {
        one(&path)
    }
}

/// Size, modification and change times, inode and device of a file: what changes when its
/// bytes may have (the feed-hash and checked memos are keyed by it).
#[cfg(unix)]
fn metadata_identity(m: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        "{}\0{}.{}\0{}.{}\0{}\0{}",
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
        m.ino(),
        m.dev()
    )
}

#[cfg(not(unix))]
fn file_identity(_: &Path) -> Option<String> {
    None
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Why a cache file was not used.
#[derive(Debug)]
pub enum CacheMiss {
    Absent,
    Invalid(String),
}

/// Reads and verifies a cache file (see the module docs for what is checked). Never panics on
/// a damaged file.
pub fn read_cache(path: &Path, expected_hash: &str) -> std::result::Result<Timetable, CacheMiss> {
    open_cache(path, expected_hash, None).map(|(tt, _)| tt)
}

/// [`read_cache`], with the index validation remembered under `checked_dir` per identity of
/// the opened file (see the module docs): the second `bool` says whether the indices were
/// validated now (`false`: a memo said this very file passed before).
pub fn open_cache(
    path: &Path,
    expected_hash: &str,
    checked_dir: Option<&Path>,
) -> std::result::Result<(Timetable, bool), CacheMiss> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(CacheMiss::Absent),
        Err(e) => return Err(CacheMiss::Invalid(format!("unreadable: {e}"))),
    };
    let bad = |why: &str| CacheMiss::Invalid(format!("{}: {why}; rebuilt", path.display()));
    // SAFETY: the file is mapped read-only. Cache files are only ever replaced by rename,
    // never changed in place, so the mapped bytes do not change while we read them.
    let map = unsafe { Mmap::map(&file) }.map_err(|e| bad(&format!("cannot map: {e}")))?;
    let map = Arc::new(map);
    let bytes: &[u8] = &map;
    if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
        return Err(bad("not a gethere timetable or truncated header"));
    }
    let u32_at =
        |i: usize| u32::from_ne_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let u64_at = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[i..i + 8]);
        u64::from_ne_bytes(b)
    };
    let version = u32_at(8);
    if version != FORMAT_VERSION && version.swap_bytes() != FORMAT_VERSION {
        return Err(bad(&format!(
            "format version {version}, expected {FORMAT_VERSION}"
        )));
    }
    if u32_at(12) != BYTE_ORDER || version != FORMAT_VERSION {
        return Err(bad("written on a machine of the other byte order"));
    }
    if bytes[16..48] != layout_hash() {
        return Err(bad(
            "written by a build that lays the timetable out differently",
        ));
    }
    if &bytes[48..112] != expected_hash.as_bytes() {
        return Err(bad("made from another feed"));
    }
    let small_len = u64_at(112);
    let count = u32_at(120) as usize;
    if count != section_count() {
        return Err(bad("wrong number of sections"));
    }
    let table_end = HEADER_LEN + 16 * count;
    let small_end = (table_end as u64).saturating_add(small_len);
    if small_end > bytes.len() as u64 {
        return Err(bad(&format!(
            "file is {} bytes, too short for its header (truncated?)",
            bytes.len()
        )));
    }
    let small_end = small_end as usize;
    let mut h = blake3::Hasher::new();
    h.update(&bytes[..128]);
    h.update(&bytes[HEADER_LEN..small_end]);
    if h.finalize().as_bytes() != &bytes[128..160] {
        return Err(bad("checksum mismatch (corrupt)"));
    }
    let mut tt: Timetable = postcard::from_bytes(&bytes[table_end..small_end])
        .map_err(|e| bad(&format!("undecodable: {e}")))?;
    if tt.timezone.parse::<chrono_tz::Tz>().is_err() {
        return Err(bad("unknown time zone"));
    }
    let mut end = small_end as u64;
    let mut i = 0usize;
    let mut section = |name: &str| -> std::result::Result<(usize, usize), CacheMiss> {
        let at = HEADER_LEN + 16 * i;
        i += 1;
        let (off, len) = (u64_at(at), u64_at(at + 8));
        let stop = off.checked_add(len).filter(|&e| e <= bytes.len() as u64);
        match stop {
            Some(e) if off >= small_end as u64 && off % 8 == 0 => {
                end = end.max(e);
                Ok((off as usize, len as usize))
            }
            _ => Err(bad(&format!(
                "section {name} lies outside the file (truncated?)"
            ))),
        }
    };
    fn take<T: Pod>(map: &Arc<Mmap>, (off, len): (usize, usize)) -> Option<Store<T>> {
        let size = std::mem::size_of::<T>();
        if len % size != 0 {
            return None;
        }
        Store::mapped(map, off, len / size)
    }
    macro_rules! each {
        ($($($f:ident).+),*) => {$(
            let name = stringify!($($f).+);
            let s = section(name)?;
            tt.$($f).+ = take(&map, s)
                .ok_or_else(|| bad(&format!("section {name} is misaligned or cut")))?;
        )*};
    }
    flat_fields!(each);
    if end != bytes.len() as u64 {
        return Err(bad(&format!(
            "file is {} bytes, its sections end at {end} (truncated or extended)",
            bytes.len()
        )));
    }
    let memo = checked_dir.and_then(|dir| checked_memo(dir, &file, &bytes[128..160]));
    let checked = !memo.as_ref().is_some_and(|m| m.exists());
    if checked {
        super::check::indices(&tt).map_err(|why| bad(&why))?;
        if let Some(m) = memo {
            // A memo that cannot be written only costs the next run a validation.
            let _ = crate::fsutil::write_atomic(&m, b"indices checked\n");
        }
    }
    tt.stops.reset();
    Ok((tt, checked))
}

/// The memo saying that the cache file open as `file` passed [`super::check::indices`]: a
/// file under `dir` named by the hash of the file's identity (inode, device, size, modification
/// and change times, from the open handle, so it is the mapped file's) and of its header
/// checksum. The change time moves on every write and cannot be set back, and cache files are
/// only replaced by rename (a new inode), so a memo never speaks for other bytes than those
/// checked, unless the disk itself changes them (then a damaged index can panic on a bounds
/// check; it can never read outside the mapping). `None` where files have no such identity.
#[cfg(unix)]
fn checked_memo(dir: &Path, file: &std::fs::File, checksum: &[u8]) -> Option<PathBuf> {
    let m = file.metadata().ok()?;
    let mut h = blake3::Hasher::new();
    h.update(format!("{}\0{FORMAT_VERSION}\0", metadata_identity(&m)).as_bytes());
    h.update(checksum);
    Some(dir.join(&h.finalize().to_hex()[..32]))
}

#[cfg(not(unix))]
fn checked_memo(_: &Path, _: &std::fs::File, _: &[u8]) -> Option<PathBuf> {
    None
}

/// Writes a cache file atomically (temporary file in the same directory, then rename).
pub fn write_cache(path: &Path, tt: &Timetable) -> Result<()> {
    let cache_err = |reason: String| Error::Cache {
        path: path.to_path_buf(),
        reason,
    };
    let small = postcard::to_stdvec(tt).map_err(|e| cache_err(e.to_string()))?;
    let hash = tt.meta.content_hash.as_bytes();
    if hash.len() != 64 {
        return Err(cache_err("content hash is not 64 hex digits".into()));
    }
    let mut sections: Vec<&[u8]> = Vec::new();
    macro_rules! each {
        ($($($f:ident).+),*) => {$( sections.push(tt.$($f).+.as_bytes()); )*};
    }
    flat_fields!(each);
    let table_end = HEADER_LEN + 16 * sections.len();
    let small_end = table_end + small.len();
    let total: usize = sections
        .iter()
        .fold(small_end, |at, s| at.next_multiple_of(8) + s.len());
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_ne_bytes());
    out.extend_from_slice(&BYTE_ORDER.to_ne_bytes());
    out.extend_from_slice(&layout_hash());
    out.extend_from_slice(hash);
    out.extend_from_slice(&(small.len() as u64).to_ne_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_ne_bytes());
    out.extend_from_slice(&0u32.to_ne_bytes());
    out.extend_from_slice(&[0u8; 32]);
    let mut at = small_end;
    for s in &sections {
        at = at.next_multiple_of(8);
        out.extend_from_slice(&(at as u64).to_ne_bytes());
        out.extend_from_slice(&(s.len() as u64).to_ne_bytes());
        at += s.len();
    }
    out.extend_from_slice(&small);
    for s in &sections {
        out.resize(out.len().next_multiple_of(8), 0);
        out.extend_from_slice(s);
    }
    let mut h = blake3::Hasher::new();
    h.update(&out[..128]);
    h.update(&out[HEADER_LEN..small_end]);
    let sum = *h.finalize().as_bytes();
    out[128..160].copy_from_slice(&sum);
    crate::fsutil::write_atomic(path, &out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timetable::StopIdx;

    fn bundled() -> (tempfile::TempDir, PathBuf, Timetable) {
        let feed = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/trimet-2021-max-green-streetcar.gtfs.zip");
        let dir = tempfile::tempdir().unwrap();
        let (tt, _) = load_or_compile(&feed, dir.path()).unwrap();
        let path = cache_path(dir.path(), &tt.meta.content_hash);
        (dir, path, tt)
    }

    #[test]
    fn round_trip_maps_every_field_back() {
        let (_dir, path, tt) = bundled();
        assert!(!tt.dep.is_mapped());
        let back = read_cache(&path, &tt.meta.content_hash).unwrap();
        assert!(back.dep.is_mapped() && back.trips.is_mapped());
        // The shapes for maps are sections too (they grow with the patterns).
        assert!(back.shapes.coords.is_mapped() && !back.shapes.coords.is_empty());
        assert!(back.shapes.pattern_shape.is_mapped());
        // Every field, flat or small part: a field in neither list would differ here.
        assert_eq!(format!("{back:?}"), format!("{tt:?}"));
        assert!(!back.trip_strings.is_empty());
    }

    #[test]
    fn section_sizes_add_up_to_the_file() {
        let (_dir, path, tt) = bundled();
        let sizes = section_sizes(&path).unwrap();
        assert_eq!(sizes.len(), 2 + section_count());
        let walk = sizes.iter().find(|(n, _)| *n == "walk").unwrap().1;
        assert_eq!(walk as usize, tt.walk.len());
        let sum: u64 = sizes.iter().map(|s| s.1).sum();
        let file = std::fs::metadata(&path).unwrap().len();
        assert!(sum <= file && file - sum < 8 * (section_count() as u64 + 1));
        std::fs::write(&path, b"not a cache").unwrap();
        assert!(section_sizes(&path).is_err());
    }

    #[test]
    fn indices_are_validated_once_per_cache_file() {
        let (dir, path, tt) = bundled();
        let hash = tt.meta.content_hash.clone();
        let memos = dir.path().join("checked");
        let count = || std::fs::read_dir(&memos).map_or(0, |d| d.count());
        let open = || open_cache(&path, &hash, Some(&memos)).map(|(_, checked)| checked);
        assert!(matches!(open(), Ok(true)), "first open validates");
        assert_eq!(count(), 1);
        assert!(matches!(open(), Ok(false)), "the memo speaks for this file");
        assert!(
            read_cache(&path, &hash).is_ok(),
            "read_cache always validates"
        );
        // The same file written again in place (same bytes: only its times change) is
        // validated again; damage written in place is found although a memo exists.
        let good = std::fs::read(&path).unwrap();
        std::fs::write(&path, &good).unwrap();
        assert!(matches!(open(), Ok(true)));
        assert!(matches!(open(), Ok(false)));
        let t = HEADER_LEN + 16 * 6; // pattern_stops
        let off = u64::from_ne_bytes(good[t..t + 8].try_into().unwrap()) as usize;
        let mut b = good.clone();
        b[off..off + 4].copy_from_slice(&u32::MAX.to_ne_bytes());
        std::fs::write(&path, &b).unwrap();
        assert!(matches!(open(), Err(CacheMiss::Invalid(_))));
        // A cache replaced by rename (how gethere writes them) is a new file.
        write_cache(&path, &tt).unwrap();
        assert!(matches!(open(), Ok(true)));
        // Through `load_or_compile`: the second load skips the validation.
        let feed = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/trimet-2021-max-green-streetcar.gtfs.zip");
        let (_, s1) = load_or_compile(&feed, dir.path()).unwrap();
        let (_, s2) = load_or_compile(&feed, dir.path()).unwrap();
        assert!(s1.from_cache && !s1.checked && s2.from_cache && !s2.checked);
    }

    #[test]
    fn damage_is_detected_at_open() {
        let (_dir, path, tt) = bundled();
        let hash = tt.meta.content_hash.clone();
        let good = std::fs::read(&path).unwrap();
        let rejected = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            matches!(read_cache(&path, &hash), Err(CacheMiss::Invalid(_)))
        };
        // Truncated anywhere, or extended.
        for cut in [0, 10, HEADER_LEN + 3, good.len() / 2, good.len() - 1] {
            assert!(rejected(&good[..cut]), "cut at {cut}");
        }
        let mut longer = good.clone();
        longer.extend_from_slice(&[0; 8]);
        assert!(rejected(&longer));
        // Header, section table and small part are checksummed.
        for at in [
            9,
            13,
            20,
            60,
            113,
            HEADER_LEN + 1,
            HEADER_LEN + 16 * section_count() + 5,
        ] {
            let mut b = good.clone();
            b[at] ^= 0x40;
            assert!(rejected(&b), "flip at {at}");
        }
        // An index section pointing outside its target: the first pattern stop.
        let t = HEADER_LEN + 16 * 6; // pattern_stops is the seventh section
        let off = u64::from_ne_bytes(good[t..t + 8].try_into().unwrap()) as usize;
        let mut b = good.clone();
        b[off..off + 4].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert!(rejected(&b));
        // The stop id index and a stop's name pointing outside their targets.
        let names = section_sizes(&path).unwrap();
        for field in ["stops.by_id", "stops.names"] {
            let k = names.iter().skip(2).position(|s| s.0 == field).unwrap();
            let t = HEADER_LEN + 16 * k;
            let off = u64::from_ne_bytes(good[t..t + 8].try_into().unwrap()) as usize;
            let mut b = good.clone();
            b[off..off + 4].copy_from_slice(&(u32::MAX - 1).to_ne_bytes());
            assert!(rejected(&b), "{field}");
        }
        // Walking links' bytes are not checked on open: a damaged list ends early instead.
        let k = names.iter().skip(2).position(|s| s.0 == "walk").unwrap();
        let t = HEADER_LEN + 16 * k;
        let (off, len) = (
            u64::from_ne_bytes(good[t..t + 8].try_into().unwrap()) as usize,
            u64::from_ne_bytes(good[t + 8..t + 16].try_into().unwrap()) as usize,
        );
        let mut b = good.clone();
        b[off..off + len].fill(0xff);
        std::fs::write(&path, &b).unwrap();
        let tt = read_cache(&path, &hash).unwrap();
        assert!((0..tt.stops.len()).all(|s| tt.walk_links(StopIdx(s as u32)).count() == 0));
        std::fs::write(&path, &good).unwrap();
        assert!(read_cache(&path, &hash).is_ok());
    }
}
