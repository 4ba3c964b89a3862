/* The C side of the Zig binding's layout test: what the C compiler makes of
 * include/extref.h, exported as data for src/test.zig to compare with the
 * hand-written Zig declarations in src/extref.zig.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>

#include "extref.h"

/* size, alignment, then offset and size of each field, in the order of
 * src/test.zig. */
#define FIELD(t, f) offsetof(t, f), sizeof(((t *)0)->f)
#define SIZE(t) sizeof(t), _Alignof(t)

const size_t extref_zig_layout[] = {
    SIZE(extref_tag_t),
    FIELD(extref_tag_t, lower),
    FIELD(extref_tag_t, upper),
    SIZE(extref_type_t),
    FIELD(extref_type_t, struct_size),
    FIELD(extref_type_t, flags),
    FIELD(extref_type_t, tag),
    FIELD(extref_type_t, name),
    FIELD(extref_type_t, payload_size),
    FIELD(extref_type_t, drop),
    FIELD(extref_type_t, clone),
    FIELD(extref_type_t, type_data),
    FIELD(extref_type_t, move),
    SIZE(extref_borrow_t),
    FIELD(extref_borrow_t, payload),
    FIELD(extref_borrow_t, token),
    SIZE(extref_error_t),
    FIELD(extref_error_t, status),
    FIELD(extref_error_t, napi_status),
    FIELD(extref_error_t, message),
    SIZE(extref_stats_t),
    FIELD(extref_stats_t, struct_size),
    FIELD(extref_stats_t, live_payloads),
    FIELD(extref_stats_t, live_borrows),
    FIELD(extref_stats_t, live_holds),
    FIELD(extref_stats_t, drops),
    FIELD(extref_stats_t, deferred_drops),
    FIELD(extref_stats_t, takes),
    FIELD(extref_stats_t, external_bytes),
    SIZE(extref_status_t),
};
const size_t extref_zig_layout_len =
    sizeof extref_zig_layout / sizeof extref_zig_layout[0];

/* Every status value, in table order, then the flags and the version. */
#define STATUS_VALUE(name, value, text) EXTREF_##name,
const int64_t extref_zig_consts[] = {
    EXTREF_STATUS_MAP(STATUS_VALUE)
    EXTREF_TYPE_SEND,
    EXTREF_TYPE_JS_DROP,
    EXTREF_VERSION_HEX,
};
const size_t extref_zig_consts_len =
    sizeof extref_zig_consts / sizeof extref_zig_consts[0];
const char extref_zig_version_string[] = EXTREF_VERSION_STRING;
