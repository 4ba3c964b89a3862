fn main() {
  napi_build::setup();
  // An rpath to the libextref that pkg-config names (the staged one in this
  // repository), so that rust.node loads without LD_LIBRARY_PATH, as
  // bench.node does: extref-sys's own rpath applies to its crate only.
  println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
  if let Ok(out) = std::process::Command::new("pkg-config")
    .args(["--variable=libdir", "extref"])
    .output()
  {
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success() && !dir.is_empty() && !dir.starts_with("/usr/lib")
    {
      println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
  }
}
