use super::*;
use crate::config::{AggMethod, Retention};
use proptest::prelude::*;

fn run(args: &[&str]) -> Result<Config, String> {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    match parse_args(&args) {
        Ok(Command::Run(config)) => Ok(*config),
        Ok(other) => Err(format!("not a run: {other:?}")),
        Err(e) => Err(e.to_string()),
    }
}

/// `bad!(["--memory", "0"], "--memory: ...")`: the whole error line, context included.
macro_rules! bad {
    ([$($arg:expr),*], $message:expr) => {
        assert_eq!(run(&[$($arg),*]).unwrap_err(), $message)
    };
}

#[test]
fn table_is_in_flag_order() {
    for (index, spec) in SPECS.iter().enumerate() {
        assert_eq!(spec.flag as usize, index, "{}", spec.long);
    }
}

#[test]
fn defaults() {
    let c = run(&[]).unwrap();
    assert_eq!(c.data_dir, PathBuf::from("./pencil-data"));
    assert_eq!(c.carbon, "0.0.0.0:2003".parse().unwrap());
    assert_eq!(c.http, "0.0.0.0:8080".parse().unwrap());
    assert_eq!(c.store.memory, 1 << 30);
    assert_eq!(c.snapshot_every, 60);
    assert_eq!(c.self_metrics_every, 60);
    assert_eq!(c.max_connections, 1024);
    assert_eq!(c.store.future_tolerance, 600);
    assert!(!c.store.strict_last_wins);
    assert_eq!(c.write_token, None);
    let schemas = &c.store.schemas;
    assert_eq!(schemas.len(), 1);
    assert_eq!(
        (schemas[0].name.as_str(), schemas[0].pattern.as_str()),
        ("default", ".*")
    );
    let want =
        [(10, 2160), (60, 10080), (3600, 8760)].map(|(step, points)| Retention { step, points });
    assert_eq!(schemas[0].archives, want);
    assert_eq!(schemas[0].text, "10s:6h,1m:7d,1h:1y");
}

#[test]
fn default_aggregation_rules() {
    let c = run(&[]).unwrap();
    let rules: Vec<_> = c
        .store
        .aggregation
        .iter()
        .map(|a| (a.pattern.as_str(), a.method, a.x_files_factor))
        .collect();
    assert_eq!(
        rules,
        [
            ("\\.min$", AggMethod::Min, 0.1),
            ("\\.max$", AggMethod::Max, 0.1),
            ("\\.count$", AggMethod::Sum, 0.0),
            ("\\.sum$", AggMethod::Sum, 0.0),
            (".*", AggMethod::Average, 0.5),
        ]
    );
}

