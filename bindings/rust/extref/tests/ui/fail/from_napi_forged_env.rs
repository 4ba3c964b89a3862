// napi::Env::from_raw is safe in napi-rs, so Env::from_napi cannot trust its
// argument: it is unsafe (create on a forged env crashed in
// napi_add_env_cleanup_hook).
#[repr(C)]
struct Counter {
  value: i64,
}
extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });

fn main() {
  let forged = napi::Env::from_raw(0x1000 as napi::sys::napi_env);
  let env = extref::Env::from_napi(&forged);
  let _ = env.create(Counter { value: 1 });
}
