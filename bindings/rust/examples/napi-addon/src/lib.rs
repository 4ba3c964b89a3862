//! A napi-rs addon over the `extref` crate. It serves two purposes:
//! the Node tests of the Rust bindings (test/*.test.js) and the
//! cross-language tests, which need a Rust-created `Counter` and an
//! exclusive borrow held in Rust. Exports: bindings/rust/README.md.
#![deny(clippy::all)]

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use extref::napi::{
  coded, settle, Borrowed, BorrowedMut, Extref, NewExtref, Settled, Taken,
};
use extref::{HeldMut, Hold};
use napi::bindgen_prelude::*;
use napi_derive::napi;

static DROPS: AtomicU64 = AtomicU64::new(0);

/// The shared cross-language test type: one int64, tag "librextr"/"fCounter".
#[repr(C)]
#[derive(Clone, Debug)]
pub struct Counter {
  pub value: i64,
}

impl Drop for Counter {
  fn drop(&mut self) {
    DROPS.fetch_add(1, Ordering::SeqCst);
  }
}

extref::extref_type!(unsafe impl Counter {
  tag: (0x6c69626578747265, 0x66436f756e746572),
  name: c"Counter",
  send: true,
  clone: true,
});

/// Same tag, 16 bytes: must be refused with EXTREF_TYPE_MISMATCH.
#[repr(C)]
#[derive(Clone, Debug)]
pub struct WideCounter {
  pub value: i64,
  pub extra: i64,
}

extref::extref_type!(unsafe impl WideCounter {
  tag: (0x6c69626578747265, 0x66436f756e746572),
  name: c"WideCounter",
  send: true,
  clone: true,
});

/// A thread-bound, non-cloneable type.
#[repr(C)]
pub struct Local {
  pub value: i64,
}

extref::extref_type!(unsafe impl Local {
  tag: (0x6c69626578747265, 0x4c6f63616c547970),
  name: c"Local",
});

thread_local! {
  static HELD_MUT: RefCell<Option<HeldMut<Counter>>> =
    const { RefCell::new(None) };
  static HOLDS: RefCell<Vec<Hold<Counter>>> =
    const { RefCell::new(Vec::new()) };
}

#[napi]
pub fn create_counter(value: i64) -> NewExtref<Counter> {
  NewExtref::new(Counter { value })
}

#[napi]
pub fn create_counter_with_bytes(value: i64, bytes: i64) -> NewExtref<Counter> {
  NewExtref::new(Counter { value }).with_external_bytes(bytes)
}

#[napi]
pub fn create_wide_counter(value: i64, extra: i64) -> NewExtref<WideCounter> {
  NewExtref::new(WideCounter { value, extra })
}

#[napi]
pub fn create_local(value: i64) -> NewExtref<Local> {
  NewExtref::new(Local { value })
}

/// A plain napi-rs external (napi_create_external): not libextref's.
#[napi]
pub fn create_foreign(value: i64) -> External<i64> {
  External::new(value)
}

#[napi]
pub fn get_value(c: Extref<Counter>) -> extref::napi::Result<i64> {
  Ok(c.borrow()?.value)
}

#[napi]
pub fn get_wide(c: Extref<WideCounter>) -> extref::napi::Result<i64> {
  let w = c.borrow()?;
  Ok(w.value + w.extra)
}

#[napi]
pub fn get_local(c: Extref<Local>) -> extref::napi::Result<i64> {
  Ok(c.borrow()?.value)
}

#[napi]
pub fn set_value(c: Extref<Counter>, value: i64) -> extref::napi::Result<()> {
  c.borrow_mut()?.value = value;
  Ok(())
}

#[napi]
pub fn increment(c: Extref<Counter>) -> extref::napi::Result<i64> {
  let mut m = c.borrow_mut()?;
  m.value += 1;
  Ok(m.value)
}

/// Two exclusive borrows at once: swap(x, x) must fail.
#[napi]
pub fn swap(a: Extref<Counter>, b: Extref<Counter>) -> extref::napi::Result<()> {
  let mut x = a.borrow_mut()?;
  let mut y = b.borrow_mut()?;
  std::mem::swap(&mut x.value, &mut y.value);
  Ok(())
}

/// A shared borrow of a, then an exclusive borrow of b: fails when they
/// alias.
#[napi]
pub fn add_into(src: Extref<Counter>, dst: Extref<Counter>) -> extref::napi::Result<i64> {
  let s = src.borrow()?;
  let mut d = dst.borrow_mut()?;
  d.value += s.value;
  Ok(d.value)
}

