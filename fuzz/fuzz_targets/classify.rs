//! Any bytes at all go through the classifier without a panic, and every verdict it gives
//! explains itself.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let report = bouncedesk::classify::classify(data);
    for bounce in &report.bounces {
        assert!(!bounce.why.is_empty());
    }
});
