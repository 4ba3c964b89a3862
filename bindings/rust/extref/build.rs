//! Lets this crate's own tests and doctests find libextref without
//! `LD_LIBRARY_PATH` when it is not in a system directory: an rpath to the
//! directory extref-sys found it in (`DEP_EXTREF_LIBDIR`). Link arguments
//! of a build script apply to this package's test binaries only, never to
//! dependents. Nothing to do on docs.rs.

fn main() {
  println!("cargo:rerun-if-env-changed=DOCS_RS");
  if std::env::var_os("DOCS_RS").is_some() {
    return;
  }
  if let Some(dir) = std::env::var_os("DEP_EXTREF_LIBDIR") {
    let dir = std::path::PathBuf::from(dir);
    if !dir.as_os_str().is_empty()
      && !dir.starts_with("/usr/lib")
      && !dir.starts_with("/lib")
    {
      println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    }
  }
}