/// Holds an exclusive borrow while it calls back into JS.
#[napi]
pub fn with_mut(c: Extref<Counter>, cb: Function<(), Unknown>) -> Settled<i64> {
  Settled::run(|| {
    let mut m = c.borrow_mut()?;
    m.value += 100;
    cb.call(())?; // a JS exception of cb is thrown again unchanged
    Ok(m.value)
  })
}

#[napi]
pub fn clone_value(c: Extref<Counter>) -> extref::napi::Result<i64> {
  let copy: Counter = c.clone_out()?;
  // Forgotten, not dropped: rustDropCount counts payload drops only.
  Ok(std::mem::ManuallyDrop::new(copy).value)
}

/// Clone-out of a non-cloneable type goes through the raw API (the safe
/// layer does not offer it for a type that is not Clone).
#[napi]
pub fn clone_local(c: Extref<Local>) -> extref::napi::Result<()> {
  let mut dst = std::mem::MaybeUninit::<Local>::uninit();
  let st = unsafe {
    extref::sys::extref_hold_clone_out(
      c.as_raw().as_ptr(),
      dst.as_mut_ptr().cast(),
      std::mem::size_of::<Local>(),
    )
  };
  if st.is_ok() {
    return Ok(());
  }
  Err(extref::Error::from_status(st).into())
}

/// Take (ABI 1.1 take-into, while the argument is converted); returns the
/// value without running Counter's Drop, so that rustDropCount counts only
/// the library's drops of payloads.
#[napi]
pub fn take_value(c: Taken<Counter>) -> i64 {
  std::mem::ManuallyDrop::new(c.into_inner()).value
}

/// Take, then drop the Counter here: its Drop runs in this addon (counted
/// by this addon's rustDropCount).
#[napi]
pub fn take_and_drop(c: Taken<Counter>) -> i64 {
  c.value
}

/// Keeps an exclusive borrow (through a hold) until mutBorrowEnd().
#[napi]
pub fn mut_borrow_begin(c: Extref<Counter>) -> extref::napi::Result<()> {
  let held = c.into_hold().into_mut()?;
  HELD_MUT.with(|h| h.borrow_mut().replace(held));
  Ok(())
}

#[napi]
pub fn mut_borrow_end() -> bool {
  HELD_MUT.with(|h| h.borrow_mut().take()).is_some()
}

/// Holds until holdEnd().
#[napi]
pub fn hold_begin(h: Hold<Counter>) {
  HOLDS.with(|v| v.borrow_mut().push(h));
}

#[napi]
pub fn hold_end() -> u32 {
  HOLDS.with(|v| {
    let n = v.borrow().len() as u32;
    v.borrow_mut().clear();
    n
  })
}

/// Takes an exclusive borrow on a new native thread and keeps it for `ms`
/// milliseconds; returns once the borrow is live. The promise resolves to
/// the counter's value after the thread released it (off the JS thread,
/// without an env).
#[napi]
pub fn mut_borrow_for(
  env: &Env,
  h: Hold<Counter>,
  ms: u32,
) -> extref::napi::Result<PromiseRaw<'_, i64>> {
  let (tx, rx) = mpsc::channel::<extref::Result<()>>();
  let worker = std::thread::spawn(move || -> extref::Result<i64> {
    let value = match h.borrow_mut() {
      Ok(mut m) => {
        tx.send(Ok(())).ok();
        m.value += 1;
        std::thread::sleep(Duration::from_millis(ms as u64));
        m.value
      }
      Err(e) => {
        tx.send(Err(e.clone())).ok();
        return Err(e);
      }
    };
    Ok(value)
  });
  match rx.recv() {
    Ok(Ok(())) => {}
    Ok(Err(e)) => return Err(e.into()),
    Err(_) => return Err(coded(Error::from_reason("borrow thread died"))),
  }
  env.spawn_future(async move {
    let r = tokio::task::spawn_blocking(move || worker.join())
      .await
      .map_err(|e| Error::from_reason(e.to_string()))?;
    match r {
      Ok(v) => Ok(v?),
      Err(_) => Err(Error::from_reason("borrow thread panicked")),
    }
  })
  .map_err(coded)
}

/// An async fn that takes a hold (converted on the JS thread), then waits
/// and borrows on a worker thread: the payload must survive GC meanwhile.
#[napi]
pub async fn read_after(h: Hold<Counter>, ms: u32) -> Result<i64> {
  tokio::task::spawn_blocking(move || {
    std::thread::sleep(Duration::from_millis(ms as u64));
    let v = h.borrow()?.value;
    Ok::<i64, extref::Error>(v)
  })
  .await
  .map_err(|e| Error::from_reason(e.to_string()))?
  .map_err(Error::from)
}

