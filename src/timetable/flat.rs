//! Flat storage for the timetable's big arrays: owned after compiling, borrowed from a
//! memory-mapped cache file after loading — the same `&[T]` to every reader.
//!
//! A [`Store<T>`] dereferences to `[T]`, so the router and the views index it like the `Vec`
//! it replaced. It is either a `Vec<T>` (what the compiler builds) or a window into a shared
//! read-only [`memmap2::Mmap`] (what [`super::cache`] hands out): opening a cache maps the
//! file and checks bounds, it does not decode the stop times, and a query touches only the
//! pages it reads. Mutation (realtime overlays extend the arrays of one query's copy) copies a
//! mapped array into a `Vec` first (copy on write).
//!
//! Only [`Pod`] types are stored: plain data whose every bit pattern is a valid value (integers
//! and `repr(C)`/`repr(transparent)` structs of integers), so no byte of a damaged file can make
//! an invalid value. Their in-memory layout is the file's; [`Pod::layout`] describes it and the
//! cache header carries a hash of the layouts, so a binary that lays a type out differently
//! (tuple field order is the compiler's choice) rebuilds rather than misreads.

use memmap2::Mmap;
use std::fmt;
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::Arc;

/// Plain old data: `Copy`, no padding, no pointers, every bit pattern a valid value,
/// alignment at most 8.
///
/// # Safety
/// Implement only for types meeting all of the above; [`Store`] reinterprets file bytes as `T`.
pub unsafe trait Pod: Copy + Send + Sync + 'static {
    /// Size, alignment and field offsets, for the cache's layout check.
    fn layout() -> String {
        format!(
            "{}/{}",
            std::mem::size_of::<Self>(),
            std::mem::align_of::<Self>()
        )
    }
}

unsafe impl Pod for u8 {}
unsafe impl Pod for u16 {}
unsafe impl Pod for u32 {}
unsafe impl Pod for i32 {}
unsafe impl Pod for u64 {}
unsafe impl Pod for i64 {}
unsafe impl Pod for f64 {}

/// A pair of two 4-byte plain values: 8 bytes, no padding. Implemented for the concrete pairs
/// the timetable stores (see `pair_pod!` in `timetable/mod.rs`); the layout string records the
/// field order the compiler chose.
pub fn pair_layout<A: Pod, B: Pod>() -> String {
    const { assert!(std::mem::size_of::<A>() == 4 && std::mem::size_of::<B>() == 4) };
    format!(
        "({}@{},{}@{})",
        A::layout(),
        std::mem::offset_of!((A, B), 0),
        B::layout(),
        std::mem::offset_of!((A, B), 1)
    )
}

/// Where a [`Store`]'s elements live.
enum Owner<T> {
    Vec(Vec<T>),
    Map(Arc<Mmap>),
}

/// An array of `T`, owned or mapped; dereferences to `[T]` (see the module docs).
pub struct Store<T: Pod> {
    ptr: NonNull<T>,
    len: usize,
    owner: Owner<T>,
}

// SAFETY: the elements are `Pod` (Send + Sync) and never mutated through `ptr` while shared:
// a mapped file is read-only, and the owned `Vec` is only changed through `&mut self`.
unsafe impl<T: Pod> Send for Store<T> {}
unsafe impl<T: Pod> Sync for Store<T> {}

impl<T: Pod> Store<T> {
    /// A window of `len` elements at byte `offset` of `map`, if it lies inside the map and is
    /// aligned for `T`.
    pub fn mapped(map: &Arc<Mmap>, offset: usize, len: usize) -> Option<Self> {
        const { assert!(std::mem::align_of::<T>() <= 8) };
        let bytes = len.checked_mul(std::mem::size_of::<T>())?;
        if offset.checked_add(bytes)? > map.len() {
            return None;
        }
        // SAFETY: offset ≤ map.len() was just checked.
        let p = unsafe { map.as_ptr().add(offset) } as *mut T;
        if !(p as usize).is_multiple_of(std::mem::align_of::<T>()) {
            return None;
        }
        Some(Store {
            ptr: NonNull::new(p)?,
            len,
            owner: Owner::Map(map.clone()),
        })
    }

    /// Is this array borrowed from a mapped file?
    pub fn is_mapped(&self) -> bool {
        matches!(self.owner, Owner::Map(_))
    }

    /// The elements' bytes, as the cache file stores them.
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: `Pod` has no padding, so every byte of the slice is initialised.
        unsafe {
            std::slice::from_raw_parts(
                self.ptr.as_ptr() as *const u8,
                self.len * std::mem::size_of::<T>(),
            )
        }
    }

    /// The owned vector, copying a mapped array first (copy on write). Callers must `sync`
    /// after changing it.
    fn to_mut(&mut self) -> &mut Vec<T> {
        if let Owner::Map(_) = self.owner {
            *self = Store::from(self.deref().to_vec());
        }
        let Owner::Vec(v) = &mut self.owner else {
            unreachable!("made owned above")
        };
        // The vector may reallocate: `ptr` is refreshed by `sync` after each change.
        v
    }

    fn sync(&mut self) {
        if let Owner::Vec(v) = &mut self.owner {
            self.len = v.len();
            // SAFETY: a Vec's pointer is never null.
            self.ptr = unsafe { NonNull::new_unchecked(v.as_mut_ptr()) };
        }
    }

    /// Appends one element (copying a mapped array first).
    pub fn push(&mut self, x: T) {
        self.to_mut().push(x);
        self.sync();
    }

    /// Appends elements (copying a mapped array first).
    pub fn extend_from_slice(&mut self, xs: &[T]) {
        self.to_mut().extend_from_slice(xs);
        self.sync();
    }

    /// Changes the elements in place (copying a mapped array first).
    pub fn modify<R>(&mut self, f: impl FnOnce(&mut [T]) -> R) -> R {
        let r = f(self.to_mut().as_mut_slice());
        self.sync();
        r
    }
}

