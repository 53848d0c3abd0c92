//! `tuoke-bench` at a tiny scale: it runs every workload against a real
//! server and prints its figures as JSON lines.

use std::process::Command;

use serde_json::Value;

#[test]
fn the_benchmark_runs_at_a_tiny_scale_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let out = Command::new(env!("CARGO_BIN_EXE_tuoke-bench"))
        .args(["--db", &db, "--customers", "200", "--clients", "4"])
        .args(["--duration-secs", "1"])
        .args(["--tuoke", env!("CARGO_BIN_EXE_tuoke")])
        .env_remove("TUOKE_DATABASE_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let figures = [
        ("import_customers", &["import_customers_rows_per_s"][..]),
        ("create_customer", &["create_customer_per_s"]),
        (
            "list_customers",
            &[
                "list_customers_p50_ms",
                "list_customers_p99_ms",
                "list_customers_per_s",
            ],
        ),
        (
            "search_customers",
            &["search_customers_p50_ms", "search_customers_p99_ms"],
        ),
        ("funnel_report", &["funnel_report_p50_ms"]),
        ("log_activity", &["log_activity_per_s"]),
    ];
    for (workload, names) in figures {
        let line = lines
            .iter()
            .find(|l| l["workload"] == workload)
            .unwrap_or_else(|| panic!("no line for {workload}: {stdout}"));
        assert_eq!(line["backend"], "sqlite", "{line}");
        assert_eq!(line["customers"], 200, "{line}");
        for name in names {
            let v = line[name].as_f64().unwrap_or_default();
            assert!(v > 0.0, "{name} = {v}: {line}");
        }
        if workload != "import_customers" {
            assert_eq!(line["errors"], 0, "{line}");
        }
    }
    let rss = lines
        .iter()
        .find_map(|l| l["server_peak_rss_mib"].as_f64())
        .unwrap_or_else(|| panic!("no server_peak_rss_mib: {stdout}"));
    assert!(rss > 0.0);

    // A database that already has customers is refused.
    let again = Command::new(env!("CARGO_BIN_EXE_tuoke-bench"))
        .args(["--db", &db, "--customers", "10"])
        .args(["--tuoke", env!("CARGO_BIN_EXE_tuoke")])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("fresh database"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