/// As readAfter, with an exclusive borrow that increments on the worker.
#[napi]
pub async fn increment_after(h: Hold<Counter>, ms: u32) -> Result<i64> {
  tokio::task::spawn_blocking(move || {
    std::thread::sleep(Duration::from_millis(ms as u64));
    let mut m = h.borrow_mut()?;
    m.value += 1;
    Ok::<i64, extref::Error>(m.value)
  })
  .await
  .map_err(|e| Error::from_reason(e.to_string()))?
  .map_err(Error::from)
}

/// Count of Counter payloads dropped by this addon's Rust Drop (including
/// those taken out and dropped in Rust).
#[napi]
pub fn rust_drop_count() -> f64 {
  DROPS.load(Ordering::SeqCst) as f64
}

#[napi(object)]
pub struct Stats {
  pub live_payloads: f64,
  pub live_borrows: f64,
  pub live_holds: f64,
  pub drops: f64,
  pub deferred_drops: f64,
  pub takes: f64,
  pub external_bytes: f64,
}

#[napi]
pub fn stats() -> Result<Stats> {
  let s = extref::stats()?;
  Ok(Stats {
    live_payloads: s.live_payloads as f64,
    live_borrows: s.live_borrows as f64,
    live_holds: s.live_holds as f64,
    drops: s.drops as f64,
    deferred_drops: s.deferred_drops as f64,
    takes: s.takes as f64,
    external_bytes: s.external_bytes as f64,
  })
}

#[napi]
pub fn extref_version() -> String {
  extref::version_string().to_string()
}

/// Sends the raw hold of a thread-bound `Local` to another thread (which the
/// safe `Hold<Local>` refuses to do at compile time) and returns the status
/// names that thread got for a borrow and a release: the library must answer
/// EXTREF_WRONG_THREAD, and the hold must stay live for the JS thread.
#[napi]
pub fn local_hold_off_thread(c: Extref<Local>) -> extref::napi::Result<Vec<String>> {
  let hold = c.into_hold();
  let raw = hold.into_raw().as_ptr() as usize;
  let names = std::thread::spawn(move || {
    let h = raw as *mut extref::sys::extref_hold_t;
    let mut b = extref::sys::extref_borrow_t::EMPTY;
    let st1 = unsafe { extref::sys::extref_hold_ref(h, &mut b) };
    let st2 = unsafe { extref::sys::extref_hold_release(h) };
    [st1, st2]
      .map(|s| extref::Error::with_message(s, String::new(), 0))
      .map(|e| {
        if e.status().is_ok() {
          "EXTREF_OK"
        } else {
          e.name()
        }
      })
      .map(String::from)
      .to_vec()
  })
  .join()
  .map_err(|_| coded(Error::from_reason("thread panicked")))?;
  // Still live on this thread: release it here.
  let hold = unsafe {
    Hold::<Local>::from_raw(std::ptr::NonNull::new(raw as *mut _).unwrap())
  };
  let v = hold.borrow()?.value;
  drop(hold);
  let mut out = names;
  out.push(v.to_string());
  Ok(out)
}

/// A type whose Clone and Drop panic (when `boom` is set): the panics must
/// be caught in the callbacks, never unwind into C.
#[repr(C)]
pub struct Boom {
  pub boom: i64,
}

static BOOM_DROPS: AtomicU64 = AtomicU64::new(0);

/// The payload of Boom's deliberate panics; the hook keeps them quiet.
struct DeliberatePanic;

fn quiet_deliberate_panics() {
  static ONCE: std::sync::Once = std::sync::Once::new();
  ONCE.call_once(|| {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
      let p = info.payload();
      let fast = p
        .downcast_ref::<&str>()
        .is_some_and(|m| m.starts_with("deliberate panic"));
      if p.downcast_ref::<DeliberatePanic>().is_none()
        && p.downcast_ref::<Bomb>().is_none()
        && !fast
      {
        default(info);
      }
    }));
  });
}

impl Clone for Boom {
  fn clone(&self) -> Self {
    if self.boom != 0 {
      std::panic::panic_any(DeliberatePanic);
    }
    Boom { boom: 0 }
  }
}

impl Drop for Boom {
  fn drop(&mut self) {
    BOOM_DROPS.fetch_add(1, Ordering::SeqCst);
    if self.boom != 0 {
      std::panic::panic_any(DeliberatePanic);
    }
  }
}

extref::extref_type!(unsafe impl Boom {
  tag: (0x6c69626578747265, 0x426f6f6d54797065),
  name: c"Boom",
  clone: true,
});

#[napi]
pub fn create_boom(boom: bool) -> NewExtref<Boom> {
  quiet_deliberate_panics();
  NewExtref::new(Boom { boom: boom as i64 })
}

