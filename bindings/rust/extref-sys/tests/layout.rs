//! Checks every struct and constant of the Rust declarations against the C
//! header: a small C program, compiled with the `cc` crate's compiler against
//! the installed `extref.h`, prints sizes, alignments, field offsets and
//! values. A field that moves in either language fails here.

use std::collections::HashMap;
use std::mem::{align_of, offset_of, size_of};
use std::path::PathBuf;
use std::process::Command;

use extref_sys::*;

fn c_layout() -> &'static HashMap<String, String> {
  static C: std::sync::OnceLock<HashMap<String, String>> =
    std::sync::OnceLock::new();
  C.get_or_init(compile_and_run)
}

fn compile_and_run() -> HashMap<String, String> {
  let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("layout");
  std::fs::create_dir_all(&dir).unwrap();
  let exe = dir.join("layout");
  let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/layout.c");
  let compiler = cc::Build::new()
    .cargo_metadata(false)
    .target(env!("EXTREF_SYS_TARGET"))
    .host(env!("EXTREF_SYS_HOST"))
    .opt_level(0)
    .std("c11")
    .get_compiler();
  let mut cmd = compiler.to_command();
  for inc in std::env::split_paths(env!("EXTREF_SYS_INCLUDE")) {
    cmd.arg("-I").arg(inc);
  }
  let st = cmd
    .args(["-Wall", "-Wextra", "-Werror", "-pedantic"])
    .arg(&src)
    .arg("-o")
    .arg(&exe)
    .status()
    .expect("run the C compiler");
  assert!(st.success(), "compiling tests/layout.c failed");
  let out = Command::new(&exe).output().expect("run the layout program");
  assert!(out.status.success());
  String::from_utf8(out.stdout)
    .unwrap()
    .lines()
    .map(|l| {
      let (k, v) = l.split_once(' ').unwrap();
      (k.to_string(), v.to_string())
    })
    .collect()
}

macro_rules! check_struct {
  ($c:expr, $t:ident { $($f:ident),* $(,)? }) => {{
    let c: &HashMap<String, String> = $c;
    let name = stringify!($t);
    assert_eq!(c[&format!("{name}.size")], size_of::<$t>().to_string(),
               "size of {name}");
    assert_eq!(c[&format!("{name}.align")], align_of::<$t>().to_string(),
               "align of {name}");
    $(
      let zero = std::mem::MaybeUninit::<$t>::uninit();
      // Field size through a raw pointer, without reading the value.
      let fsize = {
        fn sz<T>(_: *const T) -> usize { size_of::<T>() }
        sz(unsafe { std::ptr::addr_of!((*zero.as_ptr()).$f) })
      };
      assert_eq!(
        c[&format!("{name}.{}", stringify!($f).trim_start_matches("r#"))],
        format!("{} {}", offset_of!($t, $f), fsize),
        "offset and size of {name}.{}", stringify!($f).trim_start_matches("r#")
      );
    )*
    // Every C field is listed: the count of C lines for this struct equals
    // the count of Rust fields checked.
    let c_fields = c.keys().filter(|k| {
      k.starts_with(&format!("{name}.")) && !k.ends_with(".size")
        && !k.ends_with(".align")
    }).count();
    assert_eq!(c_fields, [$(stringify!($f)),*].len(), "fields of {name}");
  }};
}

#[test]
fn struct_layouts_match_the_c_header() {
  let c = c_layout();
  check_struct!(c, extref_tag_t { lower, upper });
  check_struct!(
    c,
    extref_type_t {
      struct_size,
      flags,
      tag,
      name,
      payload_size,
      drop,
      clone,
      type_data,
      r#move
    }
  );
  check_struct!(c, extref_borrow_t { payload, token });
  check_struct!(
    c,
    extref_error_t {
      status,
      napi_status,
      message
    }
  );
  check_struct!(
    c,
    extref_stats_t {
      struct_size,
      live_payloads,
      live_borrows,
      live_holds,
      drops,
      deferred_drops,
      takes,
      external_bytes
    }
  );
  assert_eq!(
    c["extref_status_t.size"],
    size_of::<extref_status_t>().to_string()
  );
  assert_eq!(
    c["extref_status_t.align"],
    align_of::<extref_status_t>().to_string()
  );
}

