//! napi