#[napi]
pub fn clone_boom(c: Extref<Boom>) -> extref::napi::Result<i64> {
  let b = c.clone_out()?;
  Ok(b.boom)
}

#[napi]
pub fn boom_drop_count() -> f64 {
  BOOM_DROPS.load(Ordering::SeqCst) as f64
}

/// A Counter-like type flagged EXTREF_TYPE_JS_DROP: its drop must run on
/// the JS thread even when the last hold ends on a worker.
#[repr(C)]
pub struct JsDropped {
  pub value: i64,
}

static JS_DROPS_ON_JS_THREAD: AtomicU64 = AtomicU64::new(0);
static JS_DROPS_ELSEWHERE: AtomicU64 = AtomicU64::new(0);
static JS_THREAD: std::sync::OnceLock<std::thread::ThreadId> =
  std::sync::OnceLock::new();

impl Drop for JsDropped {
  fn drop(&mut self) {
    if JS_THREAD.get() == Some(&std::thread::current().id()) {
      JS_DROPS_ON_JS_THREAD.fetch_add(1, Ordering::SeqCst);
    } else {
      JS_DROPS_ELSEWHERE.fetch_add(1, Ordering::SeqCst);
    }
  }
}

extref::extref_type!(unsafe impl JsDropped {
  tag: (0x6c69626578747265, 0x4a7344726f707065),
  name: c"JsDropped",
  send: true,
  js_drop: true,
});

#[napi]
pub fn create_js_dropped(value: i64) -> NewExtref<JsDropped> {
  let _ = JS_THREAD.set(std::thread::current().id());
  NewExtref::new(JsDropped { value })
}

/// Holds the payload on a worker thread until the gate is open (see
/// setGate) and `ms` ms more, then releases it there.
#[napi]
pub async fn js_dropped_read_after(h: Hold<JsDropped>, ms: u32) -> Result<i64> {
  tokio::task::spawn_blocking(move || {
    wait_for_gate();
    std::thread::sleep(Duration::from_millis(ms as u64));
    let v = h.borrow()?.value;
    drop(h);
    Ok::<i64, extref::Error>(v)
  })
  .await
  .map_err(|e| Error::from_reason(e.to_string()))?
  .map_err(Error::from)
}

/// [drops on the JS thread, drops elsewhere] of JsDropped.
#[napi]
pub fn js_dropped_counts() -> Vec<f64> {
  vec![
    JS_DROPS_ON_JS_THREAD.load(Ordering::SeqCst) as f64,
    JS_DROPS_ELSEWHERE.load(Ordering::SeqCst) as f64,
  ]
}

/// A gate that JS opens: async work waits on it while holding a payload,
/// so tests decide when a hold ends instead of guessing with timers.
static GATE: (std::sync::Mutex<bool>, std::sync::Condvar) =
  (std::sync::Mutex::new(false), std::sync::Condvar::new());

fn wait_for_gate() {
  let (lock, cv) = &GATE;
  let mut open = lock.lock().unwrap_or_else(|e| e.into_inner());
  while !*open {
    open = cv.wait(open).unwrap_or_else(|e| e.into_inner());
  }
}

/// Opens (true) or closes (false) the gate.
#[napi]
pub fn set_gate(open: bool) {
  let (lock, cv) = &GATE;
  *lock.lock().unwrap_or_else(|e| e.into_inner()) = open;
  cv.notify_all();
}

/// An async fn that takes a hold, waits on a worker thread until the gate
/// is open, then borrows and returns the value (the hold ends there).
#[napi]
pub async fn read_when_open(h: Hold<Counter>) -> Result<i64> {
  tokio::task::spawn_blocking(move || {
    wait_for_gate();
    let v = h.borrow()?.value;
    Ok::<i64, extref::Error>(v)
  })
  .await
  .map_err(|e| Error::from_reason(e.to_string()))?
  .map_err(Error::from)
}

// ---- Scenario 13: an Extref kept past its call --------------------------
//
// Extref<T> owns a hold (taken while the argument was converted), so every
// way safe Rust can keep one is sound: the same payload stays alive and
// later calls see it, or a status.

thread_local! {
  static STASH_TLS: RefCell<Vec<Extref<Counter>>> =
    const { RefCell::new(Vec::new()) };
  static STASH_LOCAL: RefCell<Vec<Extref<Local>>> =
    const { RefCell::new(Vec::new()) };
}

/// Extref<Counter> is Send + Sync (Counter is a SendType): a static Mutex
/// may keep it (and drop it on any thread).
static STASH_STATIC: std::sync::Mutex<Vec<Extref<Counter>>> =
  std::sync::Mutex::new(Vec::new());

