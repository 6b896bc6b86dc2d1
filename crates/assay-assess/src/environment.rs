//! The evaluation environment (ISO/IEC TS 4213 clause 5.3.11): operating
//! system, processor and thread count, as far as the machine tells them.

pub use assay_record::assessment::Environment;

/// The environment of this process.
pub fn current() -> Environment {
    let os_release = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim().trim_matches('"').to_owned())
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| {
                    let k = k.trim();
                    k == "model name" || k == "Model" || k == "cpu model"
                })
                .map(|(_, v)| v.trim().to_owned())
        });
    Environment {
        os: std::env::consts::OS.into(),
        os_release,
        kernel,
        arch: std::env::consts::ARCH.into(),
        cpu_model,
        logical_cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        threads: rayon::current_num_threads(),
    }
}
