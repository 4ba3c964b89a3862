//! The safe layer without a JS host: descriptors, callbacks, errors, and
//! EXTREF_NO_RUNTIME wherever an env is needed. Holds and borrows on a live
//! payload are exercised by the napi-rs addon's Node tests.

use std::ffi::c_void;
use std::mem::{size_of, MaybeUninit};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

use extref::{sys, Env, Error, ExtrefType, Hold, SendType, Value};

static DROPS: AtomicUsize = AtomicUsize::new(0);

#[repr(C)]
#[derive(Clone, Debug, PartialEq)]
struct Counter {
  value: i64,
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

#[repr(C)]
struct Local {
  value: i64,
}
extref::extref_type!(unsafe impl Local {
  tag: (11, 12),
  name: c"Local",
  js_drop: true,
});

static TRACKED_DROPS: AtomicUsize = AtomicUsize::new(0);

/// Its own drop counter: tests run in parallel.
#[repr(C)]
struct Tracked(#[allow(dead_code)] i64);
impl Drop for Tracked {
  fn drop(&mut self) {
    TRACKED_DROPS.fetch_add(1, Ordering::SeqCst);
  }
}
extref::extref_type!(unsafe impl Tracked { tag: (15, 16), name: c"Tracked" });

static DROPPED_DROPS: AtomicUsize = AtomicUsize::new(0);

#[repr(C)]
struct Dropped(#[allow(dead_code)] i64);
impl Drop for Dropped {
  fn drop(&mut self) {
    DROPPED_DROPS.fetch_add(1, Ordering::SeqCst);
  }
}
extref::extref_type!(unsafe impl Dropped { tag: (17, 18), name: c"Dropped" });

struct Panicky(#[allow(dead_code)] u32);
impl Clone for Panicky {
  fn clone(&self) -> Self {
    panic!("clone panics");
  }
}
impl Drop for Panicky {
  fn drop(&mut self) {
    panic!("drop panics");
  }
}
extref::extref_type!(unsafe impl Panicky {
  tag: (13, 14),
  name: c"Panicky",
  clone: true,
});

fn no_env<'a>() -> Env<'a> {
  // A dangling, never-dereferenced env: there is no host in this process,
  // so the library must answer EXTREF_NO_RUNTIME before touching it.
  unsafe { Env::from_raw(NonNull::<sys::napi_env__>::dangling().as_ptr()) }
}

fn no_value<'a>() -> Value<'a> {
  unsafe { Value::from_raw(NonNull::<sys::napi_value__>::dangling().as_ptr()) }
}

#[test]
fn descriptor_has_tag_name_size_and_flags() {
  let d = Counter::DESCRIPTOR;
  assert_eq!(d.struct_size as usize, size_of::<sys::extref_type_t>());
  assert_eq!(d.tag.lower, 0x6c69626578747265);
  assert_eq!(d.tag.upper, 0x66436f756e746572);
  assert_eq!(d.payload_size, 8);
  assert_eq!(d.flags, sys::EXTREF_TYPE_SEND);
  assert!(d.drop.is_some() && d.clone.is_some());
  let name = unsafe { std::ffi::CStr::from_ptr(d.name) };
  assert_eq!(name.to_str().unwrap(), "Counter");

  let l = Local::DESCRIPTOR;
  assert_eq!(l.flags, sys::EXTREF_TYPE_JS_DROP);
  assert!(l.clone.is_none());
}

#[test]
fn send_types_make_send_sync_holds() {
  fn send_sync<T: Send + Sync>() {}
  fn is_send_type<T: SendType>() {}
  send_sync::<Hold<Counter>>();
  send_sync::<extref::HeldMut<Counter>>();
  send_sync::<extref::HeldRef<Counter>>();
  is_send_type::<Counter>();
}

#[test]
fn clone_callback_writes_into_uninit() {
  let src = Counter { value: 41 };
  let mut dst = MaybeUninit::<Counter>::uninit();
  let cb = Counter::DESCRIPTOR.clone.unwrap();
  let rc = unsafe {
    cb(
      (&src as *const Counter).cast(),
      dst.as_mut_ptr().cast(),
      std::ptr::null_mut(),
    )
  };
  assert_eq!(rc, 0);
  let dst = unsafe { dst.assume_init() };
  assert_eq!(dst, src);
}

#[test]
fn drop_callback_drops_the_box_once() {
  let p = Box::into_raw(Box::new(Dropped(1)));
  let cb = Dropped::DESCRIPTOR.drop.unwrap();
  unsafe {
    cb(
      p.cast::<c_void>(),
      std::ptr::null_mut(),
      std::ptr::null_mut(),
    )
  };
  assert_eq!(DROPPED_DROPS.load(Ordering::SeqCst), 1);
}

#[test]
fn panics_never_cross_the_c_abi() {
  let v = std::mem::ManuallyDrop::new(Panicky(3));
  let mut dst = MaybeUninit::<Panicky>::uninit();
  let clone = Panicky::DESCRIPTOR.clone.unwrap();
  let rc = unsafe {
    clone(
      (&*v as *const Panicky).cast(),
      dst.as_mut_ptr().cast(),
      std::ptr::null_mut(),
    )
  };
  assert_ne!(rc, 0, "a panicking Clone reports failure");
  let drop_cb = Panicky::DESCRIPTOR.drop.unwrap();
  let p = Box::into_raw(Box::new(Panicky(4)));
  // Returns normally although Drop panics.
  unsafe { drop_cb(p.cast(), std::ptr::null_mut(), std::ptr::null_mut()) };
}

/// A panic payload whose own Drop panics ("failed to initiate panic" and
/// exit 134 before, from the drop and clone callbacks: scenario 20).
struct Bomb;
impl Drop for Bomb {
  fn drop(&mut self) {
    panic!("the panic payload panics on drop");
  }
}

struct Bombing(#[allow(dead_code)] u32);
impl Clone for Bombing {
  fn clone(&self) -> Self {
    std::panic::panic_any(Bomb);
  }
}
impl Drop for Bombing {
  fn drop(&mut self) {
    std::panic::panic_any(Bomb);
  }
}
extref::extref_type!(unsafe impl Bombing {
  tag: (19, 20),
  name: c"Bombing",
  clone: true,
});

#[test]
fn panic_payloads_that_panic_on_drop_never_abort() {
  let v = std::mem::ManuallyDrop::new(Bombing(3));
  let mut dst = MaybeUninit::<Bombing>::uninit();
  let clone = Bombing::DESCRIPTOR.clone.unwrap();
  let rc = unsafe {
    clone(
      (&*v as *const Bombing).cast(),
      dst.as_mut_ptr().cast(),
      std::ptr::null_mut(),
    )
  };
  assert_ne!(rc, 0, "a panicking Clone reports failure");
  let drop_cb = Bombing::DESCRIPTOR.drop.unwrap();
  let p = Box::into_raw(Box::new(Bombing(4)));
  unsafe { drop_cb(p.cast(), std::ptr::null_mut(), std::ptr::null_mut()) };
}

static MOVED_DROPS: AtomicUsize = AtomicUsize::new(0);

/// Its own drop counter: tests run in parallel.
#[repr(C)]
struct Moved(i64);
impl Drop for Moved {
  fn drop(&mut self) {
    MOVED_DROPS.fetch_add(1, Ordering::SeqCst);
  }
}
extref::extref_type!(unsafe impl Moved { tag: (21, 22), name: c"Moved" });

#[test]
fn move_callback_moves_without_dropping_and_frees_the_box() {
  let before = MOVED_DROPS.load(Ordering::SeqCst);
  let mv = Moved::DESCRIPTOR.r#move.expect("extref_type! fills move");
  let p = Box::into_raw(Box::new(Moved(42)));
  let mut dst = MaybeUninit::<Moved>::uninit();
  let rc = unsafe { mv(p.cast(), dst.as_mut_ptr().cast(), std::ptr::null_mut()) };
  assert_eq!(rc, 0);
  assert_eq!(MOVED_DROPS.load(Ordering::SeqCst), before, "not dropped");
  let t = unsafe { dst.assume_init() };
  assert_eq!(t.0, 42);
  drop(t);
  assert_eq!(MOVED_DROPS.load(Ordering::SeqCst), before + 1);
}

#[test]
fn create_without_a_host_is_no_runtime_and_drops_the_value() {
  let r = no_env().create(Tracked(5));
  match r {
    Err(Error::NoRuntime(msg)) => assert!(!msg.is_empty()),
    Err(e) => panic!("expected NoRuntime, got {e}"),
    Ok(_) => panic!("created an external without a host"),
  }
  assert_eq!(TRACKED_DROPS.load(Ordering::SeqCst), 1);
}

#[test]
fn every_env_call_without_a_host_is_no_runtime() {
  let env = no_env();
  let v = no_value();
  assert!(matches!(env.borrow::<Counter>(v), Err(Error::NoRuntime(_))));
  assert!(matches!(
    env.borrow_mut::<Counter>(v),
    Err(Error::NoRuntime(_))
  ));
  assert!(matches!(
    env.clone_out::<Counter>(v),
    Err(Error::NoRuntime(_))
  ));
  assert!(matches!(env.take::<Counter>(v), Err(Error::NoRuntime(_))));
  assert!(matches!(env.hold::<Counter>(v), Err(Error::NoRuntime(_))));
  let e = Error::NoRuntime(String::new());
  assert!(matches!(e.throw(env), Err(Error::NoRuntime(_))));
}

#[test]
fn errors_map_every_status_both_ways() {
  for (st, name) in sys::ALL_STATUSES.iter().skip(1) {
    let e = Error::with_message(*st, "m".into(), 3);
    assert_eq!(e.status(), *st);
    assert_eq!(e.name(), *name);
    assert_eq!(e.message(), "m");
    assert_eq!(e.to_string(), format!("{name}: m"));
    assert_eq!(e.napi_status().is_some(), *st == sys::EXTREF_NAPI_FAILED);
  }
  let unknown = Error::with_message(sys::extref_status_t(77), "x".into(), 0);
  assert_eq!(
    unknown,
    Error::Unknown {
      status: 77,
      message: "x".into()
    }
  );
  assert_eq!(unknown.name(), "EXTREF_UNKNOWN");
  let boxed: Box<dyn std::error::Error> = Box::new(unknown);
  assert!(boxed.to_string().contains("EXTREF_UNKNOWN"));
}

#[test]
fn from_status_uses_the_last_error_message() {
  // Provoke a real failure: releasing NULL is EXTREF_INVALID_ARG.
  let st = unsafe { sys::extref_borrow_release(std::ptr::null_mut()) };
  assert_eq!(st, sys::EXTREF_INVALID_ARG);
  let last =
    unsafe { std::ffi::CStr::from_ptr((*sys::extref_last_error()).message) }
      .to_string_lossy()
      .into_owned();
  let e = Error::from_status(st);
  assert!(matches!(e, Error::InvalidArg(_)));
  assert_eq!(
    e.message(),
    if last.is_empty() {
      "an argument was NULL or malformed, or the borrow is not live"
    } else {
      last.as_str()
    }
  );
  assert!(e.is_type_error());
}

#[test]
fn stats_and_version_read_the_library() {
  let s = extref::stats().unwrap();
  assert_eq!(s.live_payloads, 0);
  assert_eq!(s.live_holds, 0);
  assert_eq!(
    extref::version(),
    (
      sys::EXTREF_VERSION_MAJOR,
      sys::EXTREF_VERSION_MINOR,
      sys::EXTREF_VERSION_PATCH
    )
  );
  assert_eq!(
    extref::version_string(),
    sys::EXTREF_VERSION_STRING.to_str().unwrap()
  );
}