#[napi]
pub fn stash_tls(c: Extref<Counter>) {
  STASH_TLS.with(|v| v.borrow_mut().push(c));
}

#[napi]
pub fn stash_static(c: Extref<Counter>) {
  STASH_STATIC
    .lock()
    .unwrap_or_else(|e| e.into_inner())
    .push(c);
}

/// A thread-bound type's Extref can only be kept on its thread.
#[napi]
pub fn stash_local(c: Extref<Local>) {
  STASH_LOCAL.with(|v| v.borrow_mut().push(c));
}

/// The values behind every stashed Extref: thread-local Counters, static
/// Counters, thread-local Locals, in that order.
#[napi]
pub fn read_stashed() -> extref::napi::Result<Vec<i64>> {
  let mut out = Vec::new();
  STASH_TLS.with(|v| -> extref::Result<()> {
    for c in v.borrow().iter() {
      out.push(c.borrow()?.value);
    }
    Ok(())
  })?;
  for c in STASH_STATIC.lock().unwrap_or_else(|e| e.into_inner()).iter() {
    out.push(c.borrow()?.value);
  }
  STASH_LOCAL.with(|v| -> extref::Result<()> {
    for c in v.borrow().iter() {
      out.push(c.borrow()?.value);
    }
    Ok(())
  })?;
  Ok(out)
}

/// Increments every stashed Counter (exclusive borrows in a later call).
#[napi]
pub fn increment_stashed() -> extref::napi::Result<()> {
  STASH_TLS.with(|v| -> extref::Result<()> {
    for c in v.borrow().iter() {
      c.borrow_mut()?.value += 1;
    }
    Ok(())
  })?;
  for c in STASH_STATIC.lock().unwrap_or_else(|e| e.into_inner()).iter() {
    c.borrow_mut()?.value += 1;
  }
  Ok(())
}

/// Drops every stashed Extref (the static ones on another thread); returns
/// how many.
#[napi]
pub fn clear_stashes() -> u32 {
  let mut n = STASH_TLS.with(|v| v.borrow_mut().drain(..).count());
  n += STASH_LOCAL.with(|v| v.borrow_mut().drain(..).count());
  let stat: Vec<Extref<Counter>> = STASH_STATIC
    .lock()
    .unwrap_or_else(|e| e.into_inner())
    .drain(..)
    .collect();
  n += stat.len();
  std::thread::spawn(move || drop(stat)).join().ok();
  n as u32
}

/// A #[napi] class that keeps an Extref in a field.
#[napi]
pub struct Keeper {
  c: Extref<Counter>,
}

#[napi]
impl Keeper {
  #[napi(constructor)]
  pub fn new(c: Extref<Counter>) -> Self {
    Keeper { c }
  }

  #[napi]
  pub fn value(&self) -> extref::napi::Result<i64> {
    Ok(self.c.borrow()?.value)
  }

  #[napi]
  pub fn increment(&self) -> extref::napi::Result<i64> {
    let mut m = self.c.borrow_mut()?;
    m.value += 1;
    Ok(m.value)
  }
}

/// An Extref inside a napi-rs External.
#[napi]
pub fn wrap_external(c: Extref<Counter>) -> External<Extref<Counter>> {
  External::new(c)
}

#[napi]
pub fn read_wrapped(w: &External<Extref<Counter>>) -> extref::napi::Result<i64> {
  Ok(w.borrow()?.value)
}

// ---- Errors: plain `?` keeps the status as the JS code ------------------

/// An exclusive borrow with plain `?` in a synchronous fn.
#[napi]
pub fn q_sync(c: Extref<Counter>) -> extref::napi::Result<i64> {
  let m = c.borrow_mut()?;
  Ok(m.value)
}

/// An exclusive borrow with plain `?` on a worker thread of an async fn.
#[napi]
pub async fn q_async(h: Hold<Counter>) -> Settled<i64> {
  settle(async move {
    let v = tokio::task::spawn_blocking(move || -> extref::Result<i64> {
      Ok(h.borrow_mut()?.value)
    })
    .await
    .map_err(|e| Error::from_reason(e.to_string()))??;
    Ok(v)
  })
  .await
}

/// The first failure is returned after another failure on this thread: the
/// JS error must carry the first one's code and message.
#[napi]
pub fn q_own_message(c: Extref<Counter>) -> extref::napi::Result<i64> {
  let first = c.borrow_mut().err();
  let mut empty = extref::sys::extref_borrow_t::EMPTY;
  // INVALID_ARG: now this thread's latest error.
  let _ = unsafe { extref::sys::extref_borrow_release(&mut empty) };
  match first {
    Some(e) => Err(e.into()),
    None => Ok(0),
  }
}

