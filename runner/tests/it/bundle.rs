//! The shipped Lambda `bootstrap` starts on the `provided.al2023` runtime, whose glibc is 2.34:
//! it may need no newer glibc symbol version.

use std::path::Path;

use tinesaudit_testkit::glibc_versions_needed;

#[test]
fn the_shipped_bootstrap_needs_at_most_glibc_2_34() {
    let shipped = tinesaudit_testkit::runner_bootstrap().unwrap();
    let needed = glibc_versions_needed(&shipped).unwrap();
    let Some((highest, name)) = needed.iter().max() else {
        panic!("found no GLIBC_ version needed by {}", shipped.display());
    };
    assert!(
        *highest <= vec![2, 34],
        "{} needs {name}; Lambda's provided.al2023 has glibc 2.34",
        shipped.display()
    );

    // The host build needs glibc too: finding its versions shows the reading above finds them
    // where they are, so an empty or broken read cannot pass for a clean bootstrap.
    let host = Path::new(env!("CARGO_BIN_EXE_tinesaudit-runner"));
    assert!(
        !glibc_versions_needed(host).unwrap().is_empty(),
        "found no GLIBC_ version needed by the host build {}",
        host.display()
    );
}
