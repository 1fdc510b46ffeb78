//! The street graph and the stop links on disk, with the timetable cache's guarantees: a header
//! (magic, format version, payload length, blake3 of the payload, the 64-hex-digit key the
//! file was made from) verified on every load, anything wrong meaning "rebuild", and atomic
//! writes (temporary file + rename) so concurrent processes are safe.
//!
//! Two kinds of file under `<cache>/streets/`:
//! - `*.graph`: the pedestrian graph, keyed by the map's content hash (the slow part to build;
//!   shared by every feed);
//! - `*.links`: walking links between the stops of one feed along the streets of one map,
//!   keyed by both content hashes.

use serde::{Serialize, de::DeserializeOwned};
use std::path::{Path, PathBuf};

/// Bump when the layout or meaning of the graph or the links changes.
pub const STREETS_FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 8 + 32 + 64;

/// The graph file for a map with this content hash.
pub fn graph_path(cache_dir: &Path, map_hash: &str) -> PathBuf {
    cache_dir.join("streets").join(format!(
        "{}-g{STREETS_FORMAT_VERSION}-v{}.graph",
        &map_hash[..map_hash.len().min(32)],
        env!("CARGO_PKG_VERSION")
    ))
}

/// The key of the links of a feed on a map.
pub fn links_key(map_hash: &str, feed_hash: &str) -> String {
    blake3::hash(format!("{map_hash}\n{feed_hash}").as_bytes())
        .to_hex()
        .to_string()
}

/// The links file for a feed on a map.
pub fn links_path(cache_dir: &Path, key: &str) -> PathBuf {
    cache_dir.join("streets").join(format!(
        "{}-l{STREETS_FORMAT_VERSION}-v{}.links",
        &key[..key.len().min(32)],
        env!("CARGO_PKG_VERSION")
    ))
}

/// Why a cached file was not used.
#[derive(Debug, PartialEq)]
pub enum Miss {
    Absent,
    Invalid(String),
}

/// Reads and verifies a cached file. Never panics on a damaged file.
pub fn read<T: DeserializeOwned>(path: &Path, magic: &[u8; 8], key: &str) -> Result<T, Miss> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Miss::Absent),
        Err(e) => return Err(Miss::Invalid(format!("unreadable: {e}"))),
    };
    let bad = |why: &str| Miss::Invalid(format!("{}: {why}; rebuilt", path.display()));
    if bytes.len() < HEADER_LEN || &bytes[..8] != magic {
        return Err(bad("not a gethere street file or truncated header"));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().map_err(|_| bad("header"))?);
    if version != STREETS_FORMAT_VERSION {
        return Err(bad(&format!(
            "format version {version}, expected {STREETS_FORMAT_VERSION}"
        )));
    }
    let len = u64::from_le_bytes(bytes[12..20].try_into().map_err(|_| bad("header"))?);
    if &bytes[52..116] != key.as_bytes() {
        return Err(bad("made from another map or feed"));
    }
    let payload = &bytes[HEADER_LEN..];
    if payload.len() as u64 != len {
        return Err(bad("truncated"));
    }
    if blake3::hash(payload).as_bytes() != &bytes[20..52] {
        return Err(bad("checksum mismatch (corrupt)"));
    }
    postcard::from_bytes(payload).map_err(|e| bad(&format!("undecodable: {e}")))
}

/// Writes a cached file atomically.
pub fn write<T: Serialize>(
    path: &Path,
    magic: &[u8; 8],
    key: &str,
    value: &T,
) -> crate::Result<()> {
    let err = |reason: String| crate::Error::Cache {
        path: path.to_path_buf(),
        reason,
    };
    if key.len() != 64 {
        return Err(err("key is not 64 hex digits".into()));
    }
    let payload = postcard::to_stdvec(value).map_err(|e| err(e.to_string()))?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(magic);
    out.extend_from_slice(&STREETS_FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(blake3::hash(&payload).as_bytes());
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(&payload);
    crate::fsutil::write_atomic(path, &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let key = "a".repeat(64);
        let p = dir.path().join("x.graph");
        write(&p, b"GHTEST\0\0", &key, &vec![1u32, 2, 3]).unwrap();
        assert_eq!(read::<Vec<u32>>(&p, b"GHTEST\0\0", &key), Ok(vec![1, 2, 3]));
        assert!(matches!(
            read::<Vec<u32>>(&p, b"GHTEST\0\0", &"b".repeat(64)),
            Err(Miss::Invalid(_))
        ));
        let mut bytes = std::fs::read(&p).unwrap();
        bytes.pop();
        std::fs::write(&p, &bytes).unwrap();
        assert!(matches!(
            read::<Vec<u32>>(&p, b"GHTEST\0\0", &key),
            Err(Miss::Invalid(_))
        ));
        assert_eq!(
            read::<Vec<u32>>(&dir.path().join("none"), b"GHTEST\0\0", &key),
            Err(Miss::Absent)
        );
    }
}