// ---- Scenario 20: panics whose payload panics on drop -------------------

/// A panic payload whose own Drop panics.
struct Bomb;

impl Drop for Bomb {
  fn drop(&mut self) {
    std::panic::panic_any(DeliberatePanic);
  }
}

/// A type whose Clone and Drop panic with a Bomb (when `boom` is set).
#[repr(C)]
pub struct BombType {
  pub boom: i64,
}

static BOMB_DROPS: AtomicU64 = AtomicU64::new(0);

impl Clone for BombType {
  fn clone(&self) -> Self {
    if self.boom != 0 {
      std::panic::panic_any(Bomb);
    }
    BombType { boom: 0 }
  }
}

impl Drop for BombType {
  fn drop(&mut self) {
    BOMB_DROPS.fetch_add(1, Ordering::SeqCst);
    if self.boom != 0 {
      std::panic::panic_any(Bomb);
    }
  }
}

extref::extref_type!(unsafe impl BombType {
  tag: (0x6c69626578747265, 0x426f6d6254797065),
  name: c"BombType",
  clone: true,
});

#[napi]
pub fn create_bomb(boom: bool) -> NewExtref<BombType> {
  quiet_deliberate_panics();
  NewExtref::new(BombType { boom: boom as i64 })
}

#[napi]
pub fn clone_bomb(c: Extref<BombType>) -> extref::napi::Result<i64> {
  let b = c.clone_out()?;
  Ok(std::mem::ManuallyDrop::new(b).boom)
}

#[napi]
pub fn bomb_drop_count() -> f64 {
  BOMB_DROPS.load(Ordering::SeqCst) as f64
}

// ---- Scenario 18: take across addons with different allocators ----------

#[cfg(feature = "counting-alloc")]
mod counting_alloc {
  use std::alloc::{GlobalAlloc, Layout, System};
  use std::sync::atomic::{AtomicI64, Ordering};

  /// Live 8-byte, 8-aligned blocks (a Counter's box among them).
  pub static LIVE8: AtomicI64 = AtomicI64::new(0);

  /// Hands out pointers 16 bytes (or the alignment) into a System block, as
  /// a real allocator with headers would: free() of one of them aborts the
  /// process ("free(): invalid pointer").
  pub struct Offset;

  fn outer(l: Layout) -> (Layout, usize) {
    let pad = l.align().max(16);
    // SAFETY-free: sizes of real allocations never overflow here.
    (Layout::from_size_align(l.size() + pad, pad).unwrap(), pad)
  }

  unsafe impl GlobalAlloc for Offset {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
      let (o, pad) = outer(l);
      let p = unsafe { System.alloc(o) };
      if p.is_null() {
        return p;
      }
      if l.size() == 8 && l.align() == 8 {
        LIVE8.fetch_add(1, Ordering::SeqCst);
      }
      unsafe { p.add(pad) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
      let (o, pad) = outer(l);
      if l.size() == 8 && l.align() == 8 {
        LIVE8.fetch_sub(1, Ordering::SeqCst);
      }
      unsafe { System.dealloc(p.sub(pad), o) }
    }
  }

  #[global_allocator]
  static GLOBAL: Offset = Offset;
}

/// "offset" when this build uses the offset allocator, else "system".
#[napi]
pub fn alloc_kind() -> String {
  if cfg!(feature = "counting-alloc") {
    "offset".into()
  } else {
    "system".into()
  }
}

/// Live 8-byte blocks of the offset allocator (-1 with the system one).
#[napi]
pub fn live_small_blocks() -> f64 {
  #[cfg(feature = "counting-alloc")]
  {
    counting_alloc::LIVE8.load(Ordering::SeqCst) as f64
  }
  #[cfg(not(feature = "counting-alloc"))]
  {
    -1.0
  }
}

// ---- #[napi] with borrows taken at conversion (no hold) ----------------

/// borrowedGet(counter): a Borrowed<Counter> argument.
#[napi]
pub fn borrowed_get(c: Borrowed<Counter>) -> i64 {
  c.value
}

/// borrowedIncrement(counter): a BorrowedMut<Counter> argument.
#[napi]
pub fn borrowed_increment(mut c: BorrowedMut<Counter>) -> i64 {
  c.value += 1;
  c.value
}

/// borrowedSwap(a, b): borrowedSwap(x, x) throws EXTREF_MUT_BORROWED.
#[napi]
pub fn borrowed_swap(mut a: BorrowedMut<Counter>, mut b: BorrowedMut<Counter>) {
  std::mem::swap(&mut a.value, &mut b.value);
}

