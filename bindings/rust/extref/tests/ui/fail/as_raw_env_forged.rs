// AsRawEnv is sealed: unsafe code trusts the env it returns, so safe code
// may not implement it (a forged 0x1000 crashed in napi_is_exception_pending).
struct Forged;

impl extref::napi::AsRawEnv for Forged {
  fn as_raw_env(&self) -> extref::sys::napi_env {
    0x1000 as extref::sys::napi_env
  }
}

fn main() {}
