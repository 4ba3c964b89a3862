//! Finds libextref with pkg-config and tells rustc how to link it.
//!
//! Set `EXTREF_NO_PKG_CONFIG=1` with `EXTREF_LIB_DIR` / `EXTREF_INCLUDE_DIR`
//! to point at a library by hand. On docs.rs (`DOCS_RS` set) nothing is
//! probed or linked: documentation needs no library.
//!
//! Dependents' build scripts read the library directory as
//! `DEP_EXTREF_LIBDIR` (the `extref` crate uses it for an rpath of its own
//! tests and doctests).

use std::env;
use std::path::PathBuf;

fn main() {
  println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
  println!("cargo:rerun-if-env-changed=EXTREF_NO_PKG_CONFIG");
  println!("cargo:rerun-if-env-changed=EXTREF_LIB_DIR");
  println!("cargo:rerun-if-env-changed=EXTREF_INCLUDE_DIR");
  println!("cargo:rerun-if-env-changed=DOCS_RS");

  if env::var_os("DOCS_RS").is_some() {
    // docs.rs builds documentation only, without libextref installed.
    println!("cargo:rustc-env=EXTREF_SYS_INCLUDE=");
    println!("cargo:rustc-env=EXTREF_SYS_TARGET=");
    println!("cargo:rustc-env=EXTREF_SYS_HOST=");
    return;
  }

  let include_dirs: Vec<PathBuf> =
    if env::var_os("EXTREF_NO_PKG_CONFIG").is_some() {
      let lib = env::var("EXTREF_LIB_DIR")
        .expect("EXTREF_NO_PKG_CONFIG is set: set EXTREF_LIB_DIR too");
      println!("cargo:rustc-link-search=native={lib}");
      println!("cargo:libdir={lib}");
      println!("cargo:rustc-link-lib=dylib=extref");
      env::var_os("EXTREF_INCLUDE_DIR")
        .map(|d| vec![PathBuf::from(d)])
        .unwrap_or_default()
    } else {
      match pkg_config::Config::new()
        .atleast_version("1.0")
        .cargo_metadata(true)
        .probe("extref")
      {
        Ok(lib) => {
          // Let test binaries and examples run from the build tree without
          // LD_LIBRARY_PATH, when the library is not in a system directory.
          for dir in &lib.link_paths {
            if !dir.starts_with("/usr/lib") && !dir.starts_with("/lib") {
              println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
            }
          }
          if let Some(dir) = lib.link_paths.first() {
            println!("cargo:libdir={}", dir.display());
          }
          lib.include_paths
        }
        Err(e) => {
          panic!(
            "libextref was not found with pkg-config ({e}).\n\
           Build and install it (./dev build) and set PKG_CONFIG_PATH to \
           the directory of extref.pc, e.g. _stage/lib/pkgconfig."
          );
        }
      }
    };

  // Dependents read these as DEP_EXTREF_INCLUDE; the layout test reads the
  // same directory through EXTREF_SYS_INCLUDE.
  let inc = env::join_paths(&include_dirs).unwrap();
  println!("cargo:include={}", inc.to_string_lossy());
  println!(
    "cargo:rustc-env=EXTREF_SYS_INCLUDE={}",
    inc.to_string_lossy()
  );
  println!(
    "cargo:rustc-env=EXTREF_SYS_TARGET={}",
    env::var("TARGET").unwrap()
  );
  println!(
    "cargo:rustc-env=EXTREF_SYS_HOST={}",
    env::var("HOST").unwrap()
  );
}
