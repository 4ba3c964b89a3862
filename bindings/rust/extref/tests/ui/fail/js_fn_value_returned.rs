// A helper cannot return a call's Value (or Env) with a longer lifetime
// than the call.
use extref::napi::Call;

fn escape<'a>(call: Call<'a, 1>) -> extref::Value<'static> {
  call.arg(0)
}

fn escape_env<'a>(call: Call<'a, 1>) -> extref::Env<'static> {
  call.env()
}

fn main() {}