/// borrowedAddInto(src, dst): borrowedAddInto(x, x) throws EXTREF_BORROWED.
#[napi]
pub fn borrowed_add_into(
  src: Borrowed<Counter>,
  mut dst: BorrowedMut<Counter>,
) -> i64 {
  dst.value += src.value;
  dst.value
}

thread_local! {
  static KEPT_BORROWS: RefCell<Vec<Borrowed<Counter>>> =
    const { RefCell::new(Vec::new()) };
}

/// borrowedKeep(counter): keeps the shared borrow past the call (sound: it
/// owns its borrow) until borrowedRelease().
#[napi]
pub fn borrowed_keep(c: Borrowed<Counter>) {
  KEPT_BORROWS.with(|k| k.borrow_mut().push(c));
}

/// borrowedKept(): the values behind the kept borrows.
#[napi]
pub fn borrowed_kept() -> Vec<i64> {
  KEPT_BORROWS.with(|k| k.borrow().iter().map(|c| c.value).collect())
}

/// borrowedRelease(): drops the kept borrows; how many.
#[napi]
pub fn borrowed_release() -> u32 {
  KEPT_BORROWS.with(|k| k.borrow_mut().drain(..).count() as u32)
}

// ---- The fast path: extref::js_fn! (no hold, no napi-rs per call) --------

mod fast {
  use extref::napi::{Call, Failure};
  use extref::Value;

  use super::{quiet_deliberate_panics, Counter};

  extref::js_fn! {
    /// fastGet(counter): a shared borrow.
    pub fn fast_get(call: Call<'_, 1>) -> extref::Result<f64> {
      Ok(call.borrow::<Counter>(0)?.value as f64)
    }
  }

  extref::js_fn! {
    /// fastIncrement(counter): an exclusive borrow; the new value.
    pub fn fast_increment(call: Call<'_, 1>) -> extref::Result<i64> {
      let mut c = call.borrow_mut::<Counter>(0)?;
      c.value += 1;
      Ok(c.value)
    }
  }

  extref::js_fn! {
    /// fastSet(counter, value): a number argument and an exclusive borrow.
    pub fn fast_set(call: Call<'_, 2>) -> Result<(), Failure> {
      let v = call.i64(1)?;
      call.borrow_mut::<Counter>(0)?.value = v;
      Ok(())
    }
  }

  extref::js_fn! {
    /// fastSwap(a, b): two exclusive borrows at once; swap(x, x) is
    /// EXTREF_MUT_BORROWED.
    pub fn fast_swap(call: Call<'_, 2>) -> extref::Result<()> {
      let mut a = call.borrow_mut::<Counter>(0)?;
      let mut b = call.borrow_mut::<Counter>(1)?;
      std::mem::swap(&mut a.value, &mut b.value);
      Ok(())
    }
  }

  extref::js_fn! {
    /// fastAddInto(src, dst): shared then exclusive; aliasing is
    /// EXTREF_BORROWED.
    pub fn fast_add_into(call: Call<'_, 2>) -> extref::Result<i64> {
      let s = call.borrow::<Counter>(0)?;
      let mut d = call.borrow_mut::<Counter>(1)?;
      d.value += s.value;
      Ok(d.value)
    }
  }

  extref::js_fn! {
    /// fastPanic(counter): panics while it holds an exclusive borrow.
    pub fn fast_panic(call: Call<'_, 1>) -> extref::Result<i64> {
      quiet_deliberate_panics();
      let mut c = call.borrow_mut::<Counter>(0)?;
      c.value += 1;
      if c.value > 0 {
        panic!("deliberate panic in fastPanic");
      }
      Ok(c.value)
    }
  }

  extref::js_fn! {
    /// fastHeldError(): returns an extref::Error of its own.
    pub fn fast_held_error(_call: Call<'_, 0>) -> extref::Result<()> {
      Err(extref::Error::Held("returned by fastHeldError".into()))
    }
  }

  extref::js_fn! {
    /// fastNapiError(): returns a napi-rs error (code InvalidArg).
    pub fn fast_napi_error(_call: Call<'_, 0>) -> Result<(), Failure> {
      Err(napi::Error::new(napi::Status::InvalidArg, "returned by fastNapiError").into())
    }
  }

