namespace PrecondFlow.Bench.Measurement;

/// <summary>The timings and memory of one workload.</summary>
/// <param name="Name">Workload name.</param>
/// <param name="Shape">The work in one line.</param>
/// <param name="Unit">What an item is ("steps", "samples", "profiles").</param>
/// <param name="ItemsPerRepetition">Items in one timed repetition.</param>
/// <param name="Warmup">Untimed repetitions.</param>
/// <param name="RepetitionSeconds">Wall-clock seconds of each timed repetition, in order.</param>
/// <param name="MedianSeconds">Median of <paramref name="RepetitionSeconds"/>.</param>
/// <param name="ItemsPerSecond">ItemsPerRepetition / MedianSeconds.</param>
/// <param name="Spread">(max − min) / median of the repetitions: a noise indicator.</param>
/// <param name="RssBeforeMib">Resident memory before setup, after free memory was handed back (GC, malloc_trim).</param>
/// <param name="RssAfterMib">Resident memory after the last repetition, before the workload is disposed.</param>
/// <param name="PeakMib">Peak resident memory during setup and repetitions.</param>
/// <param name="PeakIsPerWorkload">True when the kernel's peak was reset before the workload; false when the peak is
/// the process's since it started (then it includes earlier workloads).</param>
/// <param name="LoadBefore">One-minute load average before the workload.</param>
/// <param name="LoadAfter">One-minute load average after it.</param>
/// <param name="FlopsPerItem">Floating-point operations per item (<see cref="Workloads.IWorkload.FlopsPerItem"/>), or null.</param>
/// <param name="Gflops">Achieved GFLOP/s: FlopsPerItem × ItemsPerSecond / 10⁹, or null.</param>
internal sealed record WorkloadResult(
    string Name,
    string Shape,
    string Unit,
    int ItemsPerRepetition,
    int Warmup,
    IReadOnlyList<double> RepetitionSeconds,
    double MedianSeconds,
    double ItemsPerSecond,
    double Spread,
    double? RssBeforeMib,
    double? RssAfterMib,
    double? PeakMib,
    bool PeakIsPerWorkload,
    double? LoadBefore,
    double? LoadAfter,
    double? FlopsPerItem = null,
    double? Gflops = null);
