//! Reading OpenStreetMap data: `.osm.pbf` (the `osmpbf` crate) and `.osm` XML (what JOSM and
//! Overpass give people, read with `quick-xml`). The format is decided by the content, not the
//! file name, so a downloaded map works whatever its URL ends with.
//!
//! Only what the pedestrian graph needs is kept: every node's coordinate (ways refer to nodes
//! by id, and in XML the nodes come first) and the ways that carry a `highway` tag, with their
//! tags. Anything that is not an OSM file, a truncated file and a file without a single
//! walkable way are errors that name the file.

use std::collections::HashMap;

/// One way as read: its node ids in order and its tags.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Way {
    pub id: i64,
    pub nodes: Vec<i64>,
    pub tags: Vec<(String, String)>,
}

impl Way {
    /// The value of tag `k`.
    pub fn tag(&self, k: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
}

/// The map as read.
#[derive(Clone, Debug, Default)]
pub struct OsmData {
    /// Node id → (lat, lon).
    pub nodes: HashMap<i64, (f64, f64)>,
    /// Ways with a `highway` tag, in file order.
    pub ways: Vec<Way>,
}

/// The two formats gethere reads.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Format {
    Pbf,
    Xml,
}

/// Decides the format from the first bytes, or says why this is not a map.
pub fn sniff(bytes: &[u8]) -> Result<Format, String> {
    if bytes.is_empty() {
        return Err("the file is empty".into());
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err("the file is gzip-compressed; decompress it first (gunzip)".into());
    }
    if bytes.starts_with(b"BZh") {
        return Err("the file is bzip2-compressed; decompress it first (bunzip2)".into());
    }
    let text_start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    if let Some(i) = text_start
        && bytes[i] == b'<'
    {
        return Ok(Format::Xml);
    }
    // A PBF file is a sequence of (u32 length, BlobHeader, Blob); the first BlobHeader's type
    // is the string "OSMHeader".
    if bytes.len() > 8 {
        let head = &bytes[4..bytes.len().min(64)];
        if head.windows(9).any(|w| w == b"OSMHeader") {
            return Ok(Format::Pbf);
        }
    }
    Err("not an OpenStreetMap file (expected .osm.pbf or .osm XML)".into())
}

/// Reads a map from its bytes. The error is a reason without the file name.
pub fn read(bytes: &[u8]) -> Result<OsmData, String> {
    let data = match sniff(bytes)? {
        Format::Pbf => read_pbf(bytes)?,
        Format::Xml => read_xml(bytes)?,
    };
    Ok(data)
}

fn read_pbf(bytes: &[u8]) -> Result<OsmData, String> {
    use osmpbf::{Element, ElementReader};
    let mut data = OsmData::default();
    let reader = ElementReader::new(std::io::Cursor::new(bytes));
    reader
        .for_each(|el| match el {
            Element::Node(n) => {
                data.nodes.insert(n.id(), (n.lat(), n.lon()));
            }
            Element::DenseNode(n) => {
                data.nodes.insert(n.id(), (n.lat(), n.lon()));
            }
            Element::Way(w) => {
                if w.tags().any(|(k, _)| k == "highway") {
                    data.ways.push(Way {
                        id: w.id(),
                        nodes: w.refs().collect(),
                        tags: w
                            .tags()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect(),
                    });
                }
            }
            Element::Relation(_) => {}
        })
        .map_err(|e| format!("unreadable .osm.pbf (truncated or corrupt?): {e}"))?;
    Ok(data)
}

