fn main() {
  napi_build::setup();
  // Let Node load the addon without LD_LIBRARY_PATH when libextref is not
  // installed system-wide (the test stage of this repository).
  if let Ok(lib) = pkg_config::Config::new()
    .cargo_metadata(false)
    .probe("extref")
  {
    for dir in lib.link_paths {
      if !dir.starts_with("/usr/lib") && !dir.starts_with("/lib") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
      }
    }
  }
  println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
}