impl<T: Pod> Extend<T> for Store<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, it: I) {
        self.to_mut().extend(it);
        self.sync();
    }
}

impl<T: Pod> From<Vec<T>> for Store<T> {
    fn from(mut v: Vec<T>) -> Self {
        Store {
            // SAFETY: a Vec's pointer is never null (dangling and aligned when empty).
            ptr: unsafe { NonNull::new_unchecked(v.as_mut_ptr()) },
            len: v.len(),
            owner: Owner::Vec(v),
        }
    }
}

impl<T: Pod> Default for Store<T> {
    fn default() -> Self {
        Store::from(Vec::new())
    }
}

impl<T: Pod> Deref for Store<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` points at `len` initialised, aligned elements owned by `owner` (a Vec
        // whose buffer does not move while it is not changed, or a mapping kept alive by the
        // Arc; checked in bounds and alignment by `mapped`), and `T: Pod` makes any bytes a
        // valid `T`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Pod> Clone for Store<T> {
    fn clone(&self) -> Self {
        match &self.owner {
            Owner::Vec(v) => Store::from(v.clone()),
            Owner::Map(m) => Store {
                ptr: self.ptr,
                len: self.len,
                owner: Owner::Map(m.clone()),
            },
        }
    }
}

impl<T: Pod + fmt::Debug> fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Pod + PartialEq> PartialEq for Store<T> {
    fn eq(&self, other: &Self) -> bool {
        self.deref() == other.deref()
    }
}

impl<'a, T: Pod> IntoIterator for &'a Store<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Pod, I: std::slice::SliceIndex<[T]>> std::ops::Index<I> for Store<T> {
    type Output = I::Output;
    #[inline]
    fn index(&self, i: I) -> &I::Output {
        &self.deref()[i]
    }
}

impl<T: Pod, I: std::slice::SliceIndex<[T]>> std::ops::IndexMut<I> for Store<T> {
    fn index_mut(&mut self, i: I) -> &mut I::Output {
        self.to_mut();
        self.sync();
        // SAFETY: now owned: `ptr`/`len` describe the Vec's buffer, borrowed mutably through
        // `self` for the returned lifetime; nothing else changes the Vec meanwhile.
        let s = unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) };
        &mut s[i]
    }
}

/// Strings as one flat byte array and their end offsets: string `i` is
/// `bytes[ends[i-1]..ends[i]]`. Trip ids and headsigns live here, so loading them is mapping.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StrTable {
    pub ends: Store<u32>,
    pub bytes: Store<u8>,
}

/// "No string" in a [`StrTable`] index field.
pub const NO_STRING: u32 = u32::MAX;

impl StrTable {
    /// String `i`; "" if `i` is out of range or not UTF-8 (a damaged cache shows blanks,
    /// never panics).
    pub fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let (Some(&b), a) = (
            self.ends.get(i),
            if i == 0 {
                Some(&0)
            } else {
                self.ends.get(i - 1)
            },
        ) else {
            return "";
        };
        let a = a.copied().unwrap_or(0) as usize;
        self.bytes
            .get(a..b as usize)
            .and_then(|s| std::str::from_utf8(s).ok())
            .unwrap_or("")
    }

    /// String `i`, or `None` for [`NO_STRING`].
    pub fn opt(&self, i: u32) -> Option<&str> {
        (i != NO_STRING).then(|| self.get(i))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Appends `s`, returning its index.
    pub fn push(&mut self, s: &str) -> u32 {
        self.bytes.extend_from_slice(s.as_bytes());
        self.ends.push(self.bytes.len() as u32);
        (self.ends.len() - 1) as u32
    }
}

/// Builds a [`StrTable`], storing each distinct string once.
#[derive(Default)]
pub struct StrInterner {
    map: std::collections::HashMap<String, u32>,
    ends: Vec<u32>,
    bytes: Vec<u8>,
}

impl StrInterner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.map.get(s) {
            return i;
        }
        self.bytes.extend_from_slice(s.as_bytes());
        self.ends.push(self.bytes.len() as u32);
        let i = (self.ends.len() - 1) as u32;
        self.map.insert(s.to_string(), i);
        i
    }

    /// `s` interned, or [`NO_STRING`].
    pub fn intern_opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(NO_STRING, |s| self.intern(s))
    }

    pub fn finish(self) -> StrTable {
        StrTable {
            ends: self.ends.into(),
            bytes: self.bytes.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_on_write_and_strings() {
        let mut s: Store<u32> = vec![1, 2, 3].into();
        s.push(4);
        s[0] = 9;
        assert_eq!(&*s, &[9, 2, 3, 4]);
        let mut i = StrInterner::default();
        let a = i.intern("a");
        let b = i.intern("bé");
        assert_eq!(i.intern("a"), a);
        let mut t = i.finish();
        assert_eq!((t.get(a), t.get(b), t.get(7)), ("a", "bé", ""));
        assert_eq!(t.opt(NO_STRING), None);
        let c = t.push("c");
        assert_eq!(t.get(c), "c");
    }
}