fn read_xml(bytes: &[u8]) -> Result<OsmData, String> {
    use quick_xml::events::{BytesStart, Event};
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut data = OsmData::default();
    let mut buf = Vec::new();
    let mut root_seen = false;
    let mut root_closed = false;
    let mut way: Option<Way> = None;
    let mut way_deleted = false;

    fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
    }
    let at = |r: &quick_xml::Reader<&[u8]>| r.buffer_position();

    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("not well-formed XML near byte {}: {e}", at(&reader)))?;
        let (e, empty) = match &ev {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            Event::End(e) => {
                match e.name().as_ref() {
                    b"way" => {
                        if let Some(w) = way.take()
                            && !way_deleted
                            && w.tag("highway").is_some()
                        {
                            data.ways.push(w);
                        }
                    }
                    b"osm" => root_closed = true,
                    _ => {}
                }
                buf.clear();
                continue;
            }
            Event::Eof => break,
            _ => {
                buf.clear();
                continue;
            }
        };
        let Some(e) = e else { continue };
        let name = e.name();
        if !root_seen {
            if name.as_ref() != b"osm" {
                return Err(format!(
                    "an XML file whose root is <{}>, not <osm>: not an OpenStreetMap file",
                    String::from_utf8_lossy(name.as_ref())
                ));
            }
            root_seen = true;
            if empty {
                root_closed = true;
            }
            buf.clear();
            continue;
        }
        // JOSM keeps deleted objects in the file with action="delete" until upload.
        let deleted = attr(e, b"action").as_deref() == Some("delete");
        match name.as_ref() {
            b"node" => {
                let id = attr(e, b"id").and_then(|v| v.parse::<i64>().ok());
                let lat = attr(e, b"lat").and_then(|v| v.parse::<f64>().ok());
                let lon = attr(e, b"lon").and_then(|v| v.parse::<f64>().ok());
                if let (Some(id), Some(lat), Some(lon), false) = (id, lat, lon, deleted)
                    && (-90.0..=90.0).contains(&lat)
                    && (-180.0..=180.0).contains(&lon)
                {
                    data.nodes.insert(id, (lat, lon));
                }
            }
            b"way" => {
                let id = attr(e, b"id")
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0);
                way_deleted = deleted;
                let w = Way {
                    id,
                    ..Way::default()
                };
                if empty {
                    // <way/> with nothing in it: no nodes, nothing to walk.
                } else {
                    way = Some(w);
                }
            }
            b"nd" => {
                if let (Some(w), Some(r)) = (
                    way.as_mut(),
                    attr(e, b"ref").and_then(|v| v.parse::<i64>().ok()),
                ) {
                    w.nodes.push(r);
                }
            }
            b"tag" => {
                if let (Some(w), Some(k), Some(v)) = (way.as_mut(), attr(e, b"k"), attr(e, b"v")) {
                    w.tags.push((k, v));
                }
            }
            _ => {}
        }
        buf.clear();
    }
    if !root_seen {
        return Err("no <osm> element: not an OpenStreetMap file".into());
    }
    if !root_closed {
        return Err("the XML ends before </osm> (truncated?)".into());
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_xml_ways_and_nodes() {
        let xml = r#"<?xml version="1.0"?>
<osm version="0.6">
  <node id="1" lat="45.0" lon="-122.0"/>
  <node id="2" lat="45.001" lon="-122.0"><tag k="highway" v="crossing"/></node>
  <node id="3" lat="45.002" lon="-122.0" action="delete"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/><tag k="name" v="A &amp; B"/></way>
  <way id="11"><nd ref="1"/><nd ref="2"/><tag k="building" v="yes"/></way>
</osm>"#;
        let d = read(xml.as_bytes()).unwrap();
        assert_eq!(d.nodes.len(), 2);
        assert_eq!(d.ways.len(), 1);
        assert_eq!(d.ways[0].nodes, vec![1, 2]);
        assert_eq!(d.ways[0].tag("name"), Some("A & B"));
    }

    #[test]
    fn rejects_what_is_not_a_map() {
        assert!(read(b"").unwrap_err().contains("empty"));
        assert!(
            read(b"PK\x03\x04 zip")
                .unwrap_err()
                .contains("not an OpenStreetMap")
        );
        assert!(read(b"<html></html>").unwrap_err().contains("<html>"));
        assert!(
            read(b"<osm><node id='1' lat='1' lon='1'/>")
                .unwrap_err()
                .contains("truncated")
        );
        assert!(read(b"<osm><way id='1'><nd ref='1'/></node></osm>").is_err());
        assert!(read(b"\x1f\x8b\x08").unwrap_err().contains("gzip"));
    }
}