  extref::js_fn! {
    /// fastCreate(value): a new Counter external, returned as a Value.
    pub fn fast_create(call: Call<'_, 1>) -> Result<Value<'_>, Failure> {
      let v = call.i64(0)?;
      Ok(call.env().create(Counter { value: v })?)
    }
  }

  extref::js_fn! {
    /// fastFirst(x): x itself (a Value returned as it is).
    pub fn fast_first(call: Call<'_, 1>) -> Value<'_> {
      call.arg(0)
    }
  }

  extref::js_fn! {
    /// fastLen(…): how many arguments were passed.
    pub fn fast_len(call: Call<'_, 0>) -> u32 {
      call.len() as u32
    }
  }

  extref::js_fn! {
    /// fastNothing(): undefined.
    pub fn fast_nothing(_call: Call<'_, 0>) {}
  }

  extref::js_fn! {
    /// fastName(): a napi-rs return type through Napi<T>.
    pub fn fast_name(_call: Call<'_, 0>) -> extref::napi::Napi<String> {
      extref::napi::Napi("fast".to_string())
    }
  }
}

// ---- Per-call cost peers (bench/quick loop, not tests) -------------------

mod peers {
  use napi::sys;
  use std::ptr;

  /// A raw Node-API callback: napi_get_cb_info + napi_get_value_external,
  /// reads an f64 (the floor any Rust layer can reach).
  pub unsafe extern "C" fn raw_get(
    env: sys::napi_env,
    info: sys::napi_callback_info,
  ) -> sys::napi_value {
    let mut argc = 1usize;
    let mut argv = [ptr::null_mut(); 1];
    let mut data = ptr::null_mut();
    let mut out = ptr::null_mut();
    unsafe {
      sys::napi_get_cb_info(
        env,
        info,
        &mut argc,
        argv.as_mut_ptr(),
        ptr::null_mut(),
        ptr::null_mut(),
      );
      if sys::napi_get_value_external(env, argv[0], &mut data)
        != sys::Status::napi_ok
        || data.is_null()
      {
        return ptr::null_mut();
      }
      sys::napi_create_double(env, *data.cast::<f64>(), &mut out);
    }
    out
  }

  unsafe extern "C" fn finalize(
    _env: sys::napi_env,
    data: *mut std::ffi::c_void,
    _hint: *mut std::ffi::c_void,
  ) {
    drop(unsafe { Box::from_raw(data.cast::<f64>()) });
  }

  /// rawCreate(v): napi_create_external of a Box<f64>.
  pub unsafe extern "C" fn raw_create(
    env: sys::napi_env,
    info: sys::napi_callback_info,
  ) -> sys::napi_value {
    let mut argc = 1usize;
    let mut argv = [ptr::null_mut(); 1];
    let mut v = 0f64;
    let mut out = ptr::null_mut();
    unsafe {
      sys::napi_get_cb_info(
        env,
        info,
        &mut argc,
        argv.as_mut_ptr(),
        ptr::null_mut(),
        ptr::null_mut(),
      );
      sys::napi_get_value_double(env, argv[0], &mut v);
      let data = Box::into_raw(Box::new(v));
      if sys::napi_create_external(
        env,
        data.cast(),
        Some(finalize),
        ptr::null_mut(),
        &mut out,
      ) != sys::Status::napi_ok
      {
        drop(Box::from_raw(data));
        return ptr::null_mut();
      }
    }
    out
  }
}

/// peerEmpty(x): an empty one-argument #[napi] function.
#[napi]
pub fn peer_empty(_x: Unknown<'_>) {}

#[napi]
pub fn peer_external_create(v: f64) -> External<f64> {
  External::new(v)
}

/// peerExternalGet(ext): napi-rs 3's own &External<T>.
#[napi]
pub fn peer_external_get(e: &External<f64>) -> f64 {
  **e
}

#[napi(module_exports)]
pub fn fast_exports(mut exports: Object<'_>) -> Result<()> {
  exports.set("fastGet", fast::fast_get)?;
  exports.set("fastIncrement", fast::fast_increment)?;
  exports.set("fastSet", fast::fast_set)?;
  exports.set("fastSwap", fast::fast_swap)?;
  exports.set("fastAddInto", fast::fast_add_into)?;
  exports.set("fastPanic", fast::fast_panic)?;
  exports.set("fastHeldError", fast::fast_held_error)?;
  exports.set("fastNapiError", fast::fast_napi_error)?;
  exports.set("fastCreate", fast::fast_create)?;
  exports.set("fastFirst", fast::fast_first)?;
  exports.set("fastLen", fast::fast_len)?;
  exports.set("fastNothing", fast::fast_nothing)?;
  exports.set("fastName", fast::fast_name)?;
  // SAFETY: both are Node-API callbacks, sound for any call of their
  // function (they check what they read).
  exports.set("peerRawGet", unsafe {
    extref::napi::JsFn::__new("peerRawGet", peers::raw_get)
  })?;
  exports.set("peerRawCreate", unsafe {
    extref::napi::JsFn::__new("peerRawCreate", peers::raw_create)
  })?;
  Ok(())
}
