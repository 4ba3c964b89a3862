//! Finds libextref with pkg-config and tells rustc how to link it.
//!
//! Set `EXTREF_NO_PKG_CONFIG=1` with `EXTREF_LIB_DIR` / `EXTREF_INCLUDE_DIR`
//! to point at a library by hand. On docs.rs (`DOCS_RS` set) nothing is
//! probed or linked: documentation needs no library.
//!
//! With the `bundled` feature nothing is probed: the library's own C
//! sources are compiled with the cc crate into a static archive linked into
//! the crate, with every extref_ function hidden (`-fvisibility=hidden`,
//! `EXTREF_EXTERN` defined empty), so an addon carries its own copy of the
//! library and exports none of it. Sources: `csrc/` (written by
//! `sync-csrc.sh`, shipped in the packaged crate), else the repository's
//! `src/` and `include/`. Node-API headers (types only; the library finds
//! the functions at run time): `csrc/node-api`, else
//! `EXTREF_NODE_API_INCLUDE`, else `/usr/include/node`.
//!
//! Dependents' build scripts read the library directory as
//! `DEP_EXTREF_LIBDIR` (the `extref` crate uses it for an rpath of its own
//! tests and doctests).

use std::env;
use std::path::PathBuf;

/// The directory holding `name`, first of `dirs`.
#[allow(dead_code)]
fn first_with(dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
  dirs.iter().find(|d| d.join(name).is_file()).cloned()
}

#[cfg(feature = "bundled")]
fn bundled() -> Vec<PathBuf> {
  println!("cargo:rerun-if-env-changed=EXTREF_NODE_API_INCLUDE");
  let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
  let csrc = manifest.join("csrc");
  let repo = manifest.join("../../..");
  let (src, inc) = if csrc.join("src/internal.h").is_file() {
    (csrc.join("src"), csrc.join("include"))
  } else if repo.join("src/internal.h").is_file() {
    (repo.join("src"), repo.join("include"))
  } else {
    panic!(
      "feature `bundled`: no C sources in {} (run sync-csrc.sh) nor in {}",
      csrc.display(),
      repo.join("src").display()
    );
  };
  let mut napi_dirs = vec![csrc.join("node-api")];
  if let Some(d) = env::var_os("EXTREF_NODE_API_INCLUDE") {
    napi_dirs.push(PathBuf::from(d));
  }
  napi_dirs.push(PathBuf::from("/usr/include/node"));
  let napi = first_with(&napi_dirs, "node_api.h").unwrap_or_else(|| {
    panic!(
      "feature `bundled`: node_api.h not found in {napi_dirs:?}; set \
       EXTREF_NODE_API_INCLUDE to a directory of Node-API headers"
    )
  });
  let mut files: Vec<PathBuf> = std::fs::read_dir(&src)
    .unwrap()
    .map(|e| e.unwrap().path())
    .filter(|p| p.extension().is_some_and(|x| x == "c"))
    .collect();
  files.sort();
  println!("cargo:rerun-if-changed={}", src.display());
  println!("cargo:rerun-if-changed={}", inc.display());
  let mut build = cc::Build::new();
  build
    .files(&files)
    .include(&inc)
    .include(&src)
    .include(&napi)
    .define("EXTREF_BUILDING", None)
    .define("_GNU_SOURCE", None)
    // Not exported from the final binary: this copy is the addon's own.
    .define("EXTREF_EXTERN", Some(""))
    // Dynamic TLS: an initial-exec variable would mark the whole addon
    // STATIC_TLS and spend glibc's small static-TLS surplus per copy.
    .define("EXTREF_TLS_MODEL", Some("\"global-dynamic\""))
    .flag_if_supported("-std=c11")
    .flag("-fvisibility=hidden")
    .flag_if_supported("-pthread")
    .warnings(false);
  build.compile("extref_bundled");
  let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
  if os == "linux" || os == "android" {
    println!("cargo:rustc-link-lib=dylib=dl");
    println!("cargo:rustc-link-lib=dylib=pthread");
  }
  println!("cargo:bundled=1");
  vec![inc]
}

#[cfg(not(feature = "bundled"))]
fn bundled() -> Vec<PathBuf> {
  unreachable!()
}

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
    if env::var_os("CARGO_FEATURE_BUNDLED").is_some() {
      bundled()
    } else if env::var_os("EXTREF_NO_PKG_CONFIG").is_some() {
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