#[test]
fn every_flag_in_both_forms() {
    let dir = std::env::temp_dir().join(format!("pencil-config-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let schemas = dir.join("schemas.conf");
    std::fs::write(
        &schemas,
        "[a]\npattern = ^a\\.\nretentions = 1m:1d\n[b]\npattern = .*\nretentions = 60:60\n",
    )
    .unwrap();
    let aggregation = dir.join("aggregation.conf");
    std::fs::write(
        &aggregation,
        "[all]\npattern = .*\naggregationMethod = last\n",
    )
    .unwrap();
    let (schemas, aggregation) = (schemas.to_str().unwrap(), aggregation.to_str().unwrap());
    let flags = [
        ("--data-dir", "/var/lib/pencil"),
        ("--carbon", "127.0.0.1:12003"),
        ("--http", "[::1]:18080"),
        ("--memory", "512MiB"),
        ("--schemas", schemas),
        ("--aggregation", aggregation),
        ("--snapshot-every", "300"),
        ("--self-metrics-every", "5"),
        ("--max-connections", "10"),
        ("--future-tolerance", "0"),
        ("--write-token", "s3cret"),
    ];
    let separate: Vec<&str> = flags
        .iter()
        .flat_map(|(f, v)| [*f, *v])
        .chain(["--strict-last-wins"])
        .collect();
    let joined: Vec<String> = flags
        .iter()
        .map(|(f, v)| format!("{f}={v}"))
        .chain(["--strict-last-wins".into()])
        .collect();
    let joined: Vec<&str> = joined.iter().map(String::as_str).collect();
    for args in [separate, joined] {
        let c = run(&args).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/pencil"));
        assert_eq!(c.carbon, "127.0.0.1:12003".parse().unwrap());
        assert_eq!(c.http, "[::1]:18080".parse().unwrap());
        assert_eq!(c.store.memory, 512 << 20);
        let names: Vec<_> = c.store.schemas.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "b"], "the user's schemas and nothing appended");
        assert_eq!(c.store.aggregation.len(), 1);
        assert_eq!(c.store.aggregation[0].method, AggMethod::Last);
        assert_eq!(c.snapshot_every, 300);
        assert_eq!(c.self_metrics_every, 5);
        assert_eq!(c.max_connections, 10);
        assert_eq!(c.store.future_tolerance, 0);
        assert!(c.store.strict_last_wins);
        assert_eq!(c.write_token.as_deref(), Some("s3cret"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn help_and_version() {
    for (arg, want) in [
        ("--help", "Help"),
        ("-h", "Help"),
        ("--version", "Version"),
        ("-V", "Version"),
    ] {
        let got = parse_args(&[arg.to_string()]).unwrap();
        assert_eq!(format!("{got:?}"), want);
    }
    // Help wins over flags after it, so `pencil --help --bogus` still helps.
    assert!(matches!(
        parse_args(&["--help".into(), "--bogus".into()]),
        Ok(Command::Help)
    ));
}

#[test]
fn usage_lists_every_flag_and_default() {
    let text = usage();
    for spec in &SPECS {
        assert!(text.contains(spec.long), "{}", spec.long);
        if let Some(default) = spec.default {
            assert!(text.contains(&format!("[default: {default}]")), "{default}");
        }
    }
    for phrase in [
        "10s:6h,1m:7d,1h:1y",
        "powers of 1024",
        "powers of 1000",
        "-h, --help",
        "-V, --version",
    ] {
        assert!(text.contains(phrase), "{phrase}");
    }
}

#[test]
fn flag_errors() {
    bad!(["--bogus"], "--bogus: unknown flag; see pencil --help");
    bad!(["--bogus=1"], "--bogus: unknown flag; see pencil --help");
    bad!(
        ["data"],
        "data: unexpected argument: pencil takes only flags, e.g. --data-dir DIR"
    );
    bad!(["--memory"], "--memory: needs a value: SIZE, e.g. 1GiB");
    bad!(
        ["--memory", "--http", ":80"],
        "--memory: needs a value: SIZE, e.g. 1GiB"
    );
    bad!(["--write-token"], "--write-token: needs a value: TOKEN");
    bad!(
        ["--write-token="],
        "--write-token: expected a token, got an empty value"
    );
    bad!(
        ["--data-dir="],
        "--data-dir: expected a directory, got an empty value"
    );
    bad!(
        ["--strict-last-wins=yes"],
        "--strict-last-wins: takes no value, got \"yes\""
    );
    bad!(
        ["--http", ":1", "--http", ":2"],
        "--http: given twice; give each flag once"
    );
    bad!(
        ["--snapshot-every", "0"],
        "--snapshot-every: \"0\" is not whole seconds from 1 to 4294967295"
    );
    bad!(
        ["--snapshot-every", "1m"],
        "--snapshot-every: \"1m\" is not whole seconds from 1 to 4294967295"
    );
    bad!(
        ["--future-tolerance", "-5"],
        "--future-tolerance: \"-5\" is not whole seconds from 0 to 4294967295"
    );
    bad!(
        ["--max-connections", "0"],
        "--max-connections: \"0\" is not a count from 1 to 65536"
    );
    bad!(
        ["--max-connections", "+5"],
        "--max-connections: \"+5\" is not a count from 1 to 65536"
    );
    bad!(["--carbon", "localhost:2003"], "--carbon: \"localhost:2003\" is not an address: expected IP:PORT (0.0.0.0:2003, [::1]:2003), :PORT or PORT; host names are not resolved");
    bad!(
        ["--http", "70000"],
        "--http: port \"70000\" is not from 0 to 65535"
    );
    bad!(["--memory=1.5GiB"], "--memory: \"1.5GiB\" is not a size: expected a whole number with an optional unit K M G T or KiB MiB GiB TiB (powers of 1024) or kB MB GB (powers of 1000), e.g. 1GiB");
    bad!(
        ["--memory=0"],
        "--memory: \"0\" is zero bytes; the store needs some memory, e.g. 1GiB"
    );
}

#[test]
fn config_file_errors() {
    let missing = "/nonexistent/pencil/schemas.conf";
    let e = run(&["--schemas", missing]).unwrap_err();
    assert!(
        e.starts_with(&format!("--schemas: cannot read \"{missing}\": ")),
        "{e}"
    );
    let e = run(&["--aggregation", missing]).unwrap_err();
    assert!(
        e.starts_with(&format!("--aggregation: cannot read \"{missing}\": ")),
        "{e}"
    );
    let path = std::env::temp_dir().join(format!("pencil-bad-schemas-{}.conf", std::process::id()));
    std::fs::write(&path, "[a]\npattern = .*\nretentions = 1min:1d\n").unwrap();
    let path_text = path.to_str().unwrap();
    let e = run(&["--schemas", path_text]).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    let want = format!("{path_text}:3: unit \"min\" in \"1min:1d\" is not one of s m h d w y (carbon 1.1 accepts exactly these)");
    assert_eq!(e, want);
}

/// `size!("1GiB" => 1 << 30)`
macro_rules! size {
    ($text:expr => $bytes:expr) => {
        assert_eq!(parse_size($text), Ok($bytes), "input {:?}", $text)
    };
}

#[test]
fn sizes() {
    size!("1GiB" => 1 << 30);
    size!("512MiB" => 512 << 20);
    size!("2G" => 2 << 30);
    size!("100M" => 100 << 20);
    size!("64KiB" => 64 << 10);
    size!("64K" => 64 << 10);
    size!("1TiB" => 1 << 40);
    size!("1T" => 1 << 40);
    size!("3kB" => 3_000);
    size!("100MB" => 100_000_000);
    size!("2GB" => 2_000_000_000);
    size!("4096" => 4096);
    size!("4096B" => 4096);
    size!("1 GiB" => 1 << 30);
    for bad in [
        "", "GiB", "1gib", "1Gb", "1.5G", "-1G", "1 G B", "1KB", "1PiB", " 1G",
    ] {
        assert!(
            parse_size(bad).unwrap_err().contains("is not a size"),
            "{bad:?}"
        );
    }
    assert_eq!(
        parse_size("0GiB").unwrap_err(),
        "\"0GiB\" is zero bytes; the store needs some memory, e.g. 1GiB"
    );
    assert_eq!(
        parse_size("16777216TiB").unwrap_err(),
        "\"16777216TiB\" is too large: more than 18446744073709551615 bytes"
    );
    assert!(parse_size("99999999999999999999")
        .unwrap_err()
        .contains("is too large"));
}

#[test]
fn addresses() {
    let v4 = |port| SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port));
    assert_eq!(parse_addr("2003"), Ok(v4(2003)));
    assert_eq!(parse_addr(":2003"), Ok(v4(2003)));
    assert_eq!(parse_addr("0"), Ok(v4(0)));
    assert_eq!(
        parse_addr("127.0.0.1:80"),
        Ok("127.0.0.1:80".parse().unwrap())
    );
    assert_eq!(parse_addr("[::]:2003"), Ok("[::]:2003".parse().unwrap()));
    for bad in [
        "",
        ":",
        "127.0.0.1",
        "::1:80",
        "example.com:80",
        "1.2.3.4:x",
        " 80",
    ] {
        assert!(
            parse_addr(bad).unwrap_err().contains("is not an address"),
            "{bad:?}"
        );
    }
}

proptest! {
    #[test]
    fn size_with_binary_unit(n in 1u64..1 << 20, unit in 0usize..4) {
        let (name, shift) = [("KiB", 10), ("MiB", 20), ("GiB", 30), ("TiB", 40)][unit];
        let want = n.checked_mul(1 << shift);
        let got = parse_size(&format!("{n}{name}"));
        match want {
            Some(bytes) => prop_assert_eq!(got, Ok(bytes)),
            None => prop_assert!(got.is_err()),
        }
    }

    #[test]
    fn values_never_panic(text in "[0-9a-zA-Z:.\\[\\] +-]{0,24}") {
        let _ = parse_size(&text);
        let _ = parse_addr(&text);
        let _ = parse_count(&text, 1, 10, "a count");
    }

    #[test]
    fn args_never_panic(args in proptest::collection::vec("(--[a-z-]{1,16}(=[a-z0-9:]{0,6})?|[a-z0-9:]{0,6})", 0..6)) {
        let _ = parse_args(&args);
    }
}