#[test]
fn status_values_match_the_c_table() {
  let c = c_layout();
  let c_statuses: Vec<_> = c
    .keys()
    .filter(|k| {
      k.starts_with("EXTREF_")
        && !matches!(k.as_str(), "EXTREF_TYPE_SEND" | "EXTREF_TYPE_JS_DROP" | "EXTREF_TYPE_SIZE_1_0")
        && !k.starts_with("EXTREF_VERSION_")
    })
    .collect();
  assert_eq!(c_statuses.len(), ALL_STATUSES.len(), "status count");
  for (st, name) in ALL_STATUSES {
    assert_eq!(c[*name], st.0.to_string(), "value of {name}");
  }
}

#[test]
fn flags_and_versions_match_the_c_header() {
  let c = c_layout();
  assert_eq!(c["EXTREF_TYPE_SEND"], EXTREF_TYPE_SEND.to_string());
  assert_eq!(c["EXTREF_TYPE_JS_DROP"], EXTREF_TYPE_JS_DROP.to_string());
  assert_eq!(c["EXTREF_TYPE_SIZE_1_0"], EXTREF_TYPE_SIZE_1_0.to_string());
  assert_eq!(c["EXTREF_VERSION_MAJOR"], EXTREF_VERSION_MAJOR.to_string());
  assert_eq!(c["EXTREF_VERSION_MINOR"], EXTREF_VERSION_MINOR.to_string());
  assert_eq!(c["EXTREF_VERSION_PATCH"], EXTREF_VERSION_PATCH.to_string());
  assert_eq!(c["EXTREF_VERSION_HEX"], EXTREF_VERSION_HEX.to_string());
  assert_eq!(
    c["EXTREF_VERSION_STRING"],
    EXTREF_VERSION_STRING.to_str().unwrap()
  );
}

#[test]
fn status_names_come_from_the_library() {
  for (st, name) in ALL_STATUSES {
    let got = unsafe { std::ffi::CStr::from_ptr(extref_status_name(*st)) };
    assert_eq!(got.to_str().unwrap(), *name);
    let text = unsafe { std::ffi::CStr::from_ptr(extref_status_text(*st)) };
    assert!(!text.to_bytes().is_empty());
  }
  let unknown = unsafe {
    std::ffi::CStr::from_ptr(extref_status_name(extref_status_t(12345)))
  };
  assert_eq!(unknown.to_str().unwrap(), "EXTREF_UNKNOWN");
}

#[test]
fn runtime_version_matches() {
  assert_eq!(unsafe { extref_version() }, EXTREF_VERSION_HEX);
  let s = unsafe { std::ffi::CStr::from_ptr(extref_version_string()) };
  assert_eq!(s, EXTREF_VERSION_STRING);
}

#[test]
fn no_runtime_without_a_js_host() {
  // A plain test executable has no Node-API host: the library says so
  // instead of crashing on the (dangling) env.
  static T: extref_type_t = extref_type_t {
    struct_size: size_of::<extref_type_t>() as u32,
    flags: 0,
    tag: extref_tag_t { lower: 1, upper: 2 },
    name: c"T".as_ptr(),
    payload_size: 8,
    drop: None,
    clone: None,
    type_data: std::ptr::null_mut(),
    r#move: None,
  };
  let mut x = 5u64;
  let mut out: napi_value = std::ptr::null_mut();
  let env = std::ptr::NonNull::<napi_env__>::dangling().as_ptr();
  let st = unsafe {
    extref_external_create(env, &T, (&mut x as *mut u64).cast(), 0, &mut out)
  };
  assert_eq!(st, EXTREF_NO_RUNTIME);
  let err = unsafe { &*extref_last_error() };
  assert_eq!(err.status, EXTREF_NO_RUNTIME);
  assert!(out.is_null());
}

#[test]
fn stats_and_empty_release() {
  let mut s = extref_stats_t {
    struct_size: size_of::<extref_stats_t>() as u32,
    ..Default::default()
  };
  assert_eq!(unsafe { extref_stats_get(&mut s) }, EXTREF_OK);
  let mut small = extref_stats_t {
    struct_size: 4,
    ..Default::default()
  };
  assert_eq!(unsafe { extref_stats_get(&mut small) }, EXTREF_INVALID_ARG);
  let mut b = extref_borrow_t::EMPTY;
  assert_eq!(unsafe { extref_borrow_release(&mut b) }, EXTREF_INVALID_ARG);
  assert_eq!(
    unsafe { extref_borrow_release(std::ptr::null_mut()) },
    EXTREF_INVALID_ARG
  );
  assert_eq!(
    unsafe { extref_hold_release(std::ptr::null_mut()) },
    EXTREF_OK
  );
}
